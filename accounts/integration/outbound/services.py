"""Instructions for the core system: recorded in the outbox inside the caller's transaction, sent
after commit as a signed POST (retried with backoff under the same idempotency key), and closed
by the core system's signed answer, which calls the handler registered for the instruction's kind.

Without ``CORE_SYSTEM_URL`` (the demo) a built-in simulator stands in for the core system: it
accepts each instruction and confirms it after ``CORE_SYSTEM_SIMULATOR_DELAY_SECONDS`` through the
same answer-recording service, so the whole flow works locally."""

import json
import logging
import random
import time
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import urlsplit

from celery import current_app
from django.conf import settings
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.integration.outbound import signing
from accounts.models import CoreInstruction
from portal.exceptions import PortalError
from portal.services import audit_event_record, task_enqueue_on_commit

logger = logging.getLogger(__name__)

SEND_TASK = "accounts.integration.outbound.tasks.core_instruction_send"
SIMULATOR_TASK = "accounts.integration.outbound.tasks.core_simulator_answer"
OUTCOMES = ("confirmed", "refused")
SIMULATOR_LABEL = "core-system simulator"
SIMULATOR_DETAIL = "Confirmed by the built-in core-system simulator."
# A row left "sending" this long (its worker died mid-request) is sent again, under the same key.
STALE_CLAIM = timedelta(minutes=10)
SWEEP_BATCH = 50
# The sweep stops starting new sends after this many seconds, well inside its time limit.
SWEEP_BUDGET_SECONDS = 150
ERROR_MAX_LENGTH = 500

_handlers = {}


class InstructionUnknown(PortalError):
    status_code = 404


class AnswerConflict(PortalError):
    status_code = 409


class CoreSystemUnavailable(Exception):
    """A send failed: no answer, a timeout, or an answer that is not 2xx."""


# Handlers


def core_outcome_handler_register(kind: str, handler) -> None:
    """handler(*, subject_reference: str, outcome: str, detail: str, data: dict) -> None is called
    inside the transaction that records the core system's answer; outcome is "confirmed" or
    "refused"; raise PortalError to refuse the answer (the whole answer is then rolled back)."""
    _handlers[kind] = handler


def core_outcome_handler_unregister(kind: str) -> None:
    _handlers.pop(kind, None)


# Recording


def core_instruction_enqueue(*, kind: str, subject_reference: str, payload: dict) -> CoreInstruction:
    """Record an instruction for the core system. Call inside the caller's transaction.atomic();
    the signed request leaves after commit through the outbox (retried with backoff)."""
    json.dumps(payload)  # a payload that is not plain JSON is the caller's bug: fail before anything is saved
    with transaction.atomic():
        instruction = CoreInstruction.objects.create(
            kind=kind, subject_reference=str(subject_reference), payload=payload, next_attempt_at=timezone.now()
        )
        task_enqueue_on_commit(SEND_TASK, instruction.pk)
    return instruction


def simulator_active() -> bool:
    return not settings.CORE_SYSTEM_URL


# Sending


def core_instruction_send(*, instruction_id: int) -> bool:
    """Send one instruction if it is due and no other worker holds it; True once the core system
    (or the simulator) accepted it. A failure is counted and retried later by the sweep."""
    instruction = _claim(instruction_id)
    if instruction is None:
        return False
    if simulator_active():
        _accepted_record(instruction)
        _simulator_answer_schedule(instruction.pk)
        return True
    try:
        _post(instruction)
    except (CoreSystemUnavailable, PortalError, OSError) as error:
        _failure_record(instruction, error)
        return False
    _accepted_record(instruction)
    return True


def _simulator_answer_schedule(instruction_id):
    """Queue the simulator's answer after its delay (eager in tests: at once). A lost message only
    delays it: the sweep answers accepted instructions whose delay is up."""
    signature = current_app.signature(
        SIMULATOR_TASK, args=(instruction_id,), countdown=settings.CORE_SYSTEM_SIMULATOR_DELAY_SECONDS
    )

    def enqueue():
        if settings.CELERY_TASK_ALWAYS_EAGER:
            signature.apply_async()
            return
        try:
            signature.apply_async()
        except Exception:  # the broker's failure must not undo a send that succeeded
            logger.warning(
                "Could not queue the simulator's answer to %s; the sweep will.", instruction_id, exc_info=True
            )

    transaction.on_commit(enqueue)


def _skip_locked():
    return {"skip_locked": True} if db_connection.features.has_select_for_update_skip_locked else {}


