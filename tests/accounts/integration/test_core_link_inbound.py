"""The core system answers an instruction through the integration API, with its service token
and a signature under a key of the shared set. Each refusal is clear JSON and changes nothing;
an answer is recorded once, with its kind's handler called once in the same transaction."""

import json
import time
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import CoreInstruction
from portal.exceptions import PortalError
from portal.models import AuditEvent
from tests.accounts.integration import test_core_link_support as support
from tests.accounts.integration.test_core_link_support import (
    KEYS,
    TEST_KIND,
    answer,
    instruction_state,
    outcome_path,
    signed_headers,
)

pytestmark = pytest.mark.django_db

# The shared fixtures.
core_keys = support.core_keys
handler = support.handler

CONFIRMED = {"outcome": "confirmed", "detail": "Carried out.", "data": {"schedule": [{"due_date": "2025-07-15"}]}}


@pytest.fixture
def instruction(core_keys):
    return CoreInstruction.objects.create(
        kind=TEST_KIND,
        subject_reference="0d5b2f7e-8f0a-4b8e-a0c4-7d1e2f3a4b5c",
        payload={"amount": "100.00"},
        status="accepted",
        attempts=1,
        sent_at=timezone.now(),
    )


def state():
    return {
        "instructions": instruction_state(),
        "audit": list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)),
    }


def test_a_signed_confirmation_is_recorded_and_calls_the_handler_once(core_client, instruction, handler):
    response = answer(core_client, instruction.idempotency_key, CONFIRMED)

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "confirmed"
    assert response.json()["idempotency_key"] == str(instruction.idempotency_key)
    assert handler.calls == [
        {
            "subject_reference": instruction.subject_reference,
            "outcome": "confirmed",
            "detail": "Carried out.",
            "data": {"schedule": [{"due_date": "2025-07-15"}]},
        }
    ]
    instruction.refresh_from_db()
    assert (instruction.status, instruction.outcome_detail, instruction.outcome_data) == (
        "confirmed",
        "Carried out.",
        CONFIRMED["data"],
    )
    assert instruction.answered_at is not None
    event = AuditEvent.objects.get(action="core_instruction.confirmed")
    assert (event.actor.email, event.target_id) == ("core-system@lender.example", str(instruction.pk))


def test_a_refusal_is_recorded_and_handed_to_the_handler(core_client, instruction, handler):
    response = answer(core_client, instruction.idempotency_key, {"outcome": "refused", "detail": "Account frozen."})
    assert response.status_code == 200
    assert handler.calls[0]["outcome"] == "refused"
    assert handler.calls[0]["data"] == {}
    instruction.refresh_from_db()
    assert (instruction.status, instruction.outcome_detail) == ("refused", "Account frozen.")


def test_the_same_answer_again_returns_the_stored_one_without_calling_the_handler_again(
    core_client, instruction, handler
):
    first = answer(core_client, instruction.idempotency_key, CONFIRMED)
    before = state()
    second = answer(core_client, instruction.idempotency_key, CONFIRMED, timestamp=int(time.time()) + 1)
    assert second.status_code == 200
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert len(handler.calls) == 1
    assert state() == before


def test_a_different_second_answer_is_refused_with_409(core_client, instruction, handler):
    answer(core_client, instruction.idempotency_key, CONFIRMED)
    before = state()
    response = answer(core_client, instruction.idempotency_key, {"outcome": "refused", "detail": "No."})
    assert response.status_code == 409
    assert response.json()["code"] == "already_answered"
    assert len(handler.calls) == 1
    assert state() == before


def test_an_answer_to_an_instruction_that_failed_to_send_is_still_recorded(core_client, instruction, handler):
    # The core system got it, but its reply to the portal's POST was lost every time.
    CoreInstruction.objects.filter(pk=instruction.pk).update(status="failed")
    assert answer(core_client, instruction.idempotency_key, CONFIRMED).status_code == 200
    assert len(handler.calls) == 1


def test_a_handler_refusal_rolls_the_whole_answer_back(core_client, instruction, handler):
    handler.refuse_with = PortalError("This quote has expired.", code="quote_expired")
    before = state()
    response = answer(core_client, instruction.idempotency_key, CONFIRMED)
    assert response.status_code == 400
    assert response.json() == {"detail": "This quote has expired.", "code": "quote_expired"}
    assert state() == before


# Refusals of the signature


