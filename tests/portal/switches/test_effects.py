"""What each switch does: paused decisions leave policy chunks waiting and decide them once
resumed; a paused email kind waits in the outbox and goes once resumed; a read-only portal lets
borrowers sign in and read but refuses every write, while the staff admin and the core system's
integration API keep working."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from accounts.models import CreditAccount, RiskDecision
from accounts.risk import services as risk
from portal import services
from portal.models import Notification
from portal.switch_models import EmergencySwitch
from portal.tasks import notification_outbox_flush
from tests.accounts.integration.conftest import core_client, service_account  # noqa: F401  (fixtures)
from tests.accounts.integration.support import VALID_ROWS, push
from tests.factories import PASSWORD, BorrowerFactory, RiskSignalFactory, credit_account
from tests.portal.switches.conftest import turn_off, turn_on

pytestmark = pytest.mark.django_db

READ_ONLY = EmergencySwitch.Kind.READ_ONLY


# Pause automated decisions


@pytest.fixture
def run_waiting(borrower):
    """A policy run whose one chunk would freeze the borrower's line (linked account 90 days late)."""
    account = credit_account(customer=borrower.customer)
    RiskSignalFactory(account=account, kind="linked_overdue", value="90")
    return account


def test_paused_decisions_read_signals_but_decide_nothing_until_resumed(
    run_waiting, supervisor, second_supervisor, compliance_officer
):
    switch = turn_on(supervisor, "decisions")
    run = risk.risk_evaluation_run_start()
    assert (run.accounts, run.candidates) == (1, 1)  # the signals were read
    chunk = run.chunks.get()

    assert risk.risk_evaluation_chunk_decide(chunk_id=chunk.pk) == []
    chunk.refresh_from_db()
    assert chunk.done_at is None  # waiting, not done
    assert not RiskDecision.objects.exists()
    assert CreditAccount.objects.get(pk=run_waiting.pk).status == CreditAccount.Status.ACTIVE

    hours_later = timezone.now() + timedelta(hours=5)
    assert risk.risk_evaluation_chunks_requeue(now=hours_later) == []  # paused: not queued, not given up
    assert risk.risk_evaluation_chunk_decide(chunk_id=chunk.pk, now=hours_later) == []

    turn_off(switch, requested_by=second_supervisor, approved_by=compliance_officer)
    next_beat = hours_later + timedelta(minutes=1)
    assert risk.risk_evaluation_chunks_requeue(now=next_beat) == [chunk.pk]
    (decision,) = risk.risk_evaluation_chunk_decide(chunk_id=chunk.pk, now=next_beat)
    assert decision.kind == RiskDecision.Kind.FREEZE
    assert list(RiskDecision.objects.all()) == [decision]


def test_a_run_started_in_this_process_decides_nothing_while_paused(run_waiting, supervisor):
    turn_on(supervisor, "decisions")
    assert risk.risk_evaluation_run() == []
    assert not RiskDecision.objects.exists()


# Pause an email kind


def outbox_email(kind, subject):
    return services.outbox_email_send(kind=kind, to="borrower@example.com", subject=subject, text="Hello")


