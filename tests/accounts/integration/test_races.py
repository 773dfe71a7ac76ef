"""Issue 21, finding 4: parallel calls that bring the same new record answer one "created" and
the others "unchanged", with one audit event. Writers of one kind take turns (a transaction lock
taken before the batch is read); the threads below race for real on PostgreSQL."""

import threading

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.integration import services
from accounts.integration.services import batches
from accounts.models import CustomerRecord, RiskSignal
from portal.models import AuditEvent
from tests.accounts.integration.support import VALID_ROWS, push


def _race(token, endpoint, rows, callers=4):
    answers, start = [], threading.Barrier(callers)

    def call():
        try:
            start.wait()
            answers.append(push(APIClient(HTTP_AUTHORIZATION=f"Token {token}"), endpoint, rows))
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_parallel_calls_for_one_new_customer_create_it_once(service_account, world):
    answers = _race(Token.objects.create(user=service_account).key, "customers", [VALID_ROWS["customers"]])
    assert [answer.status_code for answer in answers] == [200] * 4
    assert sorted((answer.json()["created"], answer.json()["unchanged"]) for answer in answers) == [
        (0, 1),
        (0, 1),
        (0, 1),
        (1, 0),
    ]
    assert CustomerRecord.objects.filter(external_id="CUST-NEW").count() == 1
    assert AuditEvent.objects.filter(action="customer.created").count() == 1
    assert AuditEvent.objects.filter(action="customer.updated").count() == 0
    assert AuditEvent.objects.filter(action="integration.customers").count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_parallel_calls_for_one_new_signal_record_it_once_without_a_conflict(service_account, world):
    answers = _race(Token.objects.create(user=service_account).key, "risk-signals", [VALID_ROWS["risk-signals"]])
    assert sorted(answer.status_code for answer in answers) == [200] * 4
    assert sorted(answer.json()["created"] for answer in answers) == [0, 0, 0, 1]
    assert RiskSignal.objects.filter(external_id="SIG-OVERDUE-1").count() == 1


@pytest.mark.django_db
def test_the_kind_is_locked_before_the_batch_is_read(service_account, world, monkeypatch):
    """The logic the threads rely on, on every database: the lock comes before any check."""
    steps = []
    monkeypatch.setattr(batches, "transaction_lock", lambda name: steps.append(("lock", name)))
    kind = services.ROW_KINDS["customers"]
    original_check = type(kind).check
    monkeypatch.setattr(type(kind), "check", lambda self, rows: steps.append(("check",)) or original_check(self, rows))
    first = services.integration_rows_apply(kind="customers", rows=[VALID_ROWS["customers"]], actor=service_account)
    again = services.integration_rows_apply(kind="customers", rows=[VALID_ROWS["customers"]], actor=service_account)
    assert steps == [("lock", "integration:customers"), ("check",)] * 2
    assert (first.created, again.created, again.unchanged) == (1, 0, 1)
    assert AuditEvent.objects.filter(action="integration.customers").count() == 1
    assert AuditEvent.objects.filter(action="customer.updated").count() == 0
