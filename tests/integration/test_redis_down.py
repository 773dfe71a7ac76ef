"""Issue 14, point 4: Redis is a cache, not a dependency of sign-in.

The cache and the broker point at a private redis-server, configured as the project configures
them for REDIS_URL; the test stops it, signs in through allauth's login page (whose rate limiter
writes to the cache), opens a page and asks for something that sends an email. All of it must
work. Once Redis is back, a real worker delivers the email that was kept in the outbox."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import config.settings as project_settings
from config.celery import app
from portal.models import Notification
from portal.tasks import notification_outbox_flush
from tests.factories import PASSWORD, BorrowerFactory
from tests.integration.workers import start_worker, wait_for


def use_broker(url, *, eager):
    """Point the Celery app at ``url``, dropping connections it pooled for the previous one."""
    app.conf.update(broker_url=url, task_always_eager=eager)
    app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the worker process needs a shared database; CI runs this"
)
@pytest.mark.django_db(transaction=True)
def test_sign_in_and_queued_work_survive_redis_down(redis_url, private_redis, settings, tmp_path):
    settings.CACHES = {"default": {**project_settings.CACHES["default"], "LOCATION": private_redis.url}}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    borrower = BorrowerFactory()
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    broker_before, eager_before = app.conf.broker_url, app.conf.task_always_eager
    use_broker(private_redis.url, eager=False)
    worker = None
    try:
        private_redis.stop()
        client = Client()

        signed_in = client.post(reverse("account_login"), {"login": borrower.email, "password": PASSWORD})
        dashboard = client.get(reverse("dashboard"))
        client.post(f"{reverse('account_reauthenticate')}?next={reverse('api_token_create')}", {"password": PASSWORD})
        token_made = client.post(reverse("api_token_create"))

        assert signed_in.status_code == 302
        assert signed_in["Location"] == reverse("dashboard")
        assert dashboard.status_code == 200
        assert token_made.status_code == 302
        assert token_made["Location"] == reverse("account_settings")
        notice = Notification.objects.get(recipient=borrower, kind="api_token_created")
        assert notice.email_status == Notification.EmailStatus.PENDING

        private_redis.start()
        worker = start_worker("celery", private_redis.url, mail_dir)
        # The beat job's sweep, a few minutes on, hands the kept email to the worker.
        Notification.objects.update(created_at=timezone.now() - timedelta(minutes=5))
        assert notification_outbox_flush() == 1
        wait_for(lambda: Notification.objects.filter(pk=notice.pk, email_status="sent").exists(), worker)
    finally:
        if worker is not None and worker.poll() is None:
            worker.kill()
            worker.wait(timeout=10)
        use_broker(broker_before, eager=eager_before)

    assert len(list(mail_dir.glob("*.eml"))) == 1
