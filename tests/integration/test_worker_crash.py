"""The issue's check: killing the worker while notices send loses none and duplicates none.

A real worker process takes a batch of notice emails from Redis; its mail server hangs in the
middle of the sixth, and the test kills the worker there (SIGKILL: no clean-up of any kind). A
second worker and the beat job's outbox sweep then finish the batch. Each notice must reach the
mail server exactly once."""

import email
import os
import signal
import uuid
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from config.celery import app
from portal import services
from portal.models import Notification
from portal.tasks import notification_email_deliver, notification_email_deliver_many, notification_outbox_flush
from tests.factories import BorrowerFactory
from tests.integration.workers import start_worker, wait_for

NOTICES = 12
SENT_BEFORE_THE_KILL = 5


def statuses():
    return sorted(Notification.objects.values_list("email_status", flat=True))


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the worker process needs a shared database; CI runs this"
)
@pytest.mark.django_db(transaction=True)
def test_killing_the_worker_mid_send_loses_no_notice_and_sends_none_twice(redis_url, tmp_path):
    borrowers = [BorrowerFactory() for _ in range(3)]
    notices = [
        Notification.objects.create(
            recipient=borrowers[index % 3],
            kind="test",
            title=f"Notice {index}",
            body="Body",
            email_status=Notification.EmailStatus.PENDING,
            email_subject=f"Notice {index}",
            email_text="Body",
        )
        for index in range(NOTICES)
    ]
    mail_dir, hanging = tmp_path / "mail", tmp_path / "hanging"
    mail_dir.mkdir()
    queue = f"test-crash-{uuid.uuid4()}"
    sent = lambda: list(mail_dir.glob("*.eml"))  # noqa: E731
    app.conf.update(broker_url=redis_url, task_always_eager=False)
    workers = []
    try:
        first = start_worker(
            queue,
            redis_url,
            mail_dir,
            TEST_MAIL_HANG_AFTER=str(SENT_BEFORE_THE_KILL),
            TEST_MAIL_HANGING=str(hanging),
        )
        workers.append(first)
        # What the policy run's commit queues: one delivery task for the batch.
        notification_email_deliver_many.apply_async(([notice.pk for notice in notices],), queue=queue)
        wait_for(hanging.exists, first)
        assert len(sent()) == SENT_BEFORE_THE_KILL
        assert statuses().count(Notification.EmailStatus.SENT) == SENT_BEFORE_THE_KILL

        os.kill(first.pid, signal.SIGKILL)  # mid-send of the sixth, its transaction open
        first.wait(timeout=10)
        assert statuses().count(Notification.EmailStatus.PENDING) == NOTICES - SENT_BEFORE_THE_KILL

        second = start_worker(queue, redis_url, mail_dir)
        workers.append(second)
        # The beat job's sweep, a few minutes on: every email still waiting goes to a task again.
        Notification.objects.update(created_at=timezone.now() - timedelta(minutes=5))
        with mock.patch.object(
            notification_email_deliver, "delay", lambda pk: notification_email_deliver.apply_async((pk,), queue=queue)
        ):
            assert notification_outbox_flush() == NOTICES - SENT_BEFORE_THE_KILL
        wait_for(lambda: statuses() == [Notification.EmailStatus.SENT] * NOTICES, second)
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait(timeout=10)
        app.conf.update(task_always_eager=settings.CELERY_TASK_ALWAYS_EAGER)

    message_ids = [email.message_from_bytes(path.read_bytes())["Message-ID"] for path in sent()]
    stored = list(Notification.objects.all())
    assert sorted(message_ids) == sorted(services.notification_message_id(notice) for notice in stored)
    assert [notice.email_attempts for notice in stored] == [1] * NOTICES
