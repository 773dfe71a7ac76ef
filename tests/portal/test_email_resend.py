"""A notice whose email failed for good (every attempt refused) is not forgotten: the daily risk
report counts the limit-change ones, and support sends them again from the admin once the cause
is fixed, to the borrower's current address, audited."""

import pytest
from django.contrib import messages
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.risk.selectors import risk_report_get
from portal import services
from portal.exceptions import PortalError
from portal.models import AuditEvent, Notification
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:portal_notification_changelist"


def notice(recipient, status, kind="limit_change.risk_reduction"):
    return Notification.objects.create(
        recipient=recipient,
        kind=kind,
        title="Your credit limit has changed",
        body="…",
        email_status=status,
        email_subject="Your credit limit has changed",
        email_text="…",
        email_attempts=8 if status == Notification.EmailStatus.FAILED else 0,
        email_last_error="550 mailbox unavailable" if status == Notification.EmailStatus.FAILED else "",
    )


def resend(client, *notices):
    return client.post(
        reverse(CHANGELIST),
        {"action": "resend_failed_emails", "_selected_action": [item.pk for item in notices]},
        follow=True,
    )


def test_support_sends_a_failed_email_again_to_the_current_address(
    client, borrower, django_capture_on_commit_callbacks
):
    failed = notice(borrower, Notification.EmailStatus.FAILED)
    sent = notice(borrower, Notification.EmailStatus.SENT)
    borrower.email = "new-address@example.com"  # the borrower corrected it meanwhile
    borrower.save(update_fields=["email"])
    agent = StaffFactory(group="Support agent")
    client.force_login(agent)

    with django_capture_on_commit_callbacks(execute=True):  # the delivery task runs on commit (eagerly here)
        response = resend(client, failed, sent)
    assert [message.level for message in response.context["messages"]] == [messages.SUCCESS]
    failed.refresh_from_db()
    assert (failed.email_status, failed.email_attempts, failed.email_last_error) == ("sent", 1, "")
    assert [message.to for message in mail.outbox] == [["new-address@example.com"]]  # the sent one is not resent
    event = AuditEvent.objects.get(action="notification.email_resent")
    assert (event.actor, event.target_id, event.ip_address) == (agent, str(failed.pk), "127.0.0.1")
    assert event.before == {
        "email_status": "failed",
        "email_attempts": 8,
        "email_last_error": "550 mailbox unavailable",
    }


def test_selecting_no_failed_email_changes_nothing(client, borrower):
    waiting = notice(borrower, Notification.EmailStatus.PENDING)
    client.force_login(StaffFactory(group="Supervisor"))
    response = resend(client, waiting)
    assert [message.level for message in response.context["messages"]] == [messages.WARNING]
    assert not AuditEvent.objects.filter(action="notification.email_resent").exists()


def test_staff_who_only_read_notices_cannot_send_them_again(client, borrower):
    failed = notice(borrower, Notification.EmailStatus.FAILED)
    reviewer = StaffFactory(group="Appeals reviewer")  # reads notices, may not resend them
    client.force_login(reviewer)
    listing = client.get(reverse(CHANGELIST))
    assert listing.status_code == 200
    assert "resend_failed_emails" not in listing.content.decode()
    resend(client, failed)
    with pytest.raises(PortalError):
        services.notification_emails_resend(notifications=[failed], actor=reviewer)
    failed.refresh_from_db()
    assert failed.email_status == Notification.EmailStatus.FAILED
    assert mail.outbox == []


def test_the_risk_report_counts_limit_notices_whose_email_failed(borrower):
    notice(borrower, Notification.EmailStatus.FAILED)
    notice(borrower, Notification.EmailStatus.FAILED, kind="risk_watch")
    notice(borrower, Notification.EmailStatus.FAILED, kind="api_token_created")  # not the risk team's
    notice(borrower, Notification.EmailStatus.SENT)
    assert risk_report_get(day=timezone.localdate())["notice_emails_failed"] == 2
