"""Hardship plans: requested with a reason and optional evidence, decided by a support agent (a
second person above a threshold), accepted or declined by the borrower after seeing the schedule."""

import hashlib
import secrets
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import CreditAccount, RepaymentInstruction
from accounts.repayment import schedule
from accounts.repayment.services.common import (
    APPROVE_PERMISSION,
    DECIDE_PERMISSION,
    DUE_DAY_MAX,
    HARDSHIP_MAX_MONTHS,
    HARDSHIP_MODES,
    Kind,
    RepaymentRefused,
    StaffPermissionRefused,
    Status,
    _account_lock,
    _audit,
    _instruction_lock,
    _movable_installments,
    _notify,
    _pending_refuse,
    _send,
)
from portal.exceptions import PortalError
from portal.services import audit_event_record
from portal.uploads import display_name, upload_check


def _evidence_path(stored_name):
    return Path(settings.PRIVATE_MEDIA_ROOT) / "repayment" / stored_name[:2] / stored_name


def _evidence_write(upload, extension):
    stored_name = secrets.token_hex(16) + extension
    path = _evidence_path(stored_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    upload.seek(0)
    with open(path, "xb") as target:
        for chunk in upload.chunks():
            digest.update(chunk)
            target.write(chunk)
    return stored_name


def hardship_evidence_path(instruction):
    return _evidence_path(instruction.evidence_stored_name) if instruction.evidence_stored_name else None


def _hardship_checks(*, account, mode, months, today):
    if account.status == CreditAccount.Status.CLEARED:
        raise RepaymentRefused(
            _(
                "This line was cleared, so a hardship plan cannot be requested for it. You can still repay "
                "and appeal the clearance; if you cannot repay, please contact support."
            ),
            code="cleared",
        )
    if account.outstanding_balance <= 0:
        raise RepaymentRefused(_("Nothing is owed on this line, so there is nothing to reschedule."), code="no_balance")
    if mode not in HARDSHIP_MODES:
        raise PortalError(_("Choose lower payments or a longer term."), field="mode", code="mode")
    try:
        months = int(months)
    except (TypeError, ValueError):
        months = 0
    if not 1 <= months <= HARDSHIP_MAX_MONTHS:
        raise PortalError(
            _("Choose a period of 1 to %(max)s months.") % {"max": HARDSHIP_MAX_MONTHS}, field="months", code="months"
        )
    remaining = len(_movable_installments(account=account, from_date=today + timedelta(days=1)))
    if mode == schedule.LOWER_PAYMENTS and months >= remaining:
        raise PortalError(
            _(
                "Your schedule has %(count)s instalments left, so lower payments must last fewer months than that. "
                "Choose fewer months, or a longer term instead."
            )
            % {"count": remaining},
            field="months",
            code="months_too_long",
        )
    return months, remaining


def hardship_plan_compute(*, account, mode, months, today):
    """The new schedule for a hardship plan on ``account`` as it stands ``today``."""
    months, remaining = _hardship_checks(account=account, mode=mode, months=months, today=today)
    rows = list(_movable_installments(account=account, from_date=today + timedelta(days=1)))
    due_day = rows[0].due_date.day if rows else min(today.day, DUE_DAY_MAX)
    due_day = min(due_day, DUE_DAY_MAX)
    return schedule.hardship_schedule(
        principal=account.outstanding_balance,
        daily_rate=account.product.daily_interest_rate,
        today=today,
        due_day=due_day,
        remaining_count=remaining,
        mode=mode,
        months=months,
    )


def hardship_request(*, user, account_id, mode, months, reason, evidence=None, request=None, now=None):
    """The borrower asks for lower payments or a longer term for ``months`` months, with a reason
    and optional evidence (checked as appeal evidence is). A support agent decides it."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    reason = (reason or "").strip()
    written = None
    try:
        with transaction.atomic():
            account = _account_lock(user=user, account_id=account_id)
            months, _remaining = _hardship_checks(account=account, mode=mode, months=months, today=today)
            if not reason:
                raise PortalError(
                    _("Tell us briefly why repaying is hard right now."), field="reason", code="reason_required"
                )
            _pending_refuse(account=account, kind=Kind.HARDSHIP_PLAN)
            evidence_fields = {}
            if evidence is not None:
                try:
                    content_type, extension = upload_check(evidence, max_bytes=settings.APPEAL_EVIDENCE_MAX_BYTES)
                except PortalError as error:
                    error.field = "evidence"  # shown beside the page's one file field
                    raise
                written = _evidence_write(evidence, extension)
                evidence_fields = {
                    "evidence_name": display_name(evidence.name)[:120],
                    "evidence_stored_name": written,
                    "evidence_content_type": content_type,
                }
            instruction = RepaymentInstruction.objects.create(
                account=account,
                kind=Kind.HARDSHIP_PLAN,
                requested_by=user,
                amount=account.outstanding_balance,
                parameters={"mode": mode, "months": months},
                reason=reason,
                requested_at=now,
                **evidence_fields,
            )
            _audit(
                actor=user,
                action="requested",
                instruction=instruction,
                request=request,
                after={"mode": mode, "months": months, "evidence": bool(written)},
            )
    except Exception:
        if written:
            _evidence_path(written).unlink(missing_ok=True)
        raise
    return instruction


def _permission_check(*, actor, permission, instruction_id, request):
    """Refuse (and record the refusal, outside the decision's transaction so it stays) a staff
    member without ``permission``."""
    if actor.has_perm(permission):
        return
    instruction = RepaymentInstruction.objects.select_related("account").filter(pk=instruction_id).first()
    message = _("You do not have permission to decide hardship plans.")
    audit_event_record(
        actor=actor,
        action="repayment.refused",
        target=instruction.account if instruction else None,
        summary=message,
        request=request,
    )
    raise StaffPermissionRefused(message, code="permission")


def _staff_check(*, actor, permission, instruction, request):
    if not actor.has_perm(permission):
        raise StaffPermissionRefused(_("You do not have permission to decide hardship plans."), code="permission")
    if actor.customer_id is not None and actor.customer_id == instruction.account.customer_id:
        raise StaffPermissionRefused(_("You cannot decide your own request."), code="own_request")


def _reject(instruction, *, actor, note, now, request, action):
    if not (note or "").strip():
        raise PortalError(
            _("Give the borrower the reason for rejecting the request."), field="note", code="note_required"
        )
    instruction.status, instruction.decision_note, instruction.completed_at = Status.REJECTED, note.strip(), now
    instruction.save(
        update_fields=[
            "status",
            "decision_note",
            "completed_at",
            "decided_by",
            "decided_at",
            "approved_by",
            "approved_at",
        ]
    )
    _audit(actor=actor, action=action, instruction=instruction, request=request, summary=note.strip())
    _notify(instruction, "rejected")


def _offer(instruction, *, actor, now, request, action):
    instruction.status, instruction.offered_at = Status.OFFERED, now
    instruction.save(
        update_fields=[
            "status",
            "offered_at",
            "parameters",
            "proposed_schedule",
            "decision_note",
            "decided_by",
            "decided_at",
            "approved_by",
            "approved_at",
        ]
    )
    _audit(actor=actor, action=action, instruction=instruction, request=request, after={"status": Status.OFFERED})
    _notify(instruction, "offered")


def hardship_decide(*, actor, instruction_id, approve, note="", request=None, now=None):
    """A support agent approves (the new schedule is computed and shown to the borrower) or
    rejects (with the reason) a hardship request. Above REPAYMENT_HARDSHIP_SECOND_APPROVAL_AMOUNT
    an approval waits for a second person."""
    now = now or timezone.now()
    _permission_check(actor=actor, permission=DECIDE_PERMISSION, instruction_id=instruction_id, request=request)
    with transaction.atomic():
        instruction = _instruction_lock(instruction_id)
        _staff_check(actor=actor, permission=DECIDE_PERMISSION, instruction=instruction, request=request)
        if instruction.kind != Kind.HARDSHIP_PLAN or instruction.status != Status.REQUESTED:
            raise RepaymentRefused(_("This request was already decided."), code="already_decided")
        instruction.decided_by, instruction.decided_at = actor, now
        if not approve:
            _reject(instruction, actor=actor, note=note, now=now, request=request, action="hardship_rejected")
            return instruction
        try:
            rows = hardship_plan_compute(
                account=instruction.account,
                mode=instruction.parameters.get("mode"),
                months=instruction.parameters.get("months"),
                today=timezone.localdate(now),
            )
        except PortalError as error:
            raise RepaymentRefused(
                _("The plan no longer fits this line: %(why)s Reject it with that reason.") % {"why": error.message},
                code="plan_unfit",
            ) from None
        instruction.proposed_schedule = [row.as_data() for row in rows]
        # The balance the schedule repays: an offer made on another balance is not accepted.
        instruction.parameters = {**instruction.parameters, "principal": str(instruction.account.outstanding_balance)}
        instruction.decision_note = (note or "").strip()
        if instruction.amount is not None and instruction.amount > settings.REPAYMENT_HARDSHIP_SECOND_APPROVAL_AMOUNT:
            instruction.status = Status.AWAITING_APPROVAL
            instruction.save(
                update_fields=["status", "parameters", "proposed_schedule", "decision_note", "decided_by", "decided_at"]
            )
            _audit(
                actor=actor,
                action="hardship_approved_first",
                instruction=instruction,
                request=request,
                after={"status": Status.AWAITING_APPROVAL},
            )
            return instruction
        _offer(instruction, actor=actor, now=now, request=request, action="hardship_approved")
    return instruction


def hardship_second_approve(*, actor, instruction_id, approve, note="", request=None, now=None):
    """The second approval of a plan above the threshold, by someone other than who decided it."""
    now = now or timezone.now()
    _permission_check(actor=actor, permission=APPROVE_PERMISSION, instruction_id=instruction_id, request=request)
    with transaction.atomic():
        instruction = _instruction_lock(instruction_id)
        _staff_check(actor=actor, permission=APPROVE_PERMISSION, instruction=instruction, request=request)
        if instruction.status != Status.AWAITING_APPROVAL:
            raise RepaymentRefused(_("This request is not waiting for a second approval."), code="not_awaiting")
        if instruction.decided_by_id == actor.pk:
            raise StaffPermissionRefused(
                _("A second person must approve this plan: you decided it yourself."), code="same_person"
            )
        instruction.approved_by, instruction.approved_at = actor, now
        if not approve:
            _reject(instruction, actor=actor, note=note, now=now, request=request, action="hardship_rejected_second")
            return instruction
        _offer(instruction, actor=actor, now=now, request=request, action="hardship_approved_second")
    return instruction


def hardship_answer(*, user, account_id, reference, accept, request=None, now=None):
    """The borrower accepts the offered schedule (it goes to the core system) or declines it."""
    now = now or timezone.now()
    with transaction.atomic():
        account = _account_lock(user=user, account_id=account_id)
        instruction = (
            RepaymentInstruction.objects.select_for_update(of=("self",))
            .filter(account=account, reference=reference, kind=Kind.HARDSHIP_PLAN)
            .first()
        )
        if instruction is None:
            raise RepaymentInstruction.DoesNotExist
        if instruction.status != Status.OFFERED:
            raise RepaymentRefused(_("This plan can no longer be answered."), code="not_offered")
        principal = instruction.parameters.get("principal")
        if accept and principal is not None and Decimal(principal) != account.outstanding_balance:
            raise RepaymentRefused(
                _(
                    "What you owe has changed since this plan was made, so it no longer adds up. "
                    "Decline it and ask for a new plan; your schedule stays as it is until then."
                ),
                code="balance_changed",
            )
        instruction.answered_at = now
        if not accept:
            instruction.status, instruction.completed_at = Status.DECLINED, now
            instruction.save(update_fields=["status", "answered_at", "completed_at"])
            _audit(actor=user, action="hardship_declined", instruction=instruction, request=request)
            return instruction
        instruction.status = Status.ACCEPTED
        instruction.save(update_fields=["status", "answered_at"])
        _audit(actor=user, action="hardship_accepted", instruction=instruction, request=request)
        _send(
            instruction,
            now=now,
            payload={
                "account": account.external_id,
                "mode": instruction.parameters.get("mode"),
                "months": instruction.parameters.get("months"),
                "proposed_schedule": instruction.proposed_schedule,
            },
        )
    return instruction
