import factory

from accounts.models import PolicyVersion, RiskDecision
from tests.factories import StaffFactory


class PolicyVersionFactory(factory.django.DjangoModelFactory):
    """A policy version that was written by one analyst and switched on by another, and has since
    been retired (only one version may be active at a time)."""

    class Meta:
        model = PolicyVersion

    name = factory.Sequence(lambda n: f"Policy {n}")
    status = PolicyVersion.Status.RETIRED
    created_by = factory.SubFactory(StaffFactory, group="Risk analyst")
    activated_by = factory.SubFactory(StaffFactory, group="Supervisor")


class RiskDecisionFactory(factory.django.DjangoModelFactory):
    """The risk decision behind a policy's ledger row (pass ``limit_change``)."""

    class Meta:
        model = RiskDecision

    account = factory.LazyAttribute(lambda decision: decision.limit_change.account)
    policy_version = factory.SubFactory(PolicyVersionFactory)
    kind = RiskDecision.Kind.REDUCTION
    status = RiskDecision.Status.APPLIED
    previous_limit = factory.LazyAttribute(lambda decision: decision.limit_change.previous_limit)
    proposed_limit = factory.LazyAttribute(lambda decision: decision.limit_change.new_limit)
    reason_codes = factory.LazyAttribute(lambda decision: list(decision.limit_change.reason_codes))
    trigger_key = factory.Sequence(lambda n: f"appeal-test-{n}")
