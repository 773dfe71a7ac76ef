"""The issue's check for the monthly report run: killing a real worker in the middle of a chunk's
emails loses no report and sends none twice, and every Message-ID is the one its outbox row
fixed. A real worker process takes the chunk task from Redis; its mail server hangs in the middle
of the sixth email and the test kills the worker there (SIGKILL). The beat's sweep, a few minutes
on, hands what waits to a second worker. The chunk's own task is not redone here (the broker's
visibility timeout is an hour): the sweep alone must finish the run."""

import email
import os
import signal
from datetime import date, timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from config.celery import app
from education.models import HealthReport
from education.services import reports
from education.tasks import health_reports_chunk
from portal import services
from portal.models import Notification
from portal.tasks import notification_email_deliver, notification_outbox_flush
from tests.factories import BorrowerFactory
from tests.integration.workers import start_worker, wait_for

BORROWERS = 12
SENT_BEFORE_THE_KILL = 5
OCTOBER = "2026-10-01"


def report_emails():
    return Notification.objects.filter(kind="health_report")


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the worker process needs a shared database; CI runs this"
)
@pytest.mark.django_db(transaction=True)
def test_killing_the_worker_mid_report_run_loses_no_report_and_sends_none_twice(redis_url, tmp_path):
    borrowers = [BorrowerFactory() for _ in range(BORROWERS)]
    mail_dir, hanging = tmp_path / "mail", tmp_path / "hanging"
    mail_dir.mkdir()
    queue = f"test-report-crash-{os.getpid()}"
    sent = lambda: list(mail_dir.glob("*.eml"))  # noqa: E731
    app.conf.update(broker_url=redis_url, task_always_eager=False)
    workers = []
    try:
        first = start_worker(
            queue, redis_url, mail_dir, TEST_MAIL_HANG_AFTER=str(SENT_BEFORE_THE_KILL), TEST_MAIL_HANGING=str(hanging)
        )
        workers.append(first)
        health_reports_chunk.apply_async(([borrower.pk for borrower in borrowers], OCTOBER), queue=queue)
        wait_for(hanging.exists, first)
        os.kill(first.pid, signal.SIGKILL)  # mid-send of the sixth
        first.wait(timeout=10)
        assert len(sent()) == SENT_BEFORE_THE_KILL
        assert report_emails().count() == BORROWERS  # every report's email is in the outbox

        second = start_worker(queue, redis_url, mail_dir)
        workers.append(second)
        # The beat's sweep, a few minutes on.
        Notification.objects.filter(kind="health_report").update(
            created_at=timezone.now() - timedelta(minutes=10), email_claimed_at=timezone.now() - timedelta(minutes=10)
        )
        with mock.patch.object(
            notification_email_deliver, "delay", lambda pk: notification_email_deliver.apply_async((pk,), queue=queue)
        ):
            assert notification_outbox_flush() == BORROWERS - SENT_BEFORE_THE_KILL
        wait_for(lambda: len(sent()) == BORROWERS and report_emails().exclude(email_status="sent").count() == 0, second)
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait(timeout=10)
        app.conf.update(task_always_eager=settings.CELERY_TASK_ALWAYS_EAGER)

    messages = [email.message_from_bytes(path.read_bytes()) for path in sent()]
    assert sorted(message["To"] for message in messages) == sorted(borrower.email for borrower in borrowers)
    stored = list(report_emails())
    assert sorted(message["Message-ID"] for message in messages) == sorted(
        services.notification_message_id(row) for row in stored
    )
    reports.health_report_emails_status_refresh(month=date.fromisoformat(OCTOBER))
    assert set(HealthReport.objects.values_list("email_status", flat=True)) == {"sent"}
