"""The beat trains a draft weekly and scores new activity every 15 minutes; its tasks only call
the services, and a refused training leaves a log line, not a failed job."""

import pytest

from accounts.models import AnomalyModelVersion
from accounts.risk.anomaly import tasks
from config.celery import app
from tests.accounts.risk.anomaly.support import draws, quiet_account, trained_version

pytestmark = pytest.mark.django_db


def test_the_beat_schedules_scoring_and_weekly_training():
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {
        "accounts.risk.anomaly.tasks.anomaly_scoring_run",
        "accounts.risk.anomaly.tasks.anomaly_model_train",
    } <= scheduled
    assert "accounts.risk.anomaly.tasks.anomaly_scoring_chunk" in app.tasks


def test_training_with_too_little_data_is_logged_and_stores_nothing(caplog):
    assert tasks.anomaly_model_train() is None
    assert [record.levelname for record in caplog.records if record.name == tasks.__name__] == ["WARNING"]
    assert not AnomalyModelVersion.objects.exists()


def test_the_scoring_job_hands_each_chunk_to_a_worker(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    trained_version()
    account = quiet_account()
    draws(account, count=31, amount="100.00")

    assert tasks.anomaly_scoring_run() == 1
    assert account.anomaly_reviews.count() == 1
