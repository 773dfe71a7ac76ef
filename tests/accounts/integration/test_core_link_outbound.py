"""Instructions leave for the core system after commit, signed with the current key; a failure
(an error, no answer in time, a redirect) is retried with backoff under the same idempotency key
until the last attempt, and staff see and retry the ones that failed."""

import json
import os
import subprocess
import sys
import threading
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.contrib import messages
from django.contrib.auth.models import Permission
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.integration.outbound import core_instruction_enqueue, services
from accounts.models import CoreInstruction
from portal.exceptions import PortalError
from portal.models import AuditEvent
from tests.accounts.integration import test_core_link_support as support
from tests.accounts.integration.test_core_link_support import (
    KEYS,
    TEST_KIND,
    instruction_state,
)
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

# The shared fixtures.
core_keys = support.core_keys
core_system = support.core_system

PAYLOAD = {"amount": "1200.00", "due_day": 15, "proposed_schedule": [{"due_date": "2025-07-15", "amount_due": "1.00"}]}
CHANGELIST = "admin:accounts_coreinstruction_changelist"


def enqueue(capture, reference="4b7f6a2c-2d7c-4c43-9c1c-0b6a4e1f2a10", payload=PAYLOAD):
    with capture(execute=True), transaction.atomic():
        return core_instruction_enqueue(kind=TEST_KIND, subject_reference=reference, payload=payload)


def later(seconds):
    return time_machine.travel(timezone.now() + timedelta(seconds=seconds))


def test_an_instruction_is_sent_after_commit_signed_with_the_current_key(
    core_system, django_capture_on_commit_callbacks
):
    instruction = enqueue(django_capture_on_commit_callbacks)

    [request] = core_system.requests
    assert request["signature_valid"]
    assert request["path"] == "/core/v1/instructions"
    assert request["headers"]["X-Core-Key-Id"] == "k-2025"
    assert request["headers"]["Idempotency-Key"] == str(instruction.idempotency_key)
    sent = json.loads(request["body"])
    assert (sent["kind"], sent["subject_reference"], sent["payload"]) == (
        TEST_KIND,
        "4b7f6a2c-2d7c-4c43-9c1c-0b6a4e1f2a10",
        PAYLOAD,
    )
    assert sent["answer_url"].endswith(f"/api/integration/v1/instructions/{instruction.idempotency_key}/outcome/")
    instruction.refresh_from_db()
    assert (instruction.status, instruction.attempts, instruction.last_error) == ("accepted", 1, "")
    assert instruction.sent_at is not None


def test_nothing_is_recorded_or_sent_when_the_callers_transaction_rolls_back(
    core_system, django_capture_on_commit_callbacks
):
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        core_instruction_enqueue(kind=TEST_KIND, subject_reference="ref", payload={})
        raise RuntimeError("the caller's own rule refused")
    assert core_system.requests == []
    assert not CoreInstruction.objects.exists()


def test_a_payload_that_is_not_plain_json_is_refused_before_anything_is_recorded(core_system):
    with pytest.raises(TypeError):
        core_instruction_enqueue(kind=TEST_KIND, subject_reference="ref", payload={"amount": Decimal("1.00")})
    assert not CoreInstruction.objects.exists()


def test_a_server_error_is_retried_after_a_backoff_with_the_same_idempotency_key(
    core_system, django_capture_on_commit_callbacks
):
    core_system.answers = [500, 200]
    instruction = enqueue(django_capture_on_commit_callbacks)
    instruction.refresh_from_db()
    assert (instruction.status, instruction.attempts) == ("pending", 1)
    assert instruction.last_error.startswith("HTTP 500")
    # First retry after 15–30 s (base 30 s, jitter in its upper half).
    wait = instruction.next_attempt_at - timezone.now()
    assert timedelta(seconds=14) <= wait <= timedelta(seconds=30)

    assert services.core_instructions_sweep() == 0  # not due yet: nothing sent
    assert len(core_system.requests) == 1
    with later(31):
        assert services.core_instructions_sweep() == 1

    first, second = core_system.requests
    assert first["headers"]["Idempotency-Key"] == second["headers"]["Idempotency-Key"]
    assert first["body"] == second["body"]
    assert second["signature_valid"]
    instruction.refresh_from_db()
    assert (instruction.status, instruction.attempts, instruction.last_error) == ("accepted", 2, "")


def test_no_answer_within_the_timeout_counts_as_a_failed_attempt(core_system, django_capture_on_commit_callbacks):
    core_system.answers = ["timeout"]
    instruction = enqueue(django_capture_on_commit_callbacks)
    instruction.refresh_from_db()
    assert (instruction.status, instruction.attempts) == ("pending", 1)
    assert instruction.last_error == "no answer within 0.5 s"


