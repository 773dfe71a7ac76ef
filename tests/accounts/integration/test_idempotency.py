"""Issue 21, finding 7: an ``Idempotency-Key`` on every integration write. The same key with the
same body answers the stored answer (same status) and applies nothing; with another body, 409
with the error body; a key expires after INTEGRATION_IDEMPOTENCY_HOURS; parallel calls with one
key apply once."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts import models
from accounts.models import CustomerRecord
from portal.models import AuditEvent
from tests.accounts.integration.support import ENDPOINTS, NOW, VALID_ROWS, database_state
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def send(client, endpoint, rows, key):
    return client.post(f"/api/integration/v1/{endpoint}/", {"rows": rows}, format="json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_the_same_key_and_body_answer_the_stored_answer_and_apply_nothing(core_client, world, endpoint):
    first = send(core_client, endpoint, [VALID_ROWS[endpoint]], "key-1")
    assert first.status_code == 200
    before = database_state()
    again = send(core_client, endpoint, [VALID_ROWS[endpoint]], "key-1")
    assert (again.status_code, again.json()) == (200, first.json())  # not "unchanged": the first answer
    assert database_state() == before


def test_a_stored_refusal_is_answered_again_with_its_status(core_client, world):
    bad = [{**VALID_ROWS["balances"], "outstanding_balance": "-1"}]
    first = send(core_client, "balances", bad, "key-400")
    again = send(core_client, "balances", bad, "key-400")
    assert first.status_code == again.status_code == 400
    assert again.json() == first.json()


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_the_same_key_with_another_body_is_refused_with_409(core_client, world, endpoint):
    assert send(core_client, endpoint, [VALID_ROWS[endpoint]], "key-2").status_code == 200
    before = database_state()
    other = {**VALID_ROWS["balances"], "outstanding_balance": "99.00"} if endpoint == "balances" else None
    rows = [other] if other else [VALID_ROWS[endpoint], {**VALID_ROWS["balances"]}]
    response = send(core_client, endpoint, rows, "key-2")
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key"
    assert response.json()["detail"]
    assert database_state() == before


def test_the_same_key_on_another_endpoint_is_another_call(core_client, world):
    assert send(core_client, "balances", [VALID_ROWS["balances"]], "key-3").status_code == 200
    assert send(core_client, "risk-signals", [VALID_ROWS["risk-signals"]], "key-3").status_code == 409


def test_a_key_belongs_to_its_service_account(core_client, world, service_account):
    second = UserFactory(email="core-system-2@lender.example")
    second.groups.add(Group.objects.get(name="Core system integration"))
    other_client = APIClient(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=second).key}")
    assert send(core_client, "balances", [VALID_ROWS["balances"]], "shared").status_code == 200
    row = {**VALID_ROWS["balances"], "outstanding_balance": "7.00"}
    assert send(other_client, "balances", [row], "shared").status_code == 200


def test_a_key_expires_after_the_stated_time_and_the_beat_task_deletes_it(core_client, world, settings):
    from accounts.integration.tasks import integration_idempotency_keys_expire  # new with issue 21

    settings.INTEGRATION_IDEMPOTENCY_HOURS = 24
    assert send(core_client, "balances", [VALID_ROWS["balances"]], "key-4").status_code == 200
    stored = models.IntegrationIdempotencyKey.objects.get(key="key-4")
    assert NOW + timedelta(hours=24) <= stored.expires_at < NOW + timedelta(hours=24, minutes=1)
    with time_machine.travel(NOW + timedelta(hours=23)):
        assert integration_idempotency_keys_expire() == 0
    with time_machine.travel(NOW + timedelta(hours=24, seconds=1)):
        row = {**VALID_ROWS["balances"], "outstanding_balance": "5.00"}
        assert send(core_client, "balances", [row], "key-4").json()["updated"] == 1  # expired: a new call
        assert integration_idempotency_keys_expire() == 0
    with time_machine.travel(NOW + timedelta(hours=49)):
        assert integration_idempotency_keys_expire() == 1
    assert not models.IntegrationIdempotencyKey.objects.exists()


@pytest.mark.parametrize("key", ["", "has space", "x" * 101, "中文"])
def test_a_malformed_key_is_refused_with_the_row_error_body(core_client, world, key):
    response = send(core_client, "balances", [VALID_ROWS["balances"]], key)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"


def test_without_a_key_nothing_is_stored(core_client, world):
    assert core_client.post("/api/integration/v1/balances/", {"rows": [VALID_ROWS["balances"]]}, format="json")
    assert not models.IntegrationIdempotencyKey.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL's row locks")
@pytest.mark.django_db(transaction=True)
def test_parallel_calls_with_one_key_apply_once(service_account, world):
    token = Token.objects.create(user=service_account).key
    answers, start = [], threading.Barrier(4)

    def call():
        try:
            start.wait()
            client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
            answers.append(send(client, "customers", [VALID_ROWS["customers"]], "parallel"))
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [answer.status_code for answer in answers] == [200] * 4
    assert [answer.json()["created"] for answer in answers] == [1] * 4  # the one answer, four times
    assert CustomerRecord.objects.filter(external_id="CUST-NEW").count() == 1
    assert AuditEvent.objects.filter(action="integration.customers").count() == 1
    assert AuditEvent.objects.filter(action="customer.updated").count() == 0
