"""The core system's answers to repayment instructions: confirmed (the schedule or autopay changes
now) or refused; an unknown or already answered instruction is refused and changes nothing."""

import functools
import uuid
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.integration.outbound import core_outcome_handler_register
from accounts.models import RepaymentInstallment, RepaymentInstruction
from accounts.repayment import schedule
from accounts.repayment.services.common import (
    CORE_KINDS,
    Kind,
    RepaymentRefused,
    Status,
    _audit,
    _instruction_lock,
    _movable_installments,
    _notify,
)
from portal.exceptions import PortalError


def _schedule_rows(data):
    rows = []
    try:
        for item in data:
            due_date = date.fromisoformat(item["due_date"])
            amount = Decimal(str(item["amount_due"]))
            if not amount.is_finite() or amount < 0 or amount != amount.quantize(schedule.FEN):
                raise ValueError(amount)
            rows.append((due_date, amount))
    except (KeyError, TypeError, ValueError, InvalidOperation):
        raise PortalError(_("The schedule in the answer is not valid."), code="bad_schedule") from None
    if not rows:
        raise PortalError(_("The schedule in the answer is empty."), code="bad_schedule")
    return rows


def _schedule_replace(instruction, rows, *, from_date):
    """Replace the movable instalments from ``from_date`` with ``rows``."""
    account = instruction.account
    _movable_installments(account=account, from_date=from_date).delete()
    prefix = instruction.reference.hex[:16]
    RepaymentInstallment.objects.bulk_create(
        [
            RepaymentInstallment(account=account, external_id=f"R{prefix}-{index:03d}", due_date=due, amount_due=amount)
            for index, (due, amount) in enumerate(rows, start=1)
        ]
    )


def repayment_outcome_record(*, kind, subject_reference, outcome, detail, data, now=None):
    """Record the core system's answer to a repayment instruction: confirmed (the schedule or
    autopay changes now) or refused. An unknown instruction, or one already answered, is
    refused (PortalError): nothing changes."""
    now = now or timezone.now()
    try:
        reference = uuid.UUID(str(subject_reference))
    except ValueError:
        reference = None
    found = (
        RepaymentInstruction.objects.filter(reference=reference, kind=kind).values_list("pk", flat=True).first()
        if reference
        else None
    )
    if found is None:
        raise PortalError(_("No repayment instruction has this reference."), code="unknown_instruction")
    with transaction.atomic():
        instruction = _instruction_lock(found)
        if instruction.status != Status.SENT:
            raise RepaymentRefused(_("This instruction was already answered."), code="already_answered")
        if outcome == "confirmed":
            if instruction.kind in (Kind.DUE_DAY_CHANGE, Kind.HARDSHIP_PLAN):
                rows = _schedule_rows((data or {}).get("schedule") or instruction.proposed_schedule)
                if instruction.kind == Kind.DUE_DAY_CHANGE:
                    from_date = date.fromisoformat(instruction.parameters["effective_from"])
                else:
                    from_date = timezone.localdate(now)
                _schedule_replace(instruction, rows, from_date=min(from_date, rows[0][0]))
            elif instruction.kind == Kind.AUTOPAY:
                instruction.account.autopay_enabled = bool(instruction.parameters.get("enabled"))
                instruction.account.save(update_fields=["autopay_enabled", "updated_at"])
            instruction.status = Status.CONFIRMED
        elif outcome == "refused":
            instruction.status = Status.REFUSED
        else:
            raise PortalError(_("The answer must be confirmed or refused."), code="bad_outcome")
        instruction.core_detail = (detail or "")[:2000]
        instruction.completed_at = now
        instruction.save(update_fields=["status", "core_detail", "completed_at"])
        _audit(
            actor=None,
            actor_label="core_system",
            action=f"core_{instruction.status}",
            instruction=instruction,
            summary=instruction.core_detail,
        )
        _notify(instruction, instruction.status)
    return instruction


def outcome_handlers_register():
    """Register a handler per repayment kind with the core-system link (AccountsConfig.ready)."""
    for kind, core_kind in CORE_KINDS.items():
        core_outcome_handler_register(core_kind, functools.partial(_handle, kind))


def _handle(kind, *, subject_reference, outcome, detail, data):
    repayment_outcome_record(kind=kind, subject_reference=subject_reference, outcome=outcome, detail=detail, data=data)
