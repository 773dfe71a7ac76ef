"""The Celery app: configuration from Django settings (CELERY_*), tasks found in every app, and
a time limit for each family of tasks."""

import os
from fnmatch import fnmatchcase

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Subject folders with beat tasks of their own (not installed apps, so named here).
TASK_PACKAGES = ["accounts.integration", "accounts.repayment", "accounts.risk.anomaly", "accounts.risk.stress"]
app.autodiscover_tasks(TASK_PACKAGES)

# Times are in CELERY_TIMEZONE (Asia/Shanghai). Later features add their entries here, so the
# whole schedule can be read in one place.
app.conf.beat_schedule = {
    "notification-outbox-flush": {
        "task": "portal.tasks.notification_outbox_flush",
        "schedule": 60.0,
    },
    "risk-policy-evaluate": {
        "task": "accounts.tasks.risk_policy_evaluate",
        "schedule": crontab(minute="*/15"),
    },
    "risk-report-daily": {
        "task": "accounts.tasks.risk_report_send",
        "schedule": crontab(hour=8, minute=0),
    },
    # Scores the accounts with balance movements since the last run (the import writes them).
    "anomaly-scoring-run": {
        "task": "accounts.risk.anomaly.tasks.anomaly_scoring_run",
        "schedule": crontab(minute="7-59/15"),
    },
    # Trains a draft version; an analyst switches it on.
    "anomaly-model-train-weekly": {
        "task": "accounts.risk.anomaly.tasks.anomaly_model_train",
        "schedule": crontab(day_of_week=1, hour=4, minute=10),
    },
    "closure-requests-process": {"task": "accounts.tasks.closure_requests_process", "schedule": crontab(minute="*/5")},
    "identity-binding-attempts-purge-daily": {
        "task": "accounts.tasks.identity_binding_attempts_purge",
        "schedule": crontab(hour=3, minute=30),
    },
    "appeals-assignee-remind": {
        "task": "appeals.tasks.appeals_assignee_remind",
        "schedule": crontab(minute=5),
    },
    "appeals-breach-report": {
        "task": "appeals.tasks.appeals_breach_report",
        "schedule": crontab(minute=10),
    },
    # The appeals' information reminder runs inside education's reminders (quiet hours, preferences).
    "reminders-send-hourly": {
        "task": "education.tasks.reminders_send",
        "schedule": crontab(minute=15),
    },
    "health-reports-monthly": {
        "task": "education.tasks.health_reports_monthly",
        "schedule": crontab(day_of_month=1, hour=9, minute=0),
    },
    "health-report-emails-refresh": {
        "task": "education.tasks.health_report_emails_refresh",
        "schedule": crontab(minute="*/10"),
    },
    "appeals-unanswered-close": {
        "task": "appeals.tasks.appeals_unanswered_close",
        "schedule": crontab(minute=20),
    },
    "appeals-decided-close-daily": {
        "task": "appeals.tasks.appeals_decided_close",
        "schedule": crontab(hour=2, minute=40),
    },
    "limit-offers-expire": {"task": "accounts.tasks.limit_offers_expire", "schedule": crontab(minute=35)},
    "limit-offers-by-rule-daily": {
        "task": "accounts.tasks.limit_offers_by_rule",
        "schedule": crontab(hour=10, minute=15),
    },
    "integration-idempotency-keys-expire": {
        "task": "accounts.integration.tasks.integration_idempotency_keys_expire",
        "schedule": crontab(minute=25),
    },
    "integrity-seal": {"task": "portal.tasks.integrity_seal", "schedule": 60.0},
    "integrity-verify-daily": {"task": "portal.tasks.integrity_verify_daily", "schedule": crontab(hour=4, minute=40)},
    # Sends the core-system instructions whose (re)try is due; a dead broker delays them, never loses them.
    "core-instructions-sweep": {
        "task": "accounts.integration.outbound.tasks.core_instructions_sweep",
        "schedule": 60.0,
    },
}

# Every task is bounded, so a hung mail server or database call frees its worker: the soft limit
# raises SoftTimeLimitExceeded inside the task (its transaction rolls back), the hard limit kills
# the worker process. A task cut short is not redelivered (it failed); the outbox sweeps and
# the claim recovery pick its work up. Each family's redo is safe, so every family is acks_late
# with reject_on_worker_lost: a killed worker's message goes back to the queue after the
# broker's visibility_timeout (settings), which is kept above the longest hard limit here.
#   email senders: a notice row is locked and marked sent, with a Message-ID fixed per row; an
#     allauth email is rendered once in the request, so a redo repeats the same message.
#   policy-run chunks: a chunk row records its decisions; a redo finds it done.
#   report chunks: a unique report per borrower and month, and the outbox row claim of each email.
#   beat sweeps: idempotent by design (CONVENTIONS: tasks are safe to run twice).
# Seconds; a task in no family gets CELERY_TASK_SOFT_TIME_LIMIT / CELERY_TASK_TIME_LIMIT.
TASK_FAMILIES = {
    "email": {
        "tasks": [
            "portal.tasks.notification_email_deliver",
            "accounts.tasks.account_email_send",
            "*.tasks.*email_deliver",
            "*.tasks.*email_send",
        ],
        "soft_time_limit": 60,
        "time_limit": 90,
    },
    "email batch": {
        "tasks": ["portal.tasks.notification_email_deliver_many", "*.tasks.*email*_deliver_many"],
        "soft_time_limit": 300,
        "time_limit": 360,
    },
    "policy-run chunks": {
        "tasks": ["accounts.tasks.risk_policy_evaluate_chunk"],
        "soft_time_limit": 540,
        "time_limit": 600,
    },
    "report chunks": {
        "tasks": ["education.tasks.health_reports_chunk"],
        "soft_time_limit": 540,
        "time_limit": 600,
    },
    # core-system sends: a row is claimed (locked, marked sending) and always sent under its own
    #   idempotency key, so a redo is carried out once by the core system.
    "core-system sends": {
        "tasks": [
            "accounts.integration.outbound.tasks.core_instruction_send",
            "accounts.integration.outbound.tasks.core_simulator_answer",
        ],
        "soft_time_limit": 60,
        "time_limit": 90,
    },
    # The daily verification reads every sealed row; its hard limit stays two minutes under the
    # broker's visibility timeout (900 s), so a long run is never handed to a second worker.
    "integrity verification": {
        "tasks": ["portal.tasks.integrity_verify_daily"],
        "soft_time_limit": 720,
        "time_limit": 780,
    },
    "beat sweeps": {
        "tasks": sorted({entry["task"] for entry in app.conf.beat_schedule.values()}),
        "soft_time_limit": 240,
        "time_limit": 300,
    },
}


def task_family(name):
    """The family a task belongs to by its registered name (first match wins), or None."""
    for family, rule in TASK_FAMILIES.items():
        if any(fnmatchcase(name, pattern) for pattern in rule["tasks"]):
            return family
    return None


class TaskFamilyAnnotations:
    """Celery's task_annotations hook: the family's limits override the task's own options."""

    def annotate(self, task):
        family = task_family(task.name)
        if family is None:
            return None
        rule = TASK_FAMILIES[family]
        return {
            "soft_time_limit": rule["soft_time_limit"],
            "time_limit": rule["time_limit"],
            "acks_late": True,
            "reject_on_worker_lost": True,
        }


app.conf.task_annotations = (TaskFamilyAnnotations(),)