def test_a_redirect_is_a_failure_and_is_not_followed(core_system, django_capture_on_commit_callbacks):
    core_system.answers = [302]
    instruction = enqueue(django_capture_on_commit_callbacks)
    instruction.refresh_from_db()
    assert instruction.status == "pending"
    assert instruction.last_error.startswith("HTTP 302")
    assert len(core_system.requests) == 1


def test_an_unreachable_core_system_is_a_failure(core_keys, django_capture_on_commit_callbacks):
    core_keys.CORE_SYSTEM_URL = "http://127.0.0.1:9/instructions"  # the discard port: nothing listens
    instruction = enqueue(django_capture_on_commit_callbacks)
    instruction.refresh_from_db()
    assert instruction.status == "pending"
    assert instruction.last_error.startswith("cannot reach the core system")


def test_the_backoff_doubles_up_to_the_maximum_with_jitter(settings):
    settings.CORE_SYSTEM_RETRY_BASE_SECONDS = 30
    settings.CORE_SYSTEM_RETRY_MAX_SECONDS = 600
    for attempts, ceiling in [(1, 30), (2, 60), (3, 120), (5, 480), (6, 600), (12, 600)]:
        delays = {services.retry_delay(attempts).total_seconds() for _ in range(20)}
        assert all(ceiling / 2 <= delay <= ceiling for delay in delays), attempts
        assert len(delays) > 1  # jittered, so instructions that failed together spread out


def test_after_the_last_attempt_the_instruction_fails_and_the_failure_is_audited(
    core_system, django_capture_on_commit_callbacks
):
    core_system.answers = [500, 503, 500, 500]
    instruction = enqueue(django_capture_on_commit_callbacks)
    with later(40):
        services.core_instructions_sweep()
    with later(200):
        services.core_instructions_sweep()
    instruction.refresh_from_db()
    assert (instruction.status, instruction.attempts, instruction.next_attempt_at) == ("failed", 3, None)
    assert instruction.last_error.startswith("HTTP 500")
    event = AuditEvent.objects.get(action="core_instruction.failed")
    assert event.target_id == str(instruction.pk)
    with later(100_000):
        assert services.core_instructions_sweep() == 0
    assert len(core_system.requests) == 3


def test_a_lost_broker_message_only_delays_the_send(core_system):
    # No on-commit callback runs here: as if the broker had been down when the caller committed.
    instruction = core_instruction_enqueue(kind=TEST_KIND, subject_reference="ref", payload={})
    assert core_system.requests == []
    assert services.core_instructions_sweep() == 1
    assert core_system.requests[0]["headers"]["Idempotency-Key"] == str(instruction.idempotency_key)


def test_an_instruction_being_sent_is_not_sent_again_until_its_claim_is_abandoned(core_system):
    instruction = CoreInstruction.objects.create(
        kind=TEST_KIND, subject_reference="ref", status="sending", claimed_at=timezone.now(), attempts=1
    )
    assert services.core_instruction_send(instruction_id=instruction.pk) is False
    assert services.core_instructions_sweep() == 0
    assert core_system.requests == []
    with later(11 * 60):  # the worker that claimed it died mid-send
        assert services.core_instructions_sweep() == 1
    assert core_system.requests[0]["headers"]["Idempotency-Key"] == str(instruction.idempotency_key)
    instruction.refresh_from_db()
    assert (instruction.status, instruction.attempts) == ("accepted", 2)


def test_an_answered_instruction_is_never_sent_again(core_system):
    instruction = CoreInstruction.objects.create(kind=TEST_KIND, subject_reference="ref", status="confirmed")
    assert services.core_instruction_send(instruction_id=instruction.pk) is False
    assert core_system.requests == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no row locks to skip")
@pytest.mark.django_db(transaction=True)
def test_a_row_another_worker_holds_is_skipped_not_sent_twice(core_system):
    instruction = CoreInstruction.objects.create(
        kind=TEST_KIND, subject_reference="ref", next_attempt_at=timezone.now()
    )
    locked, release = threading.Event(), threading.Event()

    def other_worker():
        with transaction.atomic():
            CoreInstruction.objects.select_for_update().get(pk=instruction.pk)
            locked.set()
            release.wait(10)
        connection.close()

    worker = threading.Thread(target=other_worker)
    worker.start()
    try:
        assert locked.wait(10)
        assert services.core_instruction_send(instruction_id=instruction.pk) is False
    finally:
        release.set()
        worker.join()
    assert core_system.requests == []
    assert services.core_instruction_send(instruction_id=instruction.pk) is True
    assert len(core_system.requests) == 1


def test_after_rotation_requests_are_signed_with_the_new_key(core_system, settings, django_capture_on_commit_callbacks):
    core_system.keys = {"k-2026": KEYS["k-2026"]}  # the core system already dropped the old key
    settings.CORE_SYSTEM_CURRENT_KEY_ID = "k-2026"
    enqueue(django_capture_on_commit_callbacks)
    [request] = core_system.requests
    assert request["headers"]["X-Core-Key-Id"] == "k-2026"
    assert request["signature_valid"]