def test_an_unsigned_answer_is_refused_with_401(core_client, instruction, handler):
    before = state()
    response = core_client.post(outcome_path(instruction.idempotency_key), CONFIRMED, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "signature_missing"
    assert handler.calls == []
    assert state() == before


@pytest.mark.parametrize(
    ("signing", "code"),
    [
        ({"secret": "not-the-shared-secret"}, "signature_invalid"),
        ({"key_id": "k-1999", "secret": "an-old-secret"}, "signature_key_unknown"),
        ({"timestamp": "yesterday"}, "signature_timestamp"),
    ],
)
def test_a_wrongly_signed_answer_is_refused_with_401(core_client, instruction, handler, signing, code):
    before = state()
    response = answer(core_client, instruction.idempotency_key, CONFIRMED, **signing)
    assert response.status_code == 401
    assert response.json()["code"] == code
    assert handler.calls == []
    assert state() == before


@pytest.mark.parametrize("offset", [-301, 301])
def test_an_answer_signed_more_than_five_minutes_away_is_refused_as_stale(core_client, instruction, handler, offset):
    before = state()
    response = answer(core_client, instruction.idempotency_key, CONFIRMED, timestamp=int(time.time()) + offset)
    assert response.status_code == 401
    assert response.json()["code"] == "signature_stale"
    assert state() == before


def test_a_replay_of_an_old_signed_answer_is_refused(core_client, instruction, handler):
    raw = json.dumps(CONFIRMED).encode()
    path = outcome_path(instruction.idempotency_key)
    headers = signed_headers(path, raw)
    # Someone captured the request and sends it ten minutes later.
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        response = core_client.generic("POST", path, raw, content_type="application/json", **headers)
    assert response.status_code == 401
    assert response.json()["code"] == "signature_stale"
    assert handler.calls == []


def test_a_body_changed_after_signing_is_refused(core_client, instruction, handler):
    path = outcome_path(instruction.idempotency_key)
    headers = signed_headers(path, json.dumps(CONFIRMED).encode())
    tampered = json.dumps({**CONFIRMED, "outcome": "refused"}).encode()
    response = core_client.generic("POST", path, tampered, content_type="application/json", **headers)
    assert response.status_code == 401
    assert response.json()["code"] == "signature_invalid"
    assert handler.calls == []


def test_a_signature_for_another_instruction_is_refused(core_client, instruction, handler):
    raw = json.dumps(CONFIRMED).encode()
    headers = signed_headers(outcome_path(uuid.uuid4()), raw)
    response = core_client.generic(
        "POST", outcome_path(instruction.idempotency_key), raw, content_type="application/json", **headers
    )
    assert response.status_code == 401
    assert handler.calls == []


def test_during_rotation_an_answer_under_the_old_key_still_verifies(core_client, instruction, handler, settings):
    settings.CORE_SYSTEM_CURRENT_KEY_ID = "k-2026"  # the portal signs with the new key already
    response = answer(core_client, instruction.idempotency_key, CONFIRMED, key_id="k-2025")
    assert response.status_code == 200
    assert len(handler.calls) == 1


def test_a_retired_key_no_longer_verifies(core_client, instruction, handler, settings):
    settings.CORE_SYSTEM_KEYS = {"k-2026": KEYS["k-2026"]}
    settings.CORE_SYSTEM_CURRENT_KEY_ID = "k-2026"
    response = answer(core_client, instruction.idempotency_key, CONFIRMED, key_id="k-2025")
    assert response.status_code == 401
    assert response.json()["code"] == "signature_key_unknown"
    assert handler.calls == []


def test_refusals_are_in_the_callers_language(core_client, instruction):
    response = core_client.post(
        outcome_path(instruction.idempotency_key), CONFIRMED, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 401
    assert "签名" in response.json()["detail"]
    response = core_client.post(
        outcome_path(instruction.idempotency_key), CONFIRMED, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "not signed" in response.json()["detail"]


# Other refusals


def test_an_answer_to_an_unknown_instruction_is_refused_with_404(core_client, instruction, handler):
    before = state()
    response = answer(core_client, uuid.uuid4(), CONFIRMED)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert state() == before


def test_a_path_that_is_no_idempotency_key_answers_404_in_json(core_client, instruction):
    response = core_client.post("/api/integration/v1/instructions/not-a-key/outcome/", CONFIRMED, format="json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"outcome": "maybe"}, "outcome"),
        ({"detail": "no outcome"}, "outcome"),
        ({"outcome": "confirmed", "data": ["not", "an", "object"]}, "data"),
        ({"outcome": "confirmed", "detail": 12}, "detail"),
        ({"outcome": "confirmed", "detail": "x" * 2001}, "detail"),
    ],
)
def test_a_bad_body_is_refused_with_400_and_changes_nothing(core_client, instruction, handler, body, field):
    before = state()
    response = answer(core_client, instruction.idempotency_key, body)
    assert response.status_code == 400
    assert field in response.json()["field_errors"]
    assert handler.calls == []
    assert state() == before


def test_a_body_that_is_no_json_is_refused_with_400(core_client, instruction, handler):
    response = answer(core_client, instruction.idempotency_key, b"{outcome: confirmed")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert handler.calls == []


def test_without_a_token_the_answer_is_401(instruction, handler):
    response = answer(APIClient(), instruction.idempotency_key, CONFIRMED)
    assert response.status_code == 401
    assert handler.calls == []


def test_a_borrower_token_gets_403_even_when_signed(world, instruction, handler):
    token = Token.objects.create(user=world["borrower"])
    response = answer(APIClient(HTTP_AUTHORIZATION=f"Token {token.key}"), instruction.idempotency_key, CONFIRMED)
    assert response.status_code == 403
    assert handler.calls == []


def test_the_endpoint_is_documented_in_the_schema(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/integration/v1/instructions/{idempotency_key}/outcome/"]["post"]
    assert operation["operationId"] == "integration_instruction_outcome_record"
    assert {"200", "400", "401", "403", "404", "409"} <= set(operation["responses"])
    headers = {parameter["name"] for parameter in operation["parameters"] if parameter["in"] == "header"}
    assert headers == {"X-Core-Key-Id", "X-Core-Timestamp", "X-Core-Signature"}
