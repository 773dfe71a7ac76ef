"""The appeal clock: reminders, breach notices and closing, at the right times, once."""

from datetime import timedelta

import pytest

from appeals import services, tasks
from appeals.models import Appeal
from portal.models import Notification
from tests.appeals.conftest import file_appeal

pytestmark = pytest.mark.django_db


def _count(user, kind):
    return Notification.objects.filter(recipient=user, kind=kind).count()


def test_assignee_is_reminded_three_days_before_the_due_date_once(assigned, reviewer, clock):
    clock.shift(timedelta(days=11))
    assert tasks.appeals_assignee_remind.delay().get() == 0
    clock.shift(timedelta(days=1, minutes=1))
    assert tasks.appeals_assignee_remind.delay().get() == 1
    assert tasks.appeals_assignee_remind.delay().get() == 0
    assert _count(reviewer, "appeal_staff.due_soon") == 1


def test_supervisors_hear_of_a_breach_once(assigned, supervisor, clock):
    clock.shift(timedelta(days=15) - timedelta(minutes=1))
    assert tasks.appeals_breach_report.delay().get() == 0
    clock.shift(timedelta(minutes=2))
    assert tasks.appeals_breach_report.delay().get() == 1
    assert tasks.appeals_breach_report.delay().get() == 0
    assert _count(supervisor, "appeal_staff.breached") == 1


def test_no_breach_while_waiting_for_the_borrower(assigned, reviewer, supervisor, clock):
    services.appeal_information_request(appeal=assigned, actor=reviewer, message="Send it.")
    clock.shift(timedelta(days=13))
    assert tasks.appeals_breach_report.delay().get() == 0


def test_borrower_reminded_after_three_days_and_closed_after_fourteen(borrower, assigned, reviewer, clock):
    services.appeal_information_request(appeal=assigned, actor=reviewer, message="Send it.")
    clock.shift(timedelta(days=3) - timedelta(minutes=1))
    assert tasks.appeals_information_remind.delay().get() == 0
    clock.shift(timedelta(minutes=2))
    assert tasks.appeals_information_remind.delay().get() == 1
    assert tasks.appeals_information_remind.delay().get() == 0
    assert _count(borrower, "appeal.information_reminder") == 1
    clock.shift(timedelta(days=11) - timedelta(minutes=2))
    assert tasks.appeals_unanswered_close.delay().get() == 0
    clock.shift(timedelta(minutes=2))
    assert tasks.appeals_unanswered_close.delay().get() == 1
    appeal = Appeal.objects.get()
    assert (appeal.status, appeal.close_reason) == ("closed", "unanswered")
    assert _count(borrower, "appeal.closed_unanswered") == 1


def test_decided_appeals_close_after_the_second_review_window(assigned, reviewer, clock):
    services.appeal_decide(appeal=assigned, actor=reviewer, outcome="upheld", reason="No.")
    clock.shift(timedelta(days=15))
    assert tasks.appeals_decided_close.delay().get() == 0
    clock.shift(timedelta(minutes=1))
    assert tasks.appeals_decided_close.delay().get() == 1
    assert Appeal.objects.get().status == Appeal.Status.CLOSED


def test_a_decision_stuck_in_four_eyes_approval_is_reported_as_a_breach(assigned, reviewer, supervisor, clock):
    services.appeal_decide(appeal=assigned, actor=reviewer, outcome="overturned", reason="Score data was wrong.")
    assert Appeal.objects.get(pk=assigned.pk).status == "awaiting_approval"
    clock.shift(timedelta(days=15, minutes=1))
    assert tasks.appeals_breach_report.delay().get() == 1
    assert _count(supervisor, "appeal_staff.breached") == 1


def test_closing_jobs_act_once_however_often_they_run(borrower, assigned, reviewer, clock):
    services.appeal_information_request(appeal=assigned, actor=reviewer, message="Send it.")
    clock.shift(timedelta(days=14, minutes=1))
    assert [tasks.appeals_unanswered_close.delay().get() for _run in range(2)] == [1, 0]
    assert _count(borrower, "appeal.closed_unanswered") == 1


def test_a_decided_appeal_is_closed_once_however_often_the_job_runs(assigned, reviewer, clock):
    services.appeal_decide(appeal=assigned, actor=reviewer, outcome="upheld", reason="No.")
    clock.shift(timedelta(days=15, minutes=1))
    assert [tasks.appeals_decided_close.delay().get() for _run in range(2)] == [1, 0]
    assert Appeal.objects.get().events.filter(kind="closed").count() == 1


def test_each_appeal_runs_on_its_own_jurisdictions_clock(borrower, decision, reviewer, settings, clock):
    """An appeal filed under the UK profile (56 days, reminder 5 days before) keeps that clock
    after the default jurisdiction changes back."""
    settings.APPEAL_JURISDICTION = "UK"
    appeal = services.appeal_assign(appeal=file_appeal(borrower, decision), actor=reviewer)
    settings.APPEAL_JURISDICTION = "CN"
    clock.shift(timedelta(days=51, minutes=1))
    assert [tasks.appeals_assignee_remind.delay().get() for _run in range(2)] == [1, 0]
    assert Appeal.objects.get(pk=appeal.pk).jurisdiction == "UK"