def test_a_request_the_core_system_cannot_verify_is_retried_not_lost(core_system, django_capture_on_commit_callbacks):
    core_system.keys = {"k-2025": "a-secret-the-portal-does-not-have"}
    instruction = enqueue(django_capture_on_commit_callbacks)
    instruction.refresh_from_db()
    assert instruction.status == "pending"
    assert instruction.last_error.startswith("HTTP 401")


# Staff


def failed_instruction(reference="REF-FAILED"):
    return CoreInstruction.objects.create(
        kind=TEST_KIND, subject_reference=reference, status="failed", attempts=3, last_error="HTTP 503"
    )


def retry(client, *instructions):
    return client.post(
        reverse(CHANGELIST),
        {"action": "retry_now", "_selected_action": [item.pk for item in instructions]},
        follow=True,
    )


def test_support_retries_a_failed_instruction_under_its_same_key(
    client, core_system, django_capture_on_commit_callbacks
):
    failed = failed_instruction()
    confirmed = CoreInstruction.objects.create(kind=TEST_KIND, subject_reference="REF-DONE", status="confirmed")
    agent = StaffFactory(group="Support agent")
    client.force_login(agent)

    with django_capture_on_commit_callbacks(execute=True):
        response = retry(client, failed, confirmed)

    assert [message.level for message in response.context["messages"]] == [messages.SUCCESS]
    [request] = core_system.requests  # the answered one is left alone
    assert request["headers"]["Idempotency-Key"] == str(failed.idempotency_key)
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("accepted", 1)
    event = AuditEvent.objects.get(action="core_instruction.retried")
    assert (event.actor, event.target_id) == (agent, str(failed.pk))
    assert event.before == {"status": "failed", "attempts": 3, "last_error": "HTTP 503"}


def test_selecting_only_answered_instructions_changes_nothing(client, core_system):
    confirmed = CoreInstruction.objects.create(kind=TEST_KIND, subject_reference="REF-DONE", status="confirmed")
    client.force_login(StaffFactory(group="Supervisor"))
    before = instruction_state()
    response = retry(client, confirmed)
    assert [message.level for message in response.context["messages"]] == [messages.WARNING]
    assert instruction_state() == before
    assert not AuditEvent.objects.filter(action="core_instruction.retried").exists()


def test_staff_without_the_permission_cannot_retry(client, core_system):
    failed = failed_instruction()
    reviewer = StaffFactory(group="Appeals reviewer")
    reviewer.user_permissions.add(Permission.objects.get(codename="view_coreinstruction"))
    client.force_login(reviewer)
    page = client.get(reverse(CHANGELIST))
    assert page.status_code == 200
    assert b"retry_now" not in page.content  # the action is not offered
    before = instruction_state()
    retry(client, failed)
    assert instruction_state() == before
    with pytest.raises(PortalError):
        services.core_instructions_retry(instructions=[failed], actor=reviewer)
    assert instruction_state() == before
    assert core_system.requests == []


def test_staff_filter_instructions_by_status_and_find_one_by_reference(client, django_assert_max_num_queries):
    failed_instruction("REF-ONE")
    failed_instruction("REF-TWO")
    CoreInstruction.objects.create(kind="other.kind", subject_reference="REF-THREE", status="confirmed")
    client.force_login(StaffFactory(group="Support agent"))
    with django_assert_max_num_queries(15):
        response = client.get(reverse(CHANGELIST), {"status__exact": "failed", "kind": TEST_KIND})
    assert [row.subject_reference for row in response.context["cl"].result_list] == ["REF-TWO", "REF-ONE"]
    response = client.get(reverse(CHANGELIST), {"q": "REF-THREE"})
    assert [row.subject_reference for row in response.context["cl"].result_list] == ["REF-THREE"]
    for _ in range(20):
        failed_instruction("REF-MORE")
    with django_assert_max_num_queries(15):
        assert client.get(reverse(CHANGELIST)).status_code == 200


@pytest.mark.parametrize(
    ("keys", "current", "starts"),
    [
        ("k-2025=first-shared-secret", "k-2026", False),
        ("", "", False),
        ("k-2025=first-shared-secret,k-2026=second-shared-secret", "k-2026", True),
    ],
)
def test_a_core_system_url_without_its_current_key_refuses_to_start(keys, current, starts):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "CORE_SYSTEM_URL": "https://core.lender.example/instructions",
        "CORE_SYSTEM_KEYS": keys,
        "CORE_SYSTEM_CURRENT_KEY_ID": current,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=Path(__file__).resolve().parents[3],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (result.returncode == 0) is starts, result.stderr
    if not starts:
        assert "CORE_SYSTEM_CURRENT_KEY_ID must name a key in CORE_SYSTEM_KEYS." in result.stderr
