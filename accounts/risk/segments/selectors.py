"""Which segment each account is in, read set-based, and the policy as it applies to a segment.

Membership is one SQL ``CASE`` over the accounts (first matching rule wins, in order), so the
database places any number of accounts in one statement; nothing is evaluated row by row here."""

import copy
from datetime import timedelta

from django.db.models import Case, CharField, Count, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import CreditAccount, RepaymentInstallment, SegmentRule, SegmentSet
from accounts.models.segments import OVERRIDABLE_PARAMETERS, override_value
from portal.db import ids_among

# How far back the repayment record looks.
REPAYMENT_RECORD_DAYS = 365


def segment_set_active():
    return SegmentSet.objects.active().first()


def segment_rules(segment_set):
    """The set's rules in the order they are tried."""
    if segment_set is None:
        return []
    return list(SegmentRule.objects.filter(segment_set=segment_set).order_by("position"))


def _rule_condition(rule, now):
    """The rule as a condition on an account annotated with ``late_installments``."""
    condition = Q()
    if rule.min_tenure_days is not None:
        condition &= Q(opened_at__lte=now - timedelta(days=rule.min_tenure_days))
    if rule.max_tenure_days is not None:
        condition &= Q(opened_at__gt=now - timedelta(days=rule.max_tenure_days))
    # balance / limit >= p %  <=>  balance * 100 >= limit * p (no division: a zero limit is "full").
    if rule.min_utilisation_percent is not None:
        condition &= Q(balance_x100__gte=F("credit_limit") * rule.min_utilisation_percent)
    if rule.max_utilisation_percent is not None:
        condition &= Q(balance_x100__lt=F("credit_limit") * rule.max_utilisation_percent)
    if rule.product_id is not None:
        condition &= Q(product_id=rule.product_id)
    if rule.min_late_installments is not None:
        condition &= Q(late_installments__gte=rule.min_late_installments)
    if rule.max_late_installments is not None:
        condition &= Q(late_installments__lte=rule.max_late_installments)
    return condition


def _late_installments(now):
    """Installments due in the last REPAYMENT_RECORD_DAYS that are overdue or were paid late."""
    since = (now - timedelta(days=REPAYMENT_RECORD_DAYS)).date()
    late = (
        RepaymentInstallment.objects.filter(account=OuterRef("pk"), due_date__gte=since, due_date__lte=now.date())
        .filter(Q(status=RepaymentInstallment.Status.OVERDUE) | Q(paid_at__date__gt=F("due_date")))
        .order_by()
        .values("account")
        .annotate(total=Count("pk"))
        .values("total")
    )
    return Coalesce(Subquery(late, output_field=IntegerField()), Value(0))


def segments_annotate(queryset, *, rules, now):
    """``queryset`` (of credit accounts) annotated with ``segment``, the key of the first rule
    each account meets ("" when no rule does, which a valid set's catch-all prevents)."""
    annotations = {"balance_x100": F("outstanding_balance") * 100}
    if any(r.min_late_installments is not None or r.max_late_installments is not None for r in rules):
        annotations["late_installments"] = _late_installments(now)
    whens, default = [], ""
    for rule in rules:
        condition = _rule_condition(rule, now)
        if not condition:  # a catch-all: every account left over is in it, later rules are never reached
            default = rule.key
            break
        whens.append(When(condition, then=Value(rule.key)))
    segment = Case(*whens, default=Value(default), output_field=CharField()) if whens else Value(default, CharField())
    return queryset.annotate(**annotations).annotate(segment=segment)


def account_segments_many(*, account_ids, rules, now=None):
    """The segment key of each account, keyed by account id, in one query."""
    now = now or timezone.now()
    if not account_ids:
        return {}
    if not rules:
        return dict.fromkeys(account_ids, "")
    queryset = CreditAccount.objects.filter(pk__in=ids_among(account_ids)).order_by()
    return dict(segments_annotate(queryset, rules=rules, now=now).values_list("pk", "segment"))


def account_segment_get(*, account, now=None):
    """The segment the account is in under the active set ("" when none is active)."""
    rules = segment_rules(segment_set_active())
    return account_segments_many(account_ids=[account.pk], rules=rules, now=now).get(account.pk, "")


def policy_for_segment(policy, segment_key):
    """The policy as it applies to an account of this segment: a copy (never saved) with the
    version's overrides for the segment in place. A pure function: policy_decide then stays
    a function of a policy and figures only."""
    overrides = (policy.segment_overrides or {}).get(segment_key)
    if not overrides:
        return policy
    effective = copy.copy(policy)
    for name, value in overrides.items():
        if name in OVERRIDABLE_PARAMETERS:
            setattr(effective, name, override_value(name, value))
    return effective


def policy_variants(policy):
    """The policy and each segment's variant of it: what a pre-filter must let through is the
    loosest of them."""
    return [policy] + [policy_for_segment(policy, key) for key in sorted(policy.segment_overrides or {})]
