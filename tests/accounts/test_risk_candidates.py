"""A policy run first picks, in one statement over every account with new signals, the accounts
the policy might act on (on PostgreSQL; elsewhere every such account); the chunk tasks then
decide those exactly. The pick must never leave out an account the policy acts on."""

from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from accounts.credit.services import limit_change_apply
from accounts.models import CreditAccount, PolicyVersion, RiskEvaluationChunk, RiskSignal
from accounts.risk import services as risk
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
        account_ids=RiskSignal.objects.values_list("account_id", flat=True), policy=policy
    )
    return {pk for pk, figure in figures.items() if risk.policy_decide(policy=policy, figures=figure).kind}


def picked(run):
    return [pk for chunk in run.chunks.order_by("pk") for pk in chunk.account_ids]


def test_every_account_the_policy_acts_on_is_a_candidate(policy, accounts):
    expected = acted_on(policy)
    run = risk.risk_evaluation_run_start(chunk_size=3)
    candidates = picked(run)
    assert expected <= set(candidates)
    assert {accounts[name].pk for name in ("watch fall", "cut", "overdue only", "borrowing often", "paying late")} == (
        expected
    )
    assert candidates == sorted(candidates)
    assert (run.accounts, run.candidates) == (len(accounts), len(candidates))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the set-based pick runs on PostgreSQL")
def test_the_pick_leaves_out_exactly_the_accounts_the_policy_cannot_act_on(policy, accounts):
    run = risk.risk_evaluation_run_start()
    assert set(picked(run)) == acted_on(policy)  # here the necessary condition is also sufficient


def test_the_beat_job_decides_as_evaluating_each_account_would(policy, accounts):
    assert risk_policy_evaluate.delay().get() >= 5
    limits = dict(CreditAccount.objects.values_list("external_id", "credit_limit"))
    assert limits[accounts["cut"].external_id] == Decimal("35000.00")
    assert limits[accounts["steady"].external_id] == Decimal("50000.00")
    assert RiskEvaluationChunk.objects.filter(done_at=None).count() == 0
    assert risk_policy_evaluate.delay().get() == 0  # nothing new: no run
