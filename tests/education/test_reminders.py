"""Reminders: once per event, never in quiet hours (deferred, not dropped), email only if wanted."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from appeals import services as appeal_services
from education import tasks
from education.services import reminders
from portal.models import Notification
from tests.appeals.conftest import file_appeal, reduction
from tests.education.factories import CommunicationPreferenceFactory
from tests.factories import RepaymentInstallmentFactory, StaffFactory, credit_account

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def account(borrower):
    return credit_account(customer=borrower.customer)


def _at(hour, day=10):
    return datetime(2026, 11, day, hour, 0, tzinfo=SHANGHAI)


def _notices(user, kind):
    return Notification.objects.filter(recipient=user, kind=kind)


def test_repayment_due_in_three_days_is_reminded_once(
    borrower, account, time_machine, django_capture_on_commit_callbacks
):
    installment = RepaymentInstallmentFactory(account=account, due_date=date(2026, 11, 13), amount_due="1200.00")
    time_machine.move_to(_at(10), tick=False)

    with django_capture_on_commit_callbacks(execute=True):
        tasks.reminders_send.delay()
        tasks.reminders_send.delay()

    notice = _notices(borrower, "reminder.due3").get()
    assert notice.idempotency_key == f"reminder:due3:{installment.pk}"
    assert "1,200.00" in notice.title
    assert [message.to for message in mail.outbox] == [[borrower.email]]


def test_missed_repayment_is_reminded_the_next_day_kindly_with_help(
    borrower, account, time_machine, django_capture_on_commit_callbacks
):
    RepaymentInstallmentFactory(account=account, due_date=date(2026, 11, 9), amount_due="900.00", status="overdue")
    time_machine.move_to(_at(9), tick=False)

    with django_capture_on_commit_callbacks(execute=True):
        reminders.reminders_send()
        reminders.reminders_send()

    notice = _notices(borrower, "reminder.overdue").get()
    assert "customer service" in notice.body
    assert "If you have already paid" in notice.body
    assert len(mail.outbox) == 1


def test_a_paid_installment_gets_no_reminder(borrower, account, time_machine):
    RepaymentInstallmentFactory(
        account=account, due_date=date(2026, 11, 13), amount_due="500.00", amount_paid="500.00", status="paid"
    )
    time_machine.move_to(_at(10), tick=False)

    assert reminders.reminders_send()["repayments"] == 0


def test_quiet_hours_defer_the_reminder_to_eight_in_the_morning(borrower, account, time_machine):
    RepaymentInstallmentFactory(account=account, due_date=date(2026, 11, 13))
    time_machine.move_to(_at(22), tick=False)
    reminders.reminders_send()
    time_machine.move_to(_at(7, day=11), tick=False)
    reminders.reminders_send()
    assert not _notices(borrower, "reminder.due3").exists()

    time_machine.move_to(_at(8, day=11), tick=False)
    reminders.reminders_send()

    assert _notices(borrower, "reminder.due3").count() == 1


def test_quiet_hours_follow_the_borrowers_own_time_zone(borrower, account, time_machine):
    CommunicationPreferenceFactory(user=borrower, time_zone="Europe/Paris")
    RepaymentInstallmentFactory(account=account, due_date=date(2026, 11, 13))
    time_machine.move_to(_at(10), tick=False)  # 03:00 in Paris

    reminders.reminders_send()
    assert not _notices(borrower, "reminder.due3").exists()

    time_machine.move_to(_at(16), tick=False)  # 09:00 in Paris
    reminders.reminders_send()
    assert _notices(borrower, "reminder.due3").count() == 1


def test_reminder_emails_off_means_a_notice_but_no_email(
    borrower, account, time_machine, django_capture_on_commit_callbacks
):
    CommunicationPreferenceFactory(user=borrower, reminder_emails=False)
    RepaymentInstallmentFactory(account=account, due_date=date(2026, 11, 13))
    time_machine.move_to(_at(10), tick=False)

    with django_capture_on_commit_callbacks(execute=True):
        reminders.reminders_send()

    assert _notices(borrower, "reminder.due3").get().email_status == Notification.EmailStatus.NONE
    assert mail.outbox == []


def test_appeal_waiting_for_an_answer_is_reminded_once_outside_quiet_hours(borrower, time_machine):
    time_machine.move_to(_at(10), tick=False)
    reviewer = StaffFactory(group="Appeals reviewer")
    appeal = file_appeal(borrower, reduction(borrower.customer))
    appeal = appeal_services.appeal_assign(appeal=appeal, actor=reviewer)
    appeal_services.appeal_information_request(appeal=appeal, actor=reviewer, message="Send your payslip.")

    time_machine.move_to(_at(23, day=13), tick=False)  # three days on, but late at night
    assert reminders.reminders_send()["appeals"] == 0

    time_machine.move_to(_at(8, day=14), tick=False)
    assert reminders.reminders_send()["appeals"] == 1
    assert reminders.reminders_send()["appeals"] == 0
    assert _notices(borrower, "appeal.information_reminder").count() == 1


def test_is_quiet_hour_boundaries():
    day = datetime(2026, 11, 10, tzinfo=SHANGHAI)
    hours = {
        hour: reminders.is_quiet_hour(now=day + timedelta(hours=hour), time_zone="Asia/Shanghai") for hour in range(24)
    }
    assert [hour for hour, quiet in hours.items() if quiet] == [0, 1, 2, 3, 4, 5, 6, 7, 22, 23]
