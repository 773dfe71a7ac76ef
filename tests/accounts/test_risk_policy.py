from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.credit.services import limit_change_apply
from accounts.models import CreditAccount, CreditScore, LimitChange, PolicyVersion, RiskDecision, RiskEvaluationRun
from accounts.risk import services as risk
from accounts.tasks import risk_policy_evaluate
from portal.exceptions import PortalError
from portal.models import Notification
from tests.factories import BorrowerFactory, RiskSignalFactory, StaffFactory, credit_account, score_history

pytestmark = pytest.mark.django_db


# --- the pure rules ----------------------------------------------------------------------------

POLICY = PolicyVersion(name="test", warn_before_cut=False)


def figures(**overrides):
    base = {"credit_limit": Decimal("50000"), "status": "active", "score_now": 700, "score_high": 760}
    return risk.AccountFigures(**{**base, **overrides})


def test_a_score_fall_of_50_points_alone_cuts_30_percent():
    outcome = risk.policy_decide(policy=POLICY, figures=figures(score_now=700, score_high=750))
    assert (outcome.kind, outcome.target_limit, outcome.cut_percent) == ("reduction", Decimal("35000"), 30)
    assert outcome.reason_codes == ["score_drop"]
    assert outcome.needs_approval is False


def test_a_score_fall_with_a_linked_overdue_cuts_50_percent_with_both_reasons():
    outcome = risk.policy_decide(policy=POLICY, figures=figures(overdue_days=Decimal("5")))
    assert (outcome.target_limit, outcome.cut_percent) == (Decimal("25000"), 50)
    assert outcome.reason_codes == ["score_drop", "linked_overdue"]


def test_a_fall_of_49_points_only_warns():
    outcome = risk.policy_decide(policy=POLICY, figures=figures(score_now=711, score_high=760))
    assert outcome.kind == "watch"
    assert outcome.target_limit == Decimal("50000")


def test_severe_overdue_freezes_and_needs_approval():
    outcome = risk.policy_decide(policy=POLICY, figures=figures(score_now=760, overdue_days=Decimal("75")))
    assert (outcome.kind, outcome.target_status, outcome.needs_approval) == ("freeze", "frozen", True)
    assert outcome.reason_codes[0] == "linked_overdue"


def test_cuts_above_the_approval_threshold_wait_for_approval():
    strict = PolicyVersion(name="strict", warn_before_cut=False, combined_cut_percent=60)
    outcome = risk.policy_decide(policy=strict, figures=figures(draws_30d=Decimal("20")))
    assert (outcome.cut_percent, outcome.needs_approval) == (60, True)


def test_frozen_and_closed_lines_are_left_alone():
    for status in ("frozen", "closed", "cleared"):
        assert risk.policy_decide(policy=POLICY, figures=figures(status=status, score_now=500)).kind is None


def test_warn_first_then_cut_when_the_signal_persists():
    policy = PolicyVersion(name="warn", warn_before_cut=True)
    first = risk.policy_decide(policy=policy, figures=figures(recently_warned=False))
    second = risk.policy_decide(policy=policy, figures=figures(recently_warned=True))
    assert (first.kind, second.kind) == ("watch", "reduction")


