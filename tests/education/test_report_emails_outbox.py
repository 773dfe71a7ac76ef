"""Report emails go through the portal's one outbox: with the mail server down during the
monthly run nothing is lost; once it is back, the sweep delivers every report exactly once, with
the Message-ID its outbox row fixed, and the reports say sent."""

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from education import tasks
from education.models import HealthReport
from portal import services
from portal.models import Notification
from portal.tasks import notification_outbox_flush
from tests.education.conftest import borrower_with_history
from tests.factories import BorrowerFactory

pytestmark = pytest.mark.django_db


class RefusingMailServer(BaseEmailBackend):
    """A mail server that is down: every connection is refused."""

    def send_messages(self, messages):
        raise smtplib.SMTPConnectError(421, "Service not available")


def test_reports_emailed_during_a_mail_outage_are_each_delivered_once_after_it(run_clock, settings):
    borrowers = [borrower_with_history(), borrower_with_history(), BorrowerFactory()]
    settings.EMAIL_BACKEND = "tests.education.test_report_emails_outbox.RefusingMailServer"

    tasks.health_reports_monthly.delay()

    rows = Notification.objects.filter(kind="health_report")
    assert mail.outbox == []
    assert sorted(rows.values_list("email_status", "email_attempts")) == [("pending", 1)] * 3
    assert set(HealthReport.objects.values_list("email_status", flat=True)) == {"pending"}

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run_clock.shift(timedelta(minutes=3).total_seconds())
    assert notification_outbox_flush() == 3
    assert notification_outbox_flush() == 0
    tasks.health_report_emails_refresh.delay()

    assert sorted(message.to[0] for message in mail.outbox) == sorted(borrower.email for borrower in borrowers)
    assert sorted(message.message()["Message-ID"] for message in mail.outbox) == sorted(
        services.notification_message_id(row) for row in rows
    )
    assert set(HealthReport.objects.values_list("email_status", flat=True)) == {"sent"}


def test_a_report_email_is_never_in_the_notification_centre(run_clock):
    borrower = borrower_with_history()

    tasks.health_reports_monthly.delay()

    assert len(mail.outbox) == 1
    assert not Notification.objects.for_recipient(borrower).exists()
