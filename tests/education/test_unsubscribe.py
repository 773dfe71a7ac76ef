"""One-click unsubscribe from the report email: a new opaque link in every email, good for the
report email only, used once, expiring; a refused link changes nothing and says where to go."""

import datetime
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse

from education import tasks
from education.models import CommunicationPreference, HealthReport, UnsubscribeLink
from education.services import reports as services
from portal.models import AuditEvent
from tests.education.conftest import OCTOBER, borrower_with_history
from tests.education.factories import HealthReportFactory
from tests.factories import BorrowerFactory

pytestmark = pytest.mark.django_db

SEPTEMBER = datetime.date(2026, 9, 1)
NO_LONGER_VALID = "This unsubscribe link is no longer valid"


def _url(token):
    return reverse("report_unsubscribe", args=[token])


def _emailed_link(message):
    """The path of the unsubscribe link in an email's RFC 8058 header."""
    return urlsplit(message.extra_headers["List-Unsubscribe"].strip("<>")).path


def _emailed_token(message):
    return _emailed_link(message).rstrip("/").rsplit("/", 1)[-1]


def _report_emails_on(user):
    return CommunicationPreference.objects.filter(user=user, report_emails=False).exists() is False


def _report_email_sent(user, month):
    HealthReportFactory(user=user, month=month)
    services.health_report_emails_send(user_ids=[user.pk], month=month)
    return mail.outbox[-1]


def test_the_link_in_the_email_asks_first_then_unsubscribes(run_clock, client):
    borrower = borrower_with_history()
    tasks.health_reports_chunk.delay([borrower.pk], OCTOBER.isoformat())
    (message,) = mail.outbox
    path = _emailed_link(message)

    confirm = client.get(path)
    assert confirm.status_code == 200
    assert _report_emails_on(borrower)

    done = client.post(path)

    assert done.status_code == 200
    assert done.context["done"] is True
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert not _report_emails_on(borrower)
    assert AuditEvent.objects.filter(action="report_emails_unsubscribed").count() == 1


def test_the_link_carries_no_user_id_and_only_its_hash_is_stored():
    borrower = BorrowerFactory(pk=987654321)

    token = _emailed_token(_report_email_sent(borrower, OCTOBER))

    assert "987654321" not in token
    assert ":" not in token  # not a signed value either
    link = UnsubscribeLink.objects.get(user=borrower)
    assert token not in link.token_hash
    assert not UnsubscribeLink.objects.filter(token_hash=token).exists()


def test_every_email_carries_a_new_link(borrower, client):
    first = _emailed_link(_report_email_sent(borrower, SEPTEMBER))
    second = _emailed_link(_report_email_sent(borrower, OCTOBER))

    assert first != second
    assert client.post(second).status_code == 200
    assert not _report_emails_on(borrower)


def test_a_used_link_no_longer_works(borrower, client):
    path = _emailed_link(_report_email_sent(borrower, OCTOBER))
    client.post(path)
    services.communication_preference_update(
        user=borrower, report_emails=True, reminder_emails=True, time_zone="Asia/Shanghai"
    )

    again = client.post(path, headers={"accept-language": "en"})
    page = client.get(path, headers={"accept-language": "en"})

    assert again.status_code == 410
    assert NO_LONGER_VALID in again.context["error"]
    assert _report_emails_on(borrower)
    assert page.status_code == 410
    assert f'href="{reverse("communication_preferences")}"' in page.content.decode()
    assert "Yes, stop the report email" not in page.content.decode()


def test_a_link_cannot_unsubscribe_another_kind_of_email(borrower, client):
    reminders_link = services.unsubscribe_link_create(user=borrower, kind=UnsubscribeLink.Kind.REMINDER_EMAILS)

    refused = client.post(_url(reminders_link), headers={"accept-language": "en"})

    assert refused.status_code == 410
    assert NO_LONGER_VALID in refused.context["error"]
    assert _report_emails_on(borrower)
    assert not CommunicationPreference.objects.exists()


def test_the_report_link_turns_off_the_report_email_only(borrower, client):
    client.post(_emailed_link(_report_email_sent(borrower, OCTOBER)))

    preference = CommunicationPreference.objects.get(user=borrower)
    assert (preference.report_emails, preference.reminder_emails) == (False, True)


def test_a_link_in_the_old_signed_format_no_longer_works(borrower, client):
    old_link = signing.TimestampSigner(salt="education.health-report.unsubscribe").sign(str(borrower.pk))

    response = client.post(_url(old_link), headers={"accept-language": "en"})

    assert response.status_code == 410
    assert _report_emails_on(borrower)


def test_one_click_post_from_a_mail_client_needs_no_session_or_csrf(borrower):
    path = _emailed_link(_report_email_sent(borrower, OCTOBER))

    response = Client(enforce_csrf_checks=True).post(path, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert not _report_emails_on(borrower)


def test_unsubscribing_stops_a_pending_report_email(borrower, client):
    report = HealthReportFactory(user=borrower)
    token = services.unsubscribe_link_create(user=borrower, kind=UnsubscribeLink.Kind.REPORT_EMAILS)

    client.post(_url(token))

    report.refresh_from_db()
    assert report.email_status == HealthReport.EmailStatus.SKIPPED


def test_an_unknown_token_is_refused_and_changes_nothing(borrower, client):
    response = client.post(_url("a" * 43), headers={"accept-language": "en"})

    assert response.status_code == 410
    assert NO_LONGER_VALID in response.context["error"]
    assert _report_emails_on(borrower)
    assert not CommunicationPreference.objects.exists()


def test_an_expired_link_is_refused_and_changes_nothing(borrower, client, time_machine):
    time_machine.move_to("2026-01-01T00:00:00Z", tick=False)
    token = services.unsubscribe_link_create(user=borrower, kind=UnsubscribeLink.Kind.REPORT_EMAILS)
    time_machine.shift(services.UNSUBSCRIBE_MAX_AGE + timedelta(minutes=1))

    response = client.post(_url(token), headers={"accept-language": "en"})

    assert response.status_code == 410
    assert NO_LONGER_VALID in response.context["error"]
    assert _report_emails_on(borrower)


def test_a_link_inside_its_lifetime_still_works(borrower, client, time_machine):
    time_machine.move_to("2026-01-01T00:00:00Z", tick=False)
    token = services.unsubscribe_link_create(user=borrower, kind=UnsubscribeLink.Kind.REPORT_EMAILS)
    time_machine.shift(services.UNSUBSCRIBE_MAX_AGE - timedelta(minutes=1))

    assert client.post(_url(token)).status_code == 200
    assert not _report_emails_on(borrower)


def test_expired_links_are_forgotten_when_the_next_emails_go_out(borrower, time_machine):
    time_machine.move_to("2026-08-01T00:00:00Z", tick=False)
    services.unsubscribe_link_create(user=borrower, kind=UnsubscribeLink.Kind.REPORT_EMAILS)
    time_machine.shift(services.UNSUBSCRIBE_MAX_AGE + timedelta(days=1))

    _report_email_sent(borrower, OCTOBER)

    assert UnsubscribeLink.objects.filter(user=borrower).count() == 1


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
