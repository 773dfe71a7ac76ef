"""Every email goes through the one outbox: closure codes, the daily risk report and allauth's
account emails are rows written with what caused them, so a broker that is down (the task after
commit is lost) delays them until the sweep, never loses them; outbox-only emails stay out of the
notification centre, and a code never leaves stale."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from accounts.closure import services as closure
from accounts.risk import services as risk
from portal import selectors, services
from portal.models import Notification
from portal.tasks import notification_outbox_flush
from tests.factories import BorrowerFactory, StaffFactory, credit_account

pytestmark = pytest.mark.django_db

CODE = "123456"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def fixed_code(monkeypatch):
    monkeypatch.setattr(closure.secrets, "randbelow", lambda _limit: int(CODE))


def closure_draft_with_reason(borrower):
    account = credit_account(customer=borrower.customer, credit_limit="50000.00", outstanding_balance="12000.00")
    closure_request = closure.closure_request_draft_create(
        user=borrower, account=account, kind="lower", target_limit="20000"
    )
    closure.closure_request_impact_acknowledge(closure_request=closure_request, user=borrower)
    closure.closure_request_reason_set(closure_request=closure_request, user=borrower, reason="other")
    return closure_request


def sweep_later(time_machine, minutes=5):
    """The beat's sweep, some minutes on."""
    time_machine.move_to(timezone.now() + timedelta(minutes=minutes), tick=False)
    return notification_outbox_flush()


def test_a_closure_code_survives_a_broker_outage_and_stays_out_of_the_centre(
    borrower, fixed_code, django_capture_on_commit_callbacks, time_machine
):
    closure_request = closure_draft_with_reason(borrower)
    time_machine.move_to(timezone.now(), tick=False)
    with django_capture_on_commit_callbacks(execute=False):  # the broker is down: the task is lost
        closure.closure_verification_code_send(closure_request=closure_request, user=borrower)

    (row,) = Notification.objects.filter(kind="closure_code")
    assert (row.email_status, row.in_centre) == ("pending", False)
    assert mail.outbox == []
    assert list(selectors.notification_list(user=borrower)) == []

    assert sweep_later(time_machine, minutes=3) == 1
    (message,) = mail.outbox
    assert CODE in message.body and message.to == [borrower.email]
    row.refresh_from_db()
    assert (row.email_status, row.email_text, row.email_html) == ("sent", "", "")  # the code is forgotten


def test_a_code_that_expired_while_waiting_is_never_sent(
    borrower, fixed_code, django_capture_on_commit_callbacks, time_machine
):
    closure_request = closure_draft_with_reason(borrower)
    time_machine.move_to(timezone.now(), tick=False)
    with django_capture_on_commit_callbacks(execute=False):
        closure.closure_verification_code_send(closure_request=closure_request, user=borrower)

    sweep_later(time_machine, minutes=11)

    assert mail.outbox == []
    row = Notification.objects.get(kind="closure_code")
    assert (row.email_status, row.email_text) == ("cancelled", "")


def test_a_new_code_cancels_the_one_still_waiting(borrower, django_capture_on_commit_callbacks, time_machine):
    closure_request = closure_draft_with_reason(borrower)
    time_machine.move_to(timezone.now(), tick=False)
    with django_capture_on_commit_callbacks(execute=False):
        closure.closure_verification_code_send(closure_request=closure_request, user=borrower)
        closure.closure_verification_code_send(closure_request=closure_request, user=borrower)

    sweep_later(time_machine, minutes=3)

    assert len(mail.outbox) == 1
    statuses = list(
        Notification.objects.filter(kind="closure_code").order_by("pk").values_list("email_status", flat=True)
    )
    assert statuses == ["cancelled", "sent"]


def test_the_risk_report_survives_a_broker_outage(django_capture_on_commit_callbacks, time_machine):
    analyst = StaffFactory(group="Risk analyst")
    time_machine.move_to(timezone.now(), tick=False)
    with django_capture_on_commit_callbacks(execute=False):
        risk.risk_report_send(day=timezone.localdate())

    assert Notification.objects.filter(kind="risk_report", email_status="pending").count() == 1
    assert sweep_later(time_machine) == 1
    assert [message.to for message in mail.outbox] == [[analyst.email]]


def test_an_account_email_survives_a_broker_outage_with_one_message_id(
    django_capture_on_commit_callbacks, time_machine
):
    registered = BorrowerFactory()
    time_machine.move_to(timezone.now(), tick=False)
    with django_capture_on_commit_callbacks(execute=False):
        Client().post(reverse("account_reset_password"), {"email": registered.email})

    (row,) = Notification.objects.filter(kind="account_email")
    assert (row.email_status, row.email_to, row.in_centre) == ("pending", registered.email, False)
    sweep_later(time_machine)
    services.notification_email_deliver(notification_id=row.pk)  # a repeated task sends nothing

    (message,) = mail.outbox
    assert message.to == [registered.email]
    assert message.message()["Message-ID"] == row.email_headers["Message-ID"]


def test_an_email_that_failed_for_good_is_resent_by_staff_to_its_address(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        row = services.outbox_email_send(to="someone@example.com", kind="account_email", subject="Hi", text="Body")
    Notification.objects.filter(pk=row.pk).update(email_status="failed", email_attempts=8)
    staff = StaffFactory(is_superuser=True)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.notification_emails_resend(notifications=[row], actor=staff) == 1

    assert [message.to for message in mail.outbox] == [["someone@example.com"]]
