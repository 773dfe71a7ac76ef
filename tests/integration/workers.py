"""Real Celery workers for the integration tests: each runs tests/integration/mail_worker.py in a
process of its own against the test database, so a test can kill it as an outage would."""

import os
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_url():
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(queue, redis, mail_dir, **extra):
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "TEST_MAIL_DIR": str(mail_dir),
        **extra,
    }
    return subprocess.Popen([sys.executable, "-m", "tests.integration.mail_worker", queue], cwd=ROOT, env=environment)


def wait_for(condition, worker, *, seconds=60):
    deadline = time.monotonic() + seconds
    while not condition():
        assert worker.poll() is None, "the worker died on its own"
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