def _due(now):
    pending = Q(status=CoreInstruction.Status.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    abandoned = Q(status=CoreInstruction.Status.SENDING, claimed_at__lte=now - STALE_CLAIM)
    return pending | abandoned


def _claim(instruction_id):
    """Take the row for this worker: locked while it is marked "sending" (another worker skips
    it), then released, so the request itself holds no transaction open."""
    now = timezone.now()
    with transaction.atomic():
        instruction = (
            CoreInstruction.objects.select_for_update(**_skip_locked()).filter(_due(now), pk=instruction_id).first()
        )
        if instruction is None:
            return None
        instruction.status = CoreInstruction.Status.SENDING
        instruction.claimed_at = now
        instruction.attempts += 1
        instruction.save(update_fields=["status", "claimed_at", "attempts"])
    return instruction


def request_body(instruction) -> bytes:
    """What the core system receives: the instruction and where to send its answer."""
    return json.dumps(
        {
            "idempotency_key": str(instruction.idempotency_key),
            "kind": instruction.kind,
            "subject_reference": instruction.subject_reference,
            "payload": instruction.payload,
            "created_at": instruction.created_at.isoformat(),
            "answer_url": f"{settings.SITE_URL}/api/integration/v1/instructions/{instruction.idempotency_key}/outcome/",
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is a failure: following it would resend the signed request somewhere else."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _post(instruction):
    url = settings.CORE_SYSTEM_URL
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise CoreSystemUnavailable(f"CORE_SYSTEM_URL must be an http or https address, not {url!r}")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    body = request_body(instruction)
    headers = {
        "Content-Type": "application/json",
        signing.IDEMPOTENCY_HEADER: str(instruction.idempotency_key),
        **signing.request_headers_sign(method="POST", path=path, body=body),
    }
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 -- scheme checked above
    try:
        with _opener.open(request, timeout=settings.CORE_SYSTEM_TIMEOUT_SECONDS) as response:
            response.read(2000)
    except urllib.error.HTTPError as error:
        text = error.read(200).decode(errors="replace")
        raise CoreSystemUnavailable(f"HTTP {error.code}: {text}".strip()) from error
    except TimeoutError as error:
        raise CoreSystemUnavailable(f"no answer within {settings.CORE_SYSTEM_TIMEOUT_SECONDS:g} s") from error
    except urllib.error.URLError as error:
        raise CoreSystemUnavailable(f"cannot reach the core system: {error.reason}") from error


def _accepted_record(instruction):
    # Only a row still "sending": an answer that already came back (a fast core system) stays.
    CoreInstruction.objects.filter(pk=instruction.pk, status=CoreInstruction.Status.SENDING).update(
        status=CoreInstruction.Status.ACCEPTED,
        sent_at=timezone.now(),
        claimed_at=None,
        next_attempt_at=None,
        last_error="",
    )


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff with jitter: base × 2^(attempts−1), at most the maximum, then a random
    point in its upper half, so instructions that failed together do not retry together."""
    ceiling = min(
        settings.CORE_SYSTEM_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), settings.CORE_SYSTEM_RETRY_MAX_SECONDS
    )
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))


def _failure_record(instruction, error):
    logger.warning("Core-system instruction %s (attempt %s) failed: %s", instruction.pk, instruction.attempts, error)
    failed = instruction.attempts >= settings.CORE_SYSTEM_MAX_ATTEMPTS
    now = timezone.now()
    message = str(getattr(error, "message", error))[:ERROR_MAX_LENGTH]
    with transaction.atomic():
        updated = CoreInstruction.objects.filter(pk=instruction.pk, status=CoreInstruction.Status.SENDING).update(
            status=CoreInstruction.Status.FAILED if failed else CoreInstruction.Status.PENDING,
            claimed_at=None,
            last_error=message,
            next_attempt_at=None if failed else now + retry_delay(instruction.attempts),
        )
        if updated and failed:
            audit_event_record(
                actor=None,
                actor_label="core-system link",
                action="core_instruction.failed",
                target=instruction,
                summary=f"Gave up after {instruction.attempts} attempts: {message}",
            )


def core_instructions_sweep(*, limit: int = SWEEP_BATCH) -> int:
    """Beat: send the instructions whose next attempt is due (a lost broker message, a retry after
    a failure, a worker that died mid-send) and, in simulator mode, answer the accepted ones whose
    delay is up. Returns how many were sent."""
    now = timezone.now()
    started = time.monotonic()
    due = list(
        CoreInstruction.objects.filter(_due(now)).order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for instruction_id in due:
        if time.monotonic() - started > SWEEP_BUDGET_SECONDS:
            break
        sent += core_instruction_send(instruction_id=instruction_id)
    if simulator_active():
        delay = timedelta(seconds=settings.CORE_SYSTEM_SIMULATOR_DELAY_SECONDS)
        waiting = CoreInstruction.objects.filter(status=CoreInstruction.Status.ACCEPTED, sent_at__lte=now - delay)
        for instruction_id in waiting.order_by("sent_at", "pk").values_list("pk", flat=True)[:limit]:
            core_simulator_answer(instruction_id=instruction_id)
    return sent


# Answers


def core_outcome_record(*, idempotency_key, outcome: str, detail: str = "", data=None, actor=None, request=None):
    """Record the core system's answer to an instruction and call its kind's handler, in one
    transaction: a handler's PortalError rolls the whole answer back. The same answer twice
    returns the stored one (``replayed`` True); a different second answer is refused (409).
    Returns ``(instruction, replayed)``."""
    data = {} if data is None else data
    if outcome not in OUTCOMES:
        raise PortalError(_("The outcome must be “confirmed” or “refused”."), code="invalid", field="outcome")
    with transaction.atomic():
        instruction = CoreInstruction.objects.select_for_update().filter(idempotency_key=idempotency_key).first()
        if instruction is None:
            raise InstructionUnknown(_("No instruction has this idempotency key."), code="not_found")
        if instruction.is_answered:
            if (instruction.status, instruction.outcome_detail, instruction.outcome_data) == (outcome, detail, data):
                return instruction, True
            raise AnswerConflict(
                _("This instruction already has a different answer; an answer cannot be changed."),
                code="already_answered",
            )
        before = {"status": instruction.status}
        instruction.status = outcome
        instruction.outcome_detail = detail
        instruction.outcome_data = data
        instruction.answered_at = timezone.now()
        instruction.claimed_at = None
        instruction.next_attempt_at = None
        instruction.save(
            update_fields=["status", "outcome_detail", "outcome_data", "answered_at", "claimed_at", "next_attempt_at"]
        )
        handler = _handlers.get(instruction.kind)
        if handler is None:
            logger.warning("No handler for core-system instructions of kind %r", instruction.kind)
        else:
            handler(subject_reference=instruction.subject_reference, outcome=outcome, detail=detail, data=data)
        audit_event_record(
            actor=actor,
            actor_label=None if actor is not None else SIMULATOR_LABEL,
            action=f"core_instruction.{outcome}",
            target=instruction,
            summary=detail,
            before=before,
            after={"status": outcome, "data": data},
            request=request,
        )
    return instruction, False


def core_simulator_answer(*, instruction_id: int) -> bool:
    """The built-in simulator's answer: confirm, with the proposed schedule when the payload has
    one. If the portal refuses the confirmation (its handler raised PortalError), the simulator
    refuses the instruction instead, as a core system would answer one it cannot carry out."""
    instruction = CoreInstruction.objects.filter(pk=instruction_id).first()
    if instruction is None or instruction.status != CoreInstruction.Status.ACCEPTED or not simulator_active():
        return False
    schedule = instruction.payload.get("proposed_schedule") if isinstance(instruction.payload, dict) else None
    data = {"schedule": schedule} if schedule is not None else {}
    try:
        core_outcome_record(
            idempotency_key=instruction.idempotency_key, outcome="confirmed", detail=SIMULATOR_DETAIL, data=data
        )
    except PortalError as refusal:
        try:
            core_outcome_record(idempotency_key=instruction.idempotency_key, outcome="refused", detail=str(refusal))
        except PortalError as error:
            logger.error("The simulator could not answer instruction %s: %s", instruction.pk, error)
            CoreInstruction.objects.filter(pk=instruction.pk).update(last_error=str(error)[:ERROR_MAX_LENGTH])
            return False
    return True


# Staff


def core_instructions_retry(*, instructions, actor, request=None) -> int:
    """Staff: send these instructions again now, each with a fresh count of attempts and its same
    idempotency key (the core system carries out an instruction once, however often it is sent).
    Only instructions without an answer and not in flight are retried. Audited per instruction.
    Returns how many were queued."""
    if not actor.has_perm("accounts.retry_coreinstruction"):
        raise PortalError(_("You do not have permission to send core system instructions again."), code="forbidden")
    retryable = [CoreInstruction.Status.FAILED, CoreInstruction.Status.PENDING, CoreInstruction.Status.ACCEPTED]
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            CoreInstruction.objects.select_for_update()
            .filter(pk__in=[instruction.pk for instruction in instructions], status__in=retryable)
            .order_by("pk")
        )
        for row in rows:
            before = {"status": row.status, "attempts": row.attempts, "last_error": row.last_error}
            row.status = CoreInstruction.Status.PENDING
            row.attempts = 0
            row.next_attempt_at = now
            row.save(update_fields=["status", "attempts", "next_attempt_at"])
            audit_event_record(
                actor=actor,
                action="core_instruction.retried",
                target=row,
                summary=f"Sent again by staff; last error: {before['last_error']}",
                before=before,
                after={"status": row.status, "attempts": 0},
                request=request,
            )
            task_enqueue_on_commit(SEND_TASK, row.pk)
    return len(rows)
