"""Against the real PostgreSQL and Redis. Where they are configured (CI sets DATABASE_URL and
REDIS_URL and REQUIRE_SERVICES=1) these tests must run; on a bare developer machine they skip."""

import os
import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection

from config.celery import app
from portal.models import Notification
from portal.tasks import notification_email_deliver
from tests.factories import BorrowerFactory

REQUIRED = os.environ.get("REQUIRE_SERVICES") == "1"


def test_ci_runs_on_postgresql():
    if not REQUIRED:
        pytest.skip("REQUIRE_SERVICES is not set: running on the local default database")
    assert connection.vendor == "postgresql"


def test_the_cache_backend_works_against_redis(redis_url, settings):
    from django.core.cache import caches

    settings.CACHES = {
        "redis": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": redis_url, "KEY_PREFIX": "test"}
    }
    cache = caches["redis"]
    key = f"probe-{uuid.uuid4()}"
    cache.set(key, "ok", 30)
    assert cache.get(key) == "ok"
    cache.delete(key)


@pytest.mark.django_db(transaction=True)
def test_a_notification_email_goes_through_a_real_worker_on_redis(redis_url, mailoutbox):
    """A real Celery worker thread consumes the task from Redis and sends the email."""
    borrower = BorrowerFactory()
    notice = Notification.objects.create(
        recipient=borrower,
        kind="test",
        title="Hello",
        body="Body",
        email_status=Notification.EmailStatus.PENDING,
        email_subject="Hello",
        email_text="Body",
    )
    queue = f"test-{uuid.uuid4()}"
    app.conf.update(broker_url=redis_url, task_always_eager=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=10):
            result = notification_email_deliver.apply_async((notice.pk,), queue=queue, ignore_result=False)
            notice.refresh_from_db()
            deadline_loops = 100
            while notice.email_status != Notification.EmailStatus.SENT and deadline_loops:
                time.sleep(0.1)
                notice.refresh_from_db()
                deadline_loops -= 1
            assert result is not None
    finally:
        app.conf.update(task_always_eager=True)
    assert notice.email_status == Notification.EmailStatus.SENT
    assert [message.to for message in mailoutbox] == [[borrower.email]]
