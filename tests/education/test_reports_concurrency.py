"""Two workers on the same chunk at once (a redelivered task while the first still runs): every
report is made once and every email leaves once. Row locks with SKIP LOCKED are PostgreSQL's."""

import threading

import pytest
from django.core import mail
from django.db import connection

from education.models import HealthReport
from education.services import reports as services
from education.services.reports import emails as report_emails
from tests.education.conftest import OCTOBER, RUN_AT, borrower_with_history


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's; CI runs this")
def test_two_workers_on_one_chunk_make_and_send_everything_once(monkeypatch):
    borrowers = [borrower_with_history() for _ in range(6)]
    ids = [borrower.pk for borrower in borrowers]
    monkeypatch.setattr(report_emails, "EMAIL_BATCH", 1)
    barrier = threading.Barrier(2)
    errors = []

    def work():
        try:
            barrier.wait(timeout=10)
            services.health_reports_chunk_process(user_ids=ids, month=OCTOBER, now=RUN_AT)
        except Exception as error:  # collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert HealthReport.objects.filter(month=OCTOBER).count() == 6
    assert sorted(message.to[0] for message in mail.outbox) == sorted(borrower.email for borrower in borrowers)
