"""The Celery app: configuration from Django settings (CELERY_*), tasks found in every app."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

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
    "health-report-emails-recover": {
        "task": "education.tasks.health_report_emails_recover",
        "schedule": crontab(minute=45),
    },
    "appeals-unanswered-close": {
        "task": "appeals.tasks.appeals_unanswered_close",
        "schedule": crontab(minute=20),
    },
    "appeals-decided-close-daily": {
        "task": "appeals.tasks.appeals_decided_close",
        "schedule": crontab(hour=2, minute=40),
    },
}
