"""The beat job first picks, in one statement over every account with new signals, the accounts
the policy might act on (on PostgreSQL also settling the others); the chunk tasks then decide
those exactly. The pick must never leave out an account the policy acts on."""

from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import CreditAccount, PolicyVersion, RiskSignal
from accounts.services import limit_change_apply, risk
from accounts.tasks import risk_policy_evaluate
from tests.factories import BorrowerFactory, RiskSignalFactory, credit_account, score_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy():
    PolicyVersion.objects.active().update(warn_before_cut=False)
    return PolicyVersion.objects.active().get()


def account_with(scores, *signals, limit="50000.00"):
    account = credit_account(customer=BorrowerFactory().customer, credit_limit=limit)
    score_history(account, scores, days_apart=20)
    for kind, value in signals:
        RiskSignalFactory(account=account, kind=kind, value=value, observed_at=timezone.now())
    return account


@pytest.fixture
def accounts(policy):
    frozen = account_with([760, 690], ("score_update", "690"))
    limit_change_apply(
        account=frozen, kind="risk_freeze", new_status="frozen", reason_codes=["score_drop"], decided_by="policy"
    )
    return {
        "steady": account_with([740, 745], ("score_update", "745")),
        "small fall": account_with([760, 740], ("score_update", "740")),
        "watch fall": account_with([760, 725], ("score_update", "725")),
        "cut": account_with([760, 700], ("score_update", "700")),
        "overdue only": account_with([740], ("linked_overdue", "5")),
        "cured overdue": account_with([740], ("linked_overdue", "0")),
        "borrowing often": account_with([740], ("borrowing_frequency", "15")),
        "paying late": account_with([740], ("repayment_speed", "4.5")),
        "no limit": account_with([760, 690], ("score_update", "690"), limit="0.00"),
        "frozen": frozen,
    }


def acted_on(policy):
    figures = risk.account_figures_many(
        account_ids=RiskSignal.objects.filter(evaluated_at=None).values_list("account_id", flat=True), policy=policy
    )
    return {pk for pk, figure in figures.items() if risk.policy_decide(policy=policy, figures=figure).kind}


def test_every_account_the_policy_acts_on_is_a_candidate(policy, accounts):
    expected = acted_on(policy)
    candidates = risk.risk_evaluation_candidate_account_ids()
    assert expected <= set(candidates)
    assert {accounts[name].pk for name in ("watch fall", "cut", "overdue only", "borrowing often", "paying late")} == (
        expected
    )
    assert candidates == sorted(candidates)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the set-based pick runs on PostgreSQL")
def test_the_pick_settles_the_others_and_leaves_the_candidates_pending(policy, accounts):
    candidates = risk.risk_evaluation_candidate_account_ids()
    assert set(candidates) == acted_on(policy)  # here the necessary condition is also sufficient
    pending = set(RiskSignal.objects.filter(evaluated_at=None).values_list("account_id", flat=True))
    assert pending == set(candidates)


def test_the_beat_job_decides_as_evaluating_each_account_would(policy, accounts):
    assert risk_policy_evaluate.delay().get() >= 5
    limits = dict(CreditAccount.objects.values_list("external_id", "credit_limit"))
    assert limits[accounts["cut"].external_id] == Decimal("35000.00")
    assert limits[accounts["steady"].external_id] == Decimal("50000.00")
    assert not RiskSignal.objects.filter(evaluated_at=None).exists()
    assert risk_policy_evaluate.delay().get() == 0
