"""The stress test's fast read of the book gives the figures the policy run reads, account by
account (on PostgreSQL one statement per id range; elsewhere the same function as the run)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import CreditScore, PolicyVersion, RiskDecision
from accounts.risk import services as risk
from accounts.risk.stress.figures import book_figures
from tests.factories import CreditProductFactory, RiskSignalFactory, credit_account, score_history

pytestmark = pytest.mark.django_db


def test_the_books_figures_agree_with_the_policy_runs_figures_for_every_kind_of_account():
    policy = PolicyVersion.objects.active().get()
    now = timezone.now()
    step_500 = CreditProductFactory(code="step-500", name_zh="五百", name_en="Five hundred", limit_step="500.00")

    cut_before = credit_account(credit_limit="20000.00")
    score_history(cut_before, [780, 700], days_apart=20)
    RiskSignalFactory(account=cut_before, kind="score_update", value="700")
    PolicyVersion.objects.filter(pk=policy.pk).update(warn_before_cut=False)
    risk.risk_evaluation_run()  # cut: the fall before it no longer counts
    PolicyVersion.objects.filter(pk=policy.pk).update(warn_before_cut=True)
    later = now + timedelta(days=5)
    CreditScore.objects.create(account=cut_before, score=690, scored_at=later - timedelta(days=1))

    warned = credit_account(credit_limit="8000.00", product=step_500)
    score_history(warned, [760, 720], days_apart=15)
    RiskSignalFactory(account=warned, kind="score_update", value="720")
    risk.risk_evaluation_run()  # the baseline warns first
    assert RiskDecision.objects.filter(account=warned, kind="watch").exists()

    signals = credit_account(credit_limit="15000.00")
    score_history(signals, [700, 705, 690])
    for kind, old, new in (
        ("linked_overdue", "3", "45"),
        ("borrowing_frequency", "20", "4"),
        ("repayment_speed", "-1.5", "6.5"),
    ):
        RiskSignalFactory(account=signals, kind=kind, value=old, observed_at=now - timedelta(days=3))
        RiskSignalFactory(account=signals, kind=kind, value=new, observed_at=now - timedelta(days=1))

    old_scores_only = credit_account(credit_limit="5000.00")
    score_history(old_scores_only, [800, 790], days_apart=300)  # the high is outside the look-back
    no_scores = credit_account(credit_limit="3000.00")
    no_limit = credit_account(credit_limit="0.00")

    with time_machine.travel(later):
        figures = book_figures(after=0, through=10**9, policy=policy, now=later)
        expected = risk.account_figures_many(account_ids=list(figures), policy=policy, now=later)

    assert set(figures) == {cut_before.pk, warned.pk, signals.pk, old_scores_only.pk, no_scores.pk}
    assert no_limit.pk not in figures
    assert figures == expected
    assert figures[cut_before.pk].score_high == 700  # the high since the cut, not 780
    assert figures[warned.pk].recently_warned is True
    assert str(figures[signals.pk].overdue_days) in ("45", "45.00")


def test_a_range_holds_only_its_own_accounts():
    policy = PolicyVersion.objects.active().get()
    first, second, third = (credit_account() for _ in range(3))
    figures = book_figures(after=first.pk, through=second.pk, policy=policy, now=timezone.now())
    assert list(figures) == [second.pk]
    assert third.pk not in figures
