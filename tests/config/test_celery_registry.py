"""A fresh process (the web server's, a management command's) knows every app's tasks by name,
so a task enqueued by name runs eagerly where CELERY_TASK_ALWAYS_EAGER is set and never falls
back to a bare send_task, which ignores eager mode."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIST_TASKS = """
import json, django
django.setup()
from celery import current_app
print(json.dumps(sorted(name for name in current_app.tasks if not name.startswith("celery."))))
"""


def test_a_fresh_django_process_registers_every_apps_tasks():
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.test_settings"}
    output = subprocess.run(
        [sys.executable, "-c", LIST_TASKS], cwd=ROOT, env=environment, capture_output=True, text=True, check=True
    ).stdout
    names = json.loads(output.strip().splitlines()[-1])
    assert {
        "portal.tasks.notification_email_deliver",
        "portal.tasks.notification_email_deliver_many",
        "accounts.tasks.risk_policy_evaluate_chunk",
        "appeals.tasks.appeals_information_remind",
        "education.tasks.health_reports_chunk",
    } <= set(names)
