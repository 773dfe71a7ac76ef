"""A policy run first picks, in one statement over every account with new signals, the accounts
the policy might act on; the chunk tasks then decide those exactly. The pick must never leave out
an account the policy acts on, and picks the same accounts on every database: PostgreSQL runs a
set-based statement, SQLite (``make test`` and the demo without DATABASE_URL) its ORM twin."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from accounts.credit.services import limit_change_apply
from accounts.models import CreditAccount, PolicyVersion, RiskEvaluationChunk, RiskSignal
from accounts.risk import services as risk
from accounts.risk.services.runs import _candidates_portable, _candidates_set_based
from accounts.tasks import risk_policy_evaluate
from tests.factories import BorrowerFactory, RiskSignalFactory, credit_account, score_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy():
    PolicyVersion.objects.active().update(warn_before_cut=False)
    return PolicyVersion.objects.active().get()


def account_with(scores, *signals, limit="50000.00", days_apart=20):
    """An account with monthly-ish scores and signals; a signal is (kind, value) observed now,
    or (kind, value, days ago)."""
    account = credit_account(customer=BorrowerFactory().customer, credit_limit=limit)
    score_history(account, scores, days_apart=days_apart)
    now = timezone.now()
    for kind, value, *days_ago in signals:
        RiskSignalFactory(account=account, kind=kind, value=value, observed_at=now - timedelta(days=sum(days_ago)))
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


def test_the_pick_leaves_out_exactly_the_accounts_the_policy_cannot_act_on(policy, accounts):
    # On every database: SQLite once picked every account with a signal (issue 14).
    run = risk.risk_evaluation_run_start()
    assert set(picked(run)) == acted_on(policy)  # here the necessary condition is also sufficient
    assert (run.accounts, run.candidates) == (len(accounts), 5)


@pytest.fixture
def awkward_accounts(accounts):
    """Beside ``accounts``, the cases where the two picks could part: superseded and tied
    signals, a high outside the look-back, decimals on either side of a threshold."""
    return {
        **accounts,
        "overdue cured since": account_with([740], ("linked_overdue", "90", 3), ("linked_overdue", "0")),
        "overdue since cure": account_with([740], ("linked_overdue", "0", 3), ("linked_overdue", "90")),
        "tied overdue": account_with([740], ("linked_overdue", "0", 1), ("linked_overdue", "30", 1)),
        "high out of look-back": account_with([780, 690], ("score_update", "690"), days_apart=200),
        "high inside look-back": account_with([780, 690], ("score_update", "690"), days_apart=100),
        "just late enough": account_with([740], ("repayment_speed", "3.00")),
        "almost late": account_with([740], ("repayment_speed", "2.99")),
        "no scores": account_with([], ("borrowing_frequency", "2")),
        "no scores, borrowing often": account_with([], ("borrowing_frequency", "40")),
    }


POLICIES = {
    "baseline": {},
    "macro tightening": {"macro_tightening": True},
    "strict": {
        "score_drop_points": 10,
        "watch_score_drop_points": 5,
        "overdue_days_threshold": 0,
        "borrowing_frequency_threshold": 2,
        "repayment_delay_threshold": Decimal("0.50"),
    },
    "lenient": {"score_drop_points": 95, "watch_score_drop_points": 91, "freeze_overdue_days": 120},
}


@pytest.mark.parametrize("variant", POLICIES)
def test_the_portable_pick_takes_exactly_the_accounts_the_policy_may_act_on(policy, awkward_accounts, variant):
    """On every database, the ORM pick equals the policy's own reading of each account's
    figures, for several policies: the pick's condition is the policy's, only wider by design
    (the watch fall, the smaller overdue threshold)."""
    PolicyVersion.objects.filter(pk=policy.pk).update(**POLICIES[variant])
    policy.refresh_from_db()
    through = RiskSignal.objects.order_by("-pk").values_list("pk", flat=True).first()
    accounts, candidates = _candidates_portable(policy=policy, after=0, through=through, now=timezone.now())
    assert accounts == len(awkward_accounts)
    assert acted_on(policy) <= set(candidates)
    assert candidates == sorted(candidates)
    assert set(candidates) == _named_pick(awkward_accounts, variant)


def _named_pick(accounts, variant):
    """What each policy variant may act on, by name (frozen and zero-limit lines never)."""
    active = set(accounts) - {"frozen", "no limit"}
    baseline = {
        "watch fall",
        "cut",
        "overdue only",
        "borrowing often",
        "paying late",
        "overdue since cure",
        "tied overdue",
        "high inside look-back",
        "just late enough",
        "no scores, borrowing often",
    }
    picks = {
        "baseline": baseline,
        "macro tightening": active,
        "strict": active - {"steady", "cured overdue", "overdue cured since", "high out of look-back"},
        "lenient": baseline - {"watch fall", "cut", "high inside look-back"},
    }
    return {accounts[name].pk for name in picks[variant]}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the set-based pick runs on PostgreSQL only")
@pytest.mark.parametrize("variant", POLICIES)
def test_the_set_based_pick_agrees_with_the_portable_pick(policy, awkward_accounts, variant):
    """The fast path (PostgreSQL's one hashed pass) and the ORM pick other databases run choose
    the same accounts from the same data, and count the same accounts seen."""
    PolicyVersion.objects.filter(pk=policy.pk).update(**POLICIES[variant])
    policy.refresh_from_db()
    now = timezone.now()
    signals = list(RiskSignal.objects.order_by("pk").values_list("pk", flat=True))
    for after, through in [(0, signals[-1]), (signals[5], signals[-1]), (0, signals[8])]:
        fast = _candidates_set_based(policy=policy, after=after, through=through, now=now)
        assert fast == _candidates_portable(policy=policy, after=after, through=through, now=now)


def test_the_beat_job_decides_as_evaluating_each_account_would(policy, accounts):
    assert risk_policy_evaluate.delay().get() >= 5
    limits = dict(CreditAccount.objects.values_list("external_id", "credit_limit"))
    assert limits[accounts["cut"].external_id] == Decimal("35000.00")
    assert limits[accounts["steady"].external_id] == Decimal("50000.00")
    assert RiskEvaluationChunk.objects.filter(done_at=None).count() == 0
    assert risk_policy_evaluate.delay().get() == 0  # nothing new: no run
