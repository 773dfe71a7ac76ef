"""Tasks are enqueued by their registered name after commit: eagerly in tests, and a broker that
is down leaves the work in the outbox instead of failing the request."""

import logging
from unittest import mock

import pytest
from celery import current_app
from django.core import mail

from portal import services
from portal.models import Notification
from portal.tasks import notification_email_deliver
from tests.factories import BorrowerFactory

pytestmark = pytest.mark.django_db


def pending_notice():
    return Notification.objects.create(
        recipient=BorrowerFactory(),
        kind="test",
        title="Hello",
        body="Body",
        email_status=Notification.EmailStatus.PENDING,
        email_subject="Hello",
        email_text="Body",
    )


def test_the_task_names_portal_enqueues_are_registered_tasks():
    assert {services.EMAIL_DELIVER_TASK, services.EMAIL_DELIVER_MANY_TASK} <= set(current_app.tasks)


def test_a_task_enqueued_by_name_runs_eagerly_after_commit(django_capture_on_commit_callbacks):
    notice = pending_notice()
    with django_capture_on_commit_callbacks(execute=True):
        services.task_enqueue_on_commit(services.EMAIL_DELIVER_TASK, notice.pk)
        assert mail.outbox == []
    notice.refresh_from_db()
    assert notice.email_status == Notification.EmailStatus.SENT
    assert len(mail.outbox) == 1


def test_a_task_object_is_still_accepted(django_capture_on_commit_callbacks):
    notice = pending_notice()
    with django_capture_on_commit_callbacks(execute=True):
        services.task_enqueue_on_commit(notification_email_deliver, notice.pk)
    notice.refresh_from_db()
    assert notice.email_status == Notification.EmailStatus.SENT


def test_a_signature_is_still_accepted(django_capture_on_commit_callbacks):
    notice = pending_notice()
    with django_capture_on_commit_callbacks(execute=True):
        services.task_enqueue_on_commit(current_app.signature(services.EMAIL_DELIVER_TASK), notice.pk)
    notice.refresh_from_db()
    assert notice.email_status == Notification.EmailStatus.SENT


def test_keyword_arguments_reach_the_task(django_capture_on_commit_callbacks):
    notice = pending_notice()
    with django_capture_on_commit_callbacks(execute=True):
        services.task_enqueue_on_commit(services.EMAIL_DELIVER_TASK, notification_id=notice.pk)
    notice.refresh_from_db()
    assert notice.email_status == Notification.EmailStatus.SENT


def test_a_broker_outage_is_logged_and_the_work_stays_in_the_outbox(
    django_capture_on_commit_callbacks, settings, caplog
):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # behave as with a real broker
    notice = pending_notice()
    with (
        mock.patch.object(notification_email_deliver, "apply_async", side_effect=ConnectionError("broker down")),
        caplog.at_level(logging.WARNING, logger="portal.services"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.task_enqueue_on_commit(services.EMAIL_DELIVER_TASK, notice.pk)
    notice.refresh_from_db()
    assert notice.email_status == Notification.EmailStatus.PENDING
    assert "the outbox sweep will retry" in caplog.text


def test_in_eager_mode_an_enqueue_error_surfaces(django_capture_on_commit_callbacks):
    notice = pending_notice()
    with (
        mock.patch.object(notification_email_deliver, "apply_async", side_effect=ConnectionError("broker down")),
        pytest.raises(ConnectionError),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.task_enqueue_on_commit(services.EMAIL_DELIVER_TASK, notice.pk)
