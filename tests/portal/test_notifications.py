from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from portal import services
from portal.models import Notification
from portal.tasks import notification_email_deliver, notification_outbox_flush
from tests.factories import BorrowerFactory

pytestmark = pytest.mark.django_db


def send(recipient, **kwargs):
    return services.notification_send(
        recipient=recipient, kind="api_token_created", template="api_token_created", link="/settings/", **kwargs
    )


def test_notice_is_rendered_in_the_recipients_language(django_capture_on_commit_callbacks):
    english = BorrowerFactory(preferred_language="en")
    with django_capture_on_commit_callbacks(execute=True):
        notice = send(english)
    assert notice.title == "A new API token was created for your login"
    message = mail.outbox[0]
    assert message.to == [english.email]
    assert message.subject.endswith(notice.title)
    assert message.alternatives[0][1] == "text/html"
    assert "/settings/" in message.body


def test_email_leaves_only_after_commit(borrower, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send(borrower)
    assert mail.outbox == []
    assert len(callbacks) == 1


def test_a_retried_delivery_never_sends_twice(borrower):
    notice = send(borrower)
    assert notification_email_deliver.delay(notice.pk).get() is True
    assert notification_email_deliver.delay(notice.pk).get() is False
    assert len(mail.outbox) == 1
    notice.refresh_from_db()
    assert notice.email_status == Notification.EmailStatus.SENT
    assert notice.email_attempts == 1


def test_every_attempt_at_a_notice_carries_the_same_message_id(borrower, settings):
    """A worker killed between the mail server's acceptance and the commit sends the notice again;
    the mailbox shows one, because both copies carry the same Message-ID."""
    settings.SITE_URL = "https://portal.example"
    notice, other = send(borrower), send(borrower)
    assert notification_email_deliver.delay(notice.pk).get() is True
    Notification.objects.filter(pk=notice.pk).update(email_status=Notification.EmailStatus.PENDING)  # the lost commit
    assert notification_email_deliver.delay(notice.pk).get() is True
    assert notification_email_deliver.delay(other.pk).get() is True
    first, again, different = (message.extra_headers["Message-ID"] for message in mail.outbox)
    assert first == again == services.notification_message_id(notice)
    assert first == f"<notification.{notice.pk}@portal.example>"
    assert different != first
    assert "Message-ID: " + first in mail.outbox[0].message().as_string()


def test_the_same_idempotency_key_makes_one_notice(borrower):
    first = send(borrower, idempotency_key="token-created:1")
    second = send(borrower, idempotency_key="token-created:1")
    assert first.pk == second.pk
    assert Notification.objects.filter(recipient=borrower).count() == 1


def test_a_broker_outage_delays_the_email_and_the_sweep_sends_it(
    borrower, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # behave as with a real broker
    with (
        mock.patch.object(notification_email_deliver, "apply_async", side_effect=ConnectionError("broker down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notice = send(borrower)  # no exception reaches the borrower
    notice.refresh_from_db()
    assert notice.email_status == Notification.EmailStatus.PENDING
    assert mail.outbox == []

    settings.CELERY_TASK_ALWAYS_EAGER = True
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert notification_outbox_flush.delay().get() == 1
    notice.refresh_from_db()
    assert notice.email_status == Notification.EmailStatus.SENT
    assert len(mail.outbox) == 1


def test_a_mail_server_failure_is_kept_for_retry(borrower, settings):
    notice = send(borrower)
    with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=OSError("smtp down")):
        assert services.notification_email_deliver(notification_id=notice.pk) is False
    notice.refresh_from_db()
    assert notice.email_status == Notification.EmailStatus.PENDING
    assert notice.email_last_error == "smtp down"


def test_notification_centre_shows_only_my_notices(client, borrower, django_assert_max_num_queries):
    other = BorrowerFactory()
    for _index in range(5):
        send(borrower)
    send(other)
    client.force_login(borrower)
    with django_assert_max_num_queries(10):
        response = client.get("/notifications/")
    assert len(response.context["page"].object_list) == 5


def test_marking_read_touches_only_my_notices(client, borrower):
    other = BorrowerFactory()
    mine, theirs = send(borrower), send(other)
    client.force_login(borrower)
    client.post("/notifications/read/", {"notification": [mine.pk, theirs.pk]})
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None
    assert theirs.read_at is None


def test_opening_a_notice_marks_it_read_and_the_header_count_drops(client, borrower):
    first, _second = send(borrower), send(borrower)
    client.force_login(borrower)
    assert client.get("/settings/").context["unread_notification_count"]() == 2
    response = client.get(f"/notifications/{first.pk}/")
    assert first.body in response.content.decode()
    first.refresh_from_db()
    assert first.read_at is not None
    assert client.get("/settings/").context["unread_notification_count"]() == 1


def test_another_persons_notice_is_a_404(client, borrower):
    theirs = send(BorrowerFactory())
    client.force_login(borrower)
    assert client.get(f"/notifications/{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_failed_emails_are_retried_with_growing_waits(borrower):
    notice = send(borrower)
    start = timezone.now()
    with (
        time_machine.travel(start, tick=False),
        mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=OSError("smtp down")),
    ):
        services.notification_email_deliver(notification_id=notice.pk)
        services.notification_email_deliver(notification_id=notice.pk)
    notice.refresh_from_db()
    assert notice.email_next_attempt_at == start + timedelta(minutes=4)
    with time_machine.travel(start + timedelta(minutes=3), tick=False):
        assert services.notification_outbox_pending_ids() == []
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        assert services.notification_outbox_pending_ids() == [notice.pk]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="column compression is PostgreSQL's")
def test_notice_texts_are_compressed_with_lz4_where_the_server_has_it():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")
        (available,) = cursor.fetchone()
        cursor.execute(
            "SELECT attname, attcompression FROM pg_attribute"
            " WHERE attrelid = 'portal_notification'::regclass AND attname IN ('body', 'email_text', 'email_html')"
        )
        methods = dict(cursor.fetchall())
    expected = "l" if available else ""
    assert methods == {"body": expected, "email_text": expected, "email_html": expected}


def test_api_notice_detail_answers_json_and_marks_it_read(borrower):
    notice = send(borrower)
    client = APIClient()
    client.force_authenticate(borrower)
    response = client.get(f"/api/v1/notifications/{notice.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["title"] == notice.title
    assert response.json()["read_at"] is not None
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_api_notice_detail_of_another_borrower_is_not_found(borrower):
    theirs = send(BorrowerFactory())
    client = APIClient()
    client.force_authenticate(borrower)
    assert client.get(f"/api/v1/notifications/{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
