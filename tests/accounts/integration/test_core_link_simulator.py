"""Without a core-system URL (the demo) the built-in simulator accepts each instruction and
confirms it after a short delay, through the same answer-recording service a real core system's
answer goes through; and with a real core system, the whole round trip: a signed request out,
a signed answer back."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from accounts.integration.outbound import core_instruction_enqueue, services
from accounts.models import CoreInstruction
from portal.exceptions import PortalError
from portal.models import AuditEvent
from tests.accounts.integration import test_core_link_support as support
from tests.accounts.integration.test_core_link_support import (
    TEST_KIND,
    answer,
)

pytestmark = pytest.mark.django_db

# The shared fixtures.
core_keys = support.core_keys
core_system = support.core_system
handler = support.handler

SCHEDULE = [
    {"due_date": "2025-07-15", "amount_due": "400.00"},
    {"due_date": "2025-08-15", "amount_due": "400.00"},
]


@pytest.fixture
def simulator(settings):
    settings.CORE_SYSTEM_URL = ""
    settings.CORE_SYSTEM_SIMULATOR_DELAY_SECONDS = 5


def enqueue(capture, payload):
    with capture(execute=True), transaction.atomic():
        return core_instruction_enqueue(kind=TEST_KIND, subject_reference="REF-1", payload=payload)


def test_the_simulator_confirms_with_the_proposed_schedule(simulator, handler, django_capture_on_commit_callbacks):
    instruction = enqueue(django_capture_on_commit_callbacks, {"proposed_schedule": SCHEDULE, "months": 2})

    assert handler.calls == [
        {
            "subject_reference": "REF-1",
            "outcome": "confirmed",
            "detail": services.SIMULATOR_DETAIL,
            "data": {"schedule": SCHEDULE},
        }
    ]
    instruction.refresh_from_db()
    assert (instruction.status, instruction.attempts, instruction.outcome_data) == (
        "confirmed",
        1,
        {"schedule": SCHEDULE},
    )
    assert instruction.sent_at is not None and instruction.answered_at is not None
    event = AuditEvent.objects.get(action="core_instruction.confirmed")
    assert (event.actor, event.actor_label) == (None, "core-system simulator")


def test_without_a_proposed_schedule_the_simulator_confirms_with_no_data(
    simulator, handler, django_capture_on_commit_callbacks
):
    enqueue(django_capture_on_commit_callbacks, {"due_day": 15})
    assert [(call["outcome"], call["data"]) for call in handler.calls] == [("confirmed", {})]


def test_the_simulators_answer_is_queued_with_its_delay(
    simulator, handler, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr("celery.canvas.Signature.apply_async", lambda signature, *a, **k: queued.append(signature))
    instruction = CoreInstruction.objects.create(
        kind=TEST_KIND, subject_reference="REF-1", next_attempt_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.core_instruction_send(instruction_id=instruction.pk)
    [signature] = queued
    assert (signature.task, signature.args, signature.options["countdown"]) == (
        services.SIMULATOR_TASK,
        (instruction.pk,),
        5,
    )
    assert handler.calls == []  # nothing answered until the delay is up


def test_a_lost_simulator_message_is_answered_by_the_sweep_once_the_delay_is_up(simulator, handler):
    instruction = CoreInstruction.objects.create(
        kind=TEST_KIND, subject_reference="REF-1", status="accepted", attempts=1, sent_at=timezone.now()
    )
    services.core_instructions_sweep()
    assert handler.calls == []
    with time_machine.travel(timezone.now() + timedelta(seconds=6)):
        services.core_instructions_sweep()
    assert len(handler.calls) == 1
    instruction.refresh_from_db()
    assert instruction.status == "confirmed"


def test_a_confirmation_the_portal_refuses_becomes_the_simulators_refusal(
    simulator, handler, django_capture_on_commit_callbacks
):
    def refuse_confirmations(**kwargs):
        handler.calls.append(kwargs)
        if kwargs["outcome"] == "confirmed":
            raise PortalError("This quote has expired.", code="quote_expired")

    services.core_outcome_handler_register(TEST_KIND, refuse_confirmations)
    instruction = enqueue(django_capture_on_commit_callbacks, {})
    assert [call["outcome"] for call in handler.calls] == ["confirmed", "refused"]
    instruction.refresh_from_db()
    assert (instruction.status, instruction.outcome_detail) == ("refused", "This quote has expired.")
    assert not AuditEvent.objects.filter(action="core_instruction.confirmed").exists()


def test_the_simulator_stays_silent_once_a_real_core_system_is_configured(core_system, handler):
    instruction = CoreInstruction.objects.create(
        kind=TEST_KIND, subject_reference="REF-1", status="accepted", attempts=1, sent_at=timezone.now()
    )
    assert services.core_simulator_answer(instruction_id=instruction.pk) is False
    assert handler.calls == []


def test_the_round_trip_with_a_real_core_system(core_system, core_client, handler, django_capture_on_commit_callbacks):
    instruction = enqueue(django_capture_on_commit_callbacks, {"proposed_schedule": SCHEDULE})
    [request] = core_system.requests
    sent = json.loads(request["body"])
    assert handler.calls == []  # sent and accepted, not yet carried out
    # The core system carries it out and answers, naming it by the idempotency key it received.
    response = answer(
        core_client,
        sent["idempotency_key"],
        {"outcome": "confirmed", "detail": "Done.", "data": {"schedule": SCHEDULE}},
    )
    assert response.status_code == 200
    assert [(call["subject_reference"], call["data"]) for call in handler.calls] == [("REF-1", {"schedule": SCHEDULE})]
    instruction.refresh_from_db()
    assert instruction.status == "confirmed"