def test_a_paused_email_kind_waits_in_the_outbox_and_goes_once_resumed(
    supervisor, second_supervisor, compliance_officer, django_capture_on_commit_callbacks, time_machine
):
    switch = turn_on(supervisor, "email_kind", "risk_report")
    time_machine.move_to(timezone.now(), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        paused = outbox_email("risk_report", "Daily risk report")
        outbox_email("closure_code", "Your code")
    assert [message.subject for message in mail.outbox] == ["Your code"]  # other kinds still go
    paused.refresh_from_db()
    assert (paused.email_status, paused.email_attempts) == (Notification.EmailStatus.PENDING, 0)

    time_machine.move_to(timezone.now() + timedelta(minutes=10), tick=False)
    assert notification_outbox_flush() == 0  # the sweep leaves it waiting
    assert services.notification_emails_deliver(notification_ids=[paused.pk]) == 0  # so does a fan-out
    paused.refresh_from_db()
    assert (paused.email_status, paused.email_attempts) == (Notification.EmailStatus.PENDING, 0)

    turn_off(switch, requested_by=second_supervisor, approved_by=compliance_officer)
    assert notification_outbox_flush() == 1
    paused.refresh_from_db()
    assert paused.email_status == Notification.EmailStatus.SENT
    assert [message.subject for message in mail.outbox] == ["Your code", "Daily risk report"]


def test_a_fan_out_sends_the_kinds_not_paused(supervisor):
    turn_on(supervisor, "email_kind", "health_report")
    report = outbox_email("health_report", "Your monthly report")
    code = outbox_email("closure_code", "Your code")
    assert services.notification_emails_deliver(notification_ids=[report.pk, code.pk]) == 1
    report.refresh_from_db()
    assert report.email_status == Notification.EmailStatus.PENDING


# Read-only portal


@pytest.fixture
def borrower(db):
    return BorrowerFactory(preferred_language="en")


@pytest.fixture
def read_only_on(supervisor):
    return turn_on(supervisor, READ_ONLY)


@pytest.fixture
def unread_notice(borrower):
    return services.notification_send(
        recipient=borrower, kind="test", template="closure_withdrawn", context={"reference": "CR-1"}, email=False
    )


def test_a_borrower_reads_every_page_in_read_only_mode(borrower_client, read_only_on, unread_notice):
    for page in ("/", "/notifications/", "/appeals/"):
        assert borrower_client.get(page).status_code == 200


def test_a_web_write_is_refused_with_a_page_and_changes_nothing(borrower_client, read_only_on, unread_notice):
    response = borrower_client.post(
        "/notifications/read/", {"notification": [unread_notice.pk]}, HTTP_REFERER="http://testserver/notifications/"
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "600"
    page = response.content.decode()
    assert "The portal is read-only for a while, so changes cannot be made right now. Nothing was changed." in page
    assert 'href="http://testserver/notifications/"' in page  # the way back
    unread_notice.refresh_from_db()
    assert unread_notice.read_at is None


def test_the_refusal_is_in_the_borrowers_language(client, borrower, read_only_on):
    borrower.preferred_language = "zh-hans"
    borrower.save(update_fields=["preferred_language"])
    client.force_login(borrower)
    with translation.override("zh-hans"):
        response = client.post("/notifications/read/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    page = response.content.decode()
    assert "门户暂时处于只读状态，现在无法进行修改，本次操作没有改动任何内容。" in page
    assert "暂停修改" in page


def test_a_link_back_to_another_site_is_not_offered(borrower_client, read_only_on):
    response = borrower_client.post("/notifications/read/", HTTP_REFERER="https://evil.example/phish")
    assert "evil.example" not in response.content.decode()


def test_an_api_write_is_refused_in_json_and_changes_nothing(borrower, read_only_on, unread_notice):
    api = APIClient()
    api.force_authenticate(borrower)
    response = api.post(
        "/api/v1/notifications/read/", {"ids": [unread_notice.pk]}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "600"
    assert response.json()["code"] == "read_only"
    assert response.json()["detail"].startswith("The portal is read-only for a while")
    chinese = api.delete("/api/v1/notifications/read/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert (chinese.status_code, chinese.json()["detail"][:10]) == (503, "门户暂时处于只读状态")
    assert api.get("/api/v1/notifications/").status_code == 200
    unread_notice.refresh_from_db()
    assert unread_notice.read_at is None


def test_a_borrower_signs_in_and_out_in_read_only_mode(client, borrower, read_only_on):
    response = client.post(reverse("account_login"), {"login": borrower.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    client.post(reverse("account_logout"))
    assert client.get("/notifications/").status_code == 302  # signed out: sent to sign in


def test_signing_up_is_refused_in_read_only_mode(client, read_only_on):
    response = client.post(reverse("account_signup"), {"email": "new@example.com", "password1": "x" * 12})
    assert response.status_code == 503


def test_staff_keep_working_in_the_admin_in_read_only_mode(client, read_only_on, second_supervisor):
    client.force_login(second_supervisor)
    url = reverse("admin:portal_emergencyswitch_manage", args=[read_only_on.pk])
    response = client.post(url, {"step": "request", "off_reason": "The incident is over."})
    assert response.status_code == 302
    read_only_on.refresh_from_db()
    assert read_only_on.off_requested_by == second_supervisor


def test_the_core_system_input_is_not_lost_in_read_only_mode(core_client, read_only_on):  # noqa: F811
    response = push(core_client, "customers", [VALID_ROWS["customers"]])
    assert response.status_code == 200
    assert response.json()["created"] == 1


def test_writes_work_again_once_read_only_is_turned_off(
    borrower_client, read_only_on, unread_notice, second_supervisor, compliance_officer
):
    turn_off(read_only_on, requested_by=second_supervisor, approved_by=compliance_officer)
    response = borrower_client.post("/notifications/read/", {"notification": [unread_notice.pk]})
    assert response.status_code == 302
    unread_notice.refresh_from_db()
    assert unread_notice.read_at is not None
