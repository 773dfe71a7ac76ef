"""One-click unsubscribe from the report email: signed, expiring, and changes nothing when refused."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from education import tasks
from education.models import CommunicationPreference, HealthReport
from education.services import reports as services
from portal.models import AuditEvent
from tests.education.conftest import OCTOBER, borrower_with_history
from tests.education.factories import HealthReportFactory

pytestmark = pytest.mark.django_db


def _url(token):
    return reverse("report_unsubscribe", args=[token])


def _report_emails_on(user):
    return CommunicationPreference.objects.filter(user=user, report_emails=False).exists() is False


def test_the_link_in_the_email_asks_first_then_unsubscribes(run_clock, client):
    borrower = borrower_with_history()
    tasks.health_reports_chunk.delay([borrower.pk], OCTOBER.isoformat())
    link = mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>")
    path = link.removeprefix("http://127.0.0.1:8000")

    confirm = client.get(path)
    assert confirm.status_code == 200
    assert _report_emails_on(borrower)

    done = client.post(path)

    assert done.status_code == 200
    assert done.context["done"] is True
    assert not _report_emails_on(borrower)
    assert AuditEvent.objects.filter(action="report_emails_unsubscribed").count() == 1


def test_one_click_post_from_a_mail_client_needs_no_session_or_csrf(borrower):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    token = services.report_unsubscribe_token(user_id=borrower.pk)

    response = client.post(_url(token), {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert not _report_emails_on(borrower)


def test_unsubscribing_stops_a_pending_report_email(borrower, client):
    report = HealthReportFactory(user=borrower)
    token = services.report_unsubscribe_token(user_id=borrower.pk)

    client.post(_url(token))

    report.refresh_from_db()
    assert report.email_status == HealthReport.EmailStatus.SKIPPED


def test_a_forged_token_is_refused_and_changes_nothing(borrower, client):
    token = services.report_unsubscribe_token(user_id=borrower.pk)
    forged = f"{borrower.pk + 1}:{token.split(':', 1)[1]}"

    response = client.post(_url(forged), headers={"accept-language": "en"})

    assert response.status_code == 400
    assert "not valid" in response.context["error"]
    assert _report_emails_on(borrower)
    assert not CommunicationPreference.objects.exists()


def test_an_expired_token_is_refused_and_changes_nothing(borrower, client, time_machine):
    time_machine.move_to("2026-01-01T00:00:00Z", tick=False)
    token = services.report_unsubscribe_token(user_id=borrower.pk)
    time_machine.shift(services.UNSUBSCRIBE_MAX_AGE + timedelta(minutes=1))

    response = client.post(_url(token), headers={"accept-language": "en"})

    assert response.status_code == 400
    assert "expired" in response.context["error"]
    assert _report_emails_on(borrower)


def test_a_token_inside_its_lifetime_still_works(borrower, client, time_machine):
    time_machine.move_to("2026-01-01T00:00:00Z", tick=False)
    token = services.report_unsubscribe_token(user_id=borrower.pk)
    time_machine.shift(services.UNSUBSCRIBE_MAX_AGE - timedelta(minutes=1))

    assert client.post(_url(token)).status_code == 200
    assert not _report_emails_on(borrower)


def test_preferences_page_saves_choices_and_says_notices_cannot_be_turned_off(borrower_client, borrower):
    page = borrower_client.get(reverse("communication_preferences")).content.decode()
    assert "cannot be turned off" in page

    response = borrower_client.post(
        reverse("communication_preferences"),
        {"report_emails": "", "reminder_emails": "on", "time_zone": "Europe/Paris"},
    )

    assert response.status_code == 302
    preference = CommunicationPreference.objects.get(user=borrower)
    assert (preference.report_emails, preference.reminder_emails, preference.time_zone) == (
        False,
        True,
        "Europe/Paris",
    )


def test_an_unknown_time_zone_is_refused_and_changes_nothing(borrower_client, borrower):
    response = borrower_client.post(
        reverse("communication_preferences"), {"report_emails": "on", "reminder_emails": "on", "time_zone": "Mars/Base"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["time_zone"]
    assert not CommunicationPreference.objects.filter(user=borrower).exists()
