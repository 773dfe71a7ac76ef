"""Issue 14, point 3: a mail server that hangs or refuses never holds a worker for ever.

The send runs in a real process with the real settings (EMAIL_URL and EMAIL_TIMEOUT from its
environment) against a real socket: one that accepts and never answers, one that refuses. The
send must give up within EMAIL_TIMEOUT and leave the notice queued for the sweep's next try.
And every family of tasks carries its time limits, under the broker's visibility timeout."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from config.celery import TASK_FAMILIES, app
from portal.models import Notification
from tests.factories import BorrowerFactory
from tests.integration.workers import ROOT, database_url

EMAIL_TIMEOUT = 2
# Bounded wait for the sending process: far above EMAIL_TIMEOUT, far below "for ever".
PROCESS_WAIT = 60

DELIVER = """
import django, sys
django.setup()
from portal import services
services.notification_email_deliver(notification_id=int(sys.argv[1]))
"""

needs_shared_database = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the sending process needs a shared database; CI runs this"
)


def deliver_in_a_process(notice, *, mail_port):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(),
        "EMAIL_URL": f"smtp://127.0.0.1:{mail_port}",
        "EMAIL_TIMEOUT": str(EMAIL_TIMEOUT),
    }
    return subprocess.run(
        [sys.executable, "-c", DELIVER, str(notice.pk)], cwd=ROOT, env=environment, timeout=PROCESS_WAIT
    )


def queued_notice():
    return Notification.objects.create(
        recipient=BorrowerFactory(),
        kind="test",
        title="Your limit changed",
        body="Body",
        email_status=Notification.EmailStatus.PENDING,
        email_subject="Your limit changed",
        email_text="Body",
    )


@needs_shared_database
@pytest.mark.django_db(transaction=True)
def test_a_mail_server_that_never_answers_releases_the_sender_and_keeps_the_notice_queued(silent_mail_server):
    port, accepted = silent_mail_server
    notice = queued_notice()

    finished = deliver_in_a_process(notice, mail_port=port)

    notice.refresh_from_db()
    assert finished.returncode == 0
    assert len(accepted) == 1
    assert notice.email_status == Notification.EmailStatus.PENDING
    assert notice.email_attempts == 1
    assert "timed out" in notice.email_last_error
    assert notice.email_next_attempt_at is not None
    assert notice.email_sent_at is None


@needs_shared_database
@pytest.mark.django_db(transaction=True)
def test_a_mail_server_that_refuses_keeps_the_notice_queued(refusing_mail_port):
    notice = queued_notice()

    finished = deliver_in_a_process(notice, mail_port=refusing_mail_port)

    notice.refresh_from_db()
    assert finished.returncode == 0
    assert notice.email_status == Notification.EmailStatus.PENDING
    assert notice.email_attempts == 1
    assert "refused" in notice.email_last_error.lower()
    assert notice.email_next_attempt_at is not None


def test_the_email_timeout_is_set_and_bounded():
    assert 0 < settings.EMAIL_TIMEOUT <= 60


@pytest.mark.parametrize(
    ("family", "task_name"),
    [
        ("email", "portal.tasks.notification_email_deliver"),
        ("email", "accounts.tasks.account_email_send"),
        ("email batch", "portal.tasks.notification_email_deliver_many"),
        ("policy-run chunks", "accounts.tasks.risk_policy_evaluate_chunk"),
        ("report chunks", "education.tasks.health_reports_chunk"),
        ("beat sweeps", "portal.tasks.notification_outbox_flush"),
        ("beat sweeps", "accounts.tasks.risk_policy_evaluate"),
        ("beat sweeps", "accounts.tasks.closure_requests_process"),
    ],
)
def test_each_task_family_carries_its_time_limits_and_is_redelivered_after_a_worker_loss(family, task_name):
    task = app.tasks[task_name]
    rule = TASK_FAMILIES[family]

    assert (task.soft_time_limit, task.time_limit) == (rule["soft_time_limit"], rule["time_limit"])
    assert task.soft_time_limit < task.time_limit
    assert task.acks_late is True
    assert task.reject_on_worker_lost is True


def test_an_email_send_gives_up_on_the_mail_server_before_its_task_is_cut_short():
    assert TASK_FAMILIES["email"]["soft_time_limit"] >= settings.EMAIL_TIMEOUT * 2


def test_every_task_is_bounded_and_its_message_outlives_its_hard_limit_in_the_broker():
    visibility_timeout = app.conf.broker_transport_options["visibility_timeout"]
    project_tasks = [task for name, task in app.tasks.items() if not name.startswith("celery.")]
    hard_limits = [task.time_limit or app.conf.task_time_limit for task in project_tasks]
    soft_limits = [task.soft_time_limit or app.conf.task_soft_time_limit for task in project_tasks]

    assert all(hard_limits) and all(soft_limits)
    assert all(soft < hard for soft, hard in zip(soft_limits, hard_limits, strict=True))
    # A few minutes of margin, and far below Redis's one-hour default.
    assert max(hard_limits) + 120 <= visibility_timeout <= 1800
