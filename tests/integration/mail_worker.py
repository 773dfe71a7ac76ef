"""A real Celery worker process for test_worker_crash.py, with a mail server that can hang:

    python -m tests.integration.mail_worker QUEUE

Each accepted message is written to $TEST_MAIL_DIR as one .eml file. With $TEST_MAIL_HANG_AFTER
set, once that many have arrived the server stops answering in the middle of the next send,
after creating the file named by $TEST_MAIL_HANGING, so the test knows when to kill the worker."""

import os
import sys
import time
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class HangingMailServer(BaseEmailBackend):
    def send_messages(self, messages):
        folder = Path(os.environ["TEST_MAIL_DIR"])
        hang_after = os.environ.get("TEST_MAIL_HANG_AFTER")
        for message in messages:
            if hang_after is not None and len(list(folder.glob("*.eml"))) >= int(hang_after):
                Path(os.environ["TEST_MAIL_HANGING"]).touch()
                time.sleep(3600)  # until the test kills this process
            partial = folder / f"{uuid.uuid4().hex}.partial"
            partial.write_bytes(message.message().as_bytes())
            partial.rename(partial.with_suffix(".eml"))  # whole messages only
        return len(messages)


def main(queue):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.EMAIL_BACKEND = "tests.integration.mail_worker.HangingMailServer"
    from config.celery import app

    app.worker_main(
        [
            "worker",
            "--pool=solo",
            f"--queues={queue}",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ]
    )


if __name__ == "__main__":
    main(sys.argv[1])