policies = st.builds(
    PolicyVersion,
    name=st.just("generated"),
    score_drop_points=st.integers(1, 200),
    watch_score_drop_points=st.integers(1, 200),
    base_cut_percent=st.integers(0, 100),
    combined_cut_percent=st.integers(0, 100),
    overdue_days_threshold=st.integers(0, 90),
    borrowing_frequency_threshold=st.integers(0, 50),
    repayment_delay_threshold=st.decimals(0, 30, places=1),
    macro_tightening=st.booleans(),
    freeze_overdue_days=st.integers(1, 180),
    freeze_factor_count=st.integers(1, 4),
    approval_cut_percent=st.integers(0, 100),
    warn_before_cut=st.booleans(),
)
account_figures = st.builds(
    risk.AccountFigures,
    credit_limit=st.decimals(0, 1_000_000, places=2),
    status=st.sampled_from(["active", "frozen", "closed", "cleared"]),
    limit_step=st.sampled_from([Decimal("1"), Decimal("100"), Decimal("500")]),
    score_now=st.none() | st.integers(300, 950),
    score_high=st.none() | st.integers(300, 950),
    overdue_days=st.decimals(0, 365, places=0),
    draws_30d=st.decimals(0, 100, places=0),
    days_late=st.decimals(-30, 60, places=1),
    recently_warned=st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(policy=policies, account=account_figures)
def test_the_policy_never_raises_a_limit_nor_goes_below_zero(policy, account):
    outcome = risk.policy_decide(policy=policy, figures=account)
    assert Decimal("0") <= outcome.target_limit <= account.credit_limit
    assert len(outcome.reason_codes) <= 4
    assert (outcome.kind is None) or outcome.reason_codes


@settings(max_examples=300, deadline=None)
@given(policy=policies, account=account_figures)
def test_the_policy_decides_the_same_way_twice(policy, account):
    assert risk.policy_decide(policy=policy, figures=account) == risk.policy_decide(policy=policy, figures=account)


# --- evaluation against the database ---------------------------------------------------------


@pytest.fixture
def policy():
    active = PolicyVersion.objects.active().get()
    active.warn_before_cut = False  # the baseline warns first; most tests look at the cut itself
    PolicyVersion.objects.filter(pk=active.pk).update(warn_before_cut=False)
    return active


@pytest.fixture
def account(borrower):
    account = credit_account(customer=borrower.customer, credit_limit="50000.00")
    score_history(account, [750, 752, 748, 745])
    return account


def signal(account, **kwargs):
    return RiskSignalFactory(account=account, **kwargs)


def evaluate():
    """A policy run over the new signals, decided here: the one decision made, or None."""
    decisions = risk.risk_evaluation_run()
    assert len(decisions) <= 1
    return decisions[0] if decisions else None


def test_a_score_drop_signal_cuts_the_limit_with_a_notice(policy, account, borrower):
    score_history(account, [690], days_apart=0)
    signal(account, kind="score_update", value="690")

    decision = evaluate()

    account.refresh_from_db()
    assert decision.status == RiskDecision.Status.APPLIED
    assert account.credit_limit == Decimal("35000.00")
    change = account.limit_changes.get(kind=LimitChange.Kind.RISK_REDUCTION)
    assert change.policy_version == policy
    assert change.reason_codes == ["score_drop"]
    assert change.notice.recipient == borrower
    run = RiskEvaluationRun.objects.get(policy_version=policy)
    assert (run.accounts, run.candidates) == (1, 1)
    assert run.chunks.get().done_at is not None


def test_a_fall_that_cut_the_limit_does_not_cut_it_again_but_a_further_fall_does(policy, account):
    score_history(account, [690], days_apart=0)
    signal(account, kind="score_update", value="690")
    assert evaluate().kind == RiskDecision.Kind.REDUCTION  # 50,000 -> 35,000

    later = timezone.now() + timedelta(days=30)
    with time_machine.travel(later):
        CreditScore.objects.create(account=account, score=692, scored_at=later)
        signal(account, kind="score_update", value="692", observed_at=later)
        assert evaluate() is None  # still 58 under the old high, but that fall was already acted on
    account.refresh_from_db()
    assert account.credit_limit == Decimal("35000.00")

    lower = later + timedelta(days=30)
    with time_machine.travel(lower):
        CreditScore.objects.create(account=account, score=630, scored_at=lower)
        signal(account, kind="score_update", value="630", observed_at=lower)
        decision = evaluate()
    assert decision.kind == RiskDecision.Kind.REDUCTION
    assert decision.inputs["score_high"] == 692  # 62 points under the high since the cut
    account.refresh_from_db()
    assert account.credit_limit == Decimal("24500.00")


def test_evaluating_the_same_signals_twice_changes_nothing(policy, account):
    score_history(account, [690], days_apart=0)
    signal(account, kind="score_update", value="690")
    evaluate()
    assert evaluate() is None
    account.refresh_from_db()
    assert account.credit_limit == Decimal("35000.00")
    assert account.limit_changes.count() == 2


def test_the_baseline_warns_first_and_cuts_at_the_next_evaluation(account, borrower):
    score_history(account, [690], days_apart=0)
    signal(account, kind="score_update", value="690")
    warning = evaluate()
    account.refresh_from_db()
    assert warning.kind == "watch"
    assert account.credit_limit == Decimal("50000.00")
    assert Notification.objects.get(recipient=borrower, kind="risk_watch")

    signal(account, kind="score_update", value="688")
    cut = evaluate()
    account.refresh_from_db()
    assert cut.kind == "reduction"
    assert account.credit_limit == Decimal("35000.00")


def test_a_freeze_waits_for_a_second_person(policy, account):
    analyst = StaffFactory(group="Risk analyst")
    PolicyVersion.objects.filter(pk=policy.pk).update(activated_by=analyst)
    supervisor = StaffFactory(group="Supervisor")
    signal(account, kind="linked_overdue", value="90")

    decision = evaluate()
    account.refresh_from_db()
    assert decision.status == RiskDecision.Status.PENDING_APPROVAL
    assert account.status == CreditAccount.Status.ACTIVE

    with pytest.raises(PortalError) as not_allowed:
        risk.risk_decision_approve(decision=decision, reviewer=analyst)
    assert not_allowed.value.code == "forbidden"  # analysts hold no approval permission

    risk.risk_decision_approve(decision=decision, reviewer=supervisor, note="Confirmed with the core system.")
    account.refresh_from_db()
    assert account.status == CreditAccount.Status.FROZEN
    change = account.limit_changes.get(kind=LimitChange.Kind.RISK_FREEZE)
    assert change.decided_by_user == supervisor


def test_whoever_switched_the_policy_on_cannot_approve_its_decisions(policy, account):
    supervisor = StaffFactory(group="Supervisor")
    PolicyVersion.objects.filter(pk=policy.pk).update(activated_by=supervisor)
    signal(account, kind="linked_overdue", value="90")
    decision = evaluate()
    with pytest.raises(PortalError) as error:
        risk.risk_decision_approve(decision=decision, reviewer=supervisor)
    assert error.value.code == "four_eyes"


def test_rejecting_needs_a_reason_and_leaves_the_account(policy, account):
    supervisor = StaffFactory(group="Supervisor")
    signal(account, kind="linked_overdue", value="90")
    decision = evaluate()
    with pytest.raises(PortalError):
        risk.risk_decision_reject(decision=decision, reviewer=supervisor, note=" ")
    risk.risk_decision_reject(decision=decision, reviewer=supervisor, note="Overdue already cured.")
    decision.refresh_from_db()
    account.refresh_from_db()
    assert decision.status == RiskDecision.Status.REJECTED
    assert account.status == CreditAccount.Status.ACTIVE


def test_a_stale_decision_is_set_aside_not_applied(policy, account):
    supervisor = StaffFactory(group="Supervisor")
    signal(account, kind="linked_overdue", value="90")
    decision = evaluate()
    limit_change_apply(
        account=account, kind="risk_reduction", new_limit="10000", reason_codes=["fraud_suspicion"], decided_by="staff"
    )
    with pytest.raises(PortalError) as error:
        risk.risk_decision_approve(decision=decision, reviewer=supervisor)
    assert error.value.code == "stale"
    decision.refresh_from_db()
    assert decision.status == RiskDecision.Status.SUPERSEDED


def test_preview_counts_what_a_draft_would_do_and_writes_nothing(policy, account):
    score_history(account, [690], days_apart=0)
    credit_account(customer=BorrowerFactory().customer)  # a healthy account with no scores
    draft = PolicyVersion.objects.create(name="draft", base_cut_percent=40)
    summary = risk.policy_version_preview(policy=draft)
    assert summary["accounts"] == 2
    assert summary["reduction"] == 1
    assert summary["limit_removed"] == Decimal("20000.00")
    assert not RiskDecision.objects.exists()


def test_activating_a_draft_retires_the_active_version(policy):
    analyst = StaffFactory(group="Risk analyst")
    draft = PolicyVersion.objects.create(name="draft")
    risk.policy_version_activate(policy=draft, actor=analyst)
    policy.refresh_from_db()
    draft.refresh_from_db()
    assert (policy.status, draft.status) == ("retired", "active")
    assert draft.activated_by == analyst


def test_the_beat_job_evaluates_every_account_with_new_signals(policy, account):
    other = credit_account(customer=BorrowerFactory().customer)
    score_history(other, [760, 700])
    score_history(account, [690], days_apart=0)
    signal(account, kind="score_update", value="690")
    signal(other, kind="score_update", value="700")
    assert risk_policy_evaluate.delay().get() == 2
    assert sorted(CreditAccount.objects.values_list("credit_limit", flat=True)) == [Decimal("35000.00")] * 2
    assert Notification.objects.filter(kind="limit_change.risk_reduction").count() == 2


def test_a_chunk_of_accounts_is_evaluated_in_a_fixed_number_of_queries(policy, django_assert_max_num_queries):
    accounts = []
    for _index in range(40):
        account = credit_account(customer=BorrowerFactory().customer)
        score_history(account, [760, 700])
        signal(account, kind="score_update", value="700")
        accounts.append(account)
    healthy = credit_account(customer=BorrowerFactory().customer)
    score_history(healthy, [700, 705])
    signal(healthy, kind="score_update", value="705")
    run = risk.risk_evaluation_run_start(chunk_size=100)
    # On PostgreSQL the run leaves the healthy account out; elsewhere its chunk decides nothing for it.
    (chunk,) = run.chunks.all()
    assert set(chunk.account_ids) >= {a.pk for a in accounts}

    with django_assert_max_num_queries(25):
        decisions = risk.risk_evaluation_chunk_decide(chunk_id=chunk.pk)

    assert len(decisions) == 40
    assert {d.status for d in decisions} == {RiskDecision.Status.APPLIED}
    assert LimitChange.objects.filter(kind="risk_reduction").count() == 40
    assert Notification.objects.filter(kind="limit_change.risk_reduction").count() == 40
    healthy.refresh_from_db()
    assert healthy.credit_limit == Decimal("50000.00")
    chunk.refresh_from_db()
    assert (chunk.decisions, chunk.done_at is not None) == (40, True)
    # A task that runs again (a redelivered message) finds the chunk done and changes nothing.
    assert risk.risk_evaluation_chunk_decide(chunk_id=chunk.pk) == []
    assert LimitChange.objects.filter(kind="risk_reduction").count() == 40


def test_each_run_covers_the_signals_received_since_the_run_before(policy, account):
    score_history(account, [690], days_apart=0)
    first_signal = signal(account, kind="score_update", value="690")
    first = risk.risk_evaluation_run_start()
    assert (first.after_signal_id, first.through_signal_id) == (0, first_signal.pk)
    assert risk.risk_evaluation_run_start() is None  # nothing new: no run

    later = signal(account, kind="linked_overdue", value="3")
    second = risk.risk_evaluation_run_start()
    assert (second.after_signal_id, second.through_signal_id) == (first.through_signal_id, later.pk)


def test_a_chunk_whose_task_was_lost_is_queued_again_and_decided_once(policy, account):
    score_history(account, [690], days_apart=0)
    signal(account, kind="score_update", value="690")
    started = timezone.now()
    run = risk.risk_evaluation_run_start(now=started)  # its task never ran
    chunk = run.chunks.get()
    assert risk.risk_evaluation_chunks_requeue(now=started + timedelta(minutes=9)) == []

    with time_machine.travel(started + timedelta(minutes=11)):
        risk_policy_evaluate.delay().get()  # the beat run queues the chunk again (tasks run eagerly here)
    chunk.refresh_from_db()
    account.refresh_from_db()
    assert chunk.done_at is not None and chunk.decisions == 1
    assert account.credit_limit == Decimal("35000.00")
    assert risk.risk_evaluation_chunks_requeue(now=started + timedelta(hours=1)) == []
    assert account.limit_changes.filter(kind=LimitChange.Kind.RISK_REDUCTION).count() == 1


def test_signals_wait_for_an_active_policy(account):
    PolicyVersion.objects.update(status=PolicyVersion.Status.RETIRED)
    signal(account, kind="linked_overdue", value="90")
    assert risk.risk_evaluation_run() == []
    assert not RiskEvaluationRun.objects.exists()
    PolicyVersion.objects.create(name="v2", status=PolicyVersion.Status.ACTIVE)
    (decision,) = risk.risk_evaluation_run()
    assert decision.kind == RiskDecision.Kind.FREEZE
