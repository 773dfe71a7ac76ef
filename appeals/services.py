"""Every change to an appeal. Each service locks the appeal, checks who is acting and whether the
state machine allows the step, records the timeline event and the audit event, and tells the
borrower (notification centre + email, after commit). Views, admin, API and tasks all call these.

States: submitted → under_review ⇄ information_requested → (awaiting_approval →) decided →
closed; decided (upheld) → second_review → (awaiting_approval →) closed; withdrawn before a
decision; information_requested → closed when the borrower never answers."""

import secrets
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.closure.services import LEDGER_KIND as CLOSURE_LEDGER_KIND
from accounts.closure.services import REASON_CODE as CLOSURE_REASON_CODE
from accounts.credit.services import APPEALABLE_KINDS, limit_change_apply
from accounts.models import (
    ClearanceCase,
    ClosureRequest,
    CreditAccount,
    LimitChange,
    PolicyVersion,
    ReasonCode,
    RiskDecision,
)
from appeals import evidence as evidence_files
from appeals.models import Appeal, AppealApproval, AppealEvent, AppealMessage, EvidenceFile
from portal.exceptions import PortalError
from portal.models import AuditEvent
from portal.services import audit_event_record, notification_send

Status = Appeal.Status
Outcome = Appeal.Outcome
STATEMENT_MAX_LENGTH = 5000
REVIEW_PERMISSION = "appeals.review_appeal"
APPROVE_PERMISSION = "appeals.approve_appeal"
SUPERVISOR_GROUP = "Supervisor"
# Before a decision the borrower may withdraw and add information.
BORROWER_ACTIVE_STATUSES = (Status.SUBMITTED, Status.UNDER_REVIEW, Status.INFORMATION_REQUESTED)


# ---------------------------------------------------------------------------------------------
# Shared steps


def deadline_profile(jurisdiction=None):
    return settings.APPEAL_DEADLINE_PROFILES[jurisdiction or settings.APPEAL_JURISDICTION]


def _not_found():
    error = PortalError(_("We could not find that appeal."), code="not_found")
    error.status_code = 404
    return error


def _forbidden(message):
    error = PortalError(message, code="forbidden")
    error.status_code = 403
    return error


def _conflict(message, code="invalid_state"):
    error = PortalError(message, code=code)
    error.status_code = 409
    return error


def _lock(appeal):
    return (
        Appeal.objects.select_for_update(of=("self",))
        .select_related(
            "limit_change__account__product", "closure_request__account__product", "submitted_by", "assignee"
        )
        .get(pk=appeal.pk)
    )


def _require_status(appeal, allowed, message=None):
    if appeal.status not in allowed:
        raise _conflict(
            message
            or _("This step is not possible while the appeal is %(status)s.") % {"status": appeal.get_status_display()}
        )


def _require_owner(appeal, user):
    if not user.is_authenticated or user.customer_id is None or appeal.account.customer_id != user.customer_id:
        raise _not_found()


def _require_staff_permission(actor, permission):
    if not (actor.is_authenticated and actor.is_active and actor.is_staff and actor.has_perm(permission)):
        if permission == APPROVE_PERMISSION:
            raise _forbidden(_("Only a supervisor may approve appeal decisions or review them a second time."))
        raise _forbidden(_("You do not have permission to review appeals."))


def _text(value, field, message):
    value = (value or "").strip()
    if not value:
        raise PortalError(message, code="required", field=field)
    if len(value) > STATEMENT_MAX_LENGTH:
        raise PortalError(
            _("Please keep this to %(limit)s characters.") % {"limit": STATEMENT_MAX_LENGTH},
            code="too_long",
            field=field,
        )
    return value


def recused_user_ids(limit_change):
    """Who took part in the decision under appeal and therefore may not review it: the staff
    member who decided it, for a clearance its proposer too, and for policy decisions the
    approver of the risk decision and the people who wrote and switched on the policy version."""
    ids = {limit_change.decided_by_user_id}
    if limit_change.kind == LimitChange.Kind.CLEARANCE:
        for proposer_id, reviewer_id in ClearanceCase.objects.filter(limit_change=limit_change).values_list(
            "proposer_id", "reviewer_id"
        ):
            ids.update({proposer_id, reviewer_id})
    risk_decision = (
        RiskDecision.objects.filter(limit_change=limit_change).select_related("policy_version").first()
        if limit_change.decided_by == LimitChange.DecidedBy.POLICY
        else None
    )
    policy = risk_decision.policy_version if risk_decision else None
    if risk_decision:
        ids.add(risk_decision.reviewed_by_id)
    if policy is None and limit_change.policy_version.startswith("v") and limit_change.policy_version[1:].isdigit():
        policy = PolicyVersion.objects.filter(pk=int(limit_change.policy_version[1:])).first()
    if policy is not None:
        ids.update({policy.created_by_id, policy.activated_by_id})
    ids.discard(None)
    return ids


def closure_rejection_user_ids(closure_request):
    """The staff member who rejected a closure request by hand, if one did (the beat task has no
    person behind it). Read from the audit log, which records who rejected it."""
    return set(
        AuditEvent.objects.filter(
            action="closure_request.rejected",
            target_type=ClosureRequest._meta.label_lower,
            target_id=str(closure_request.pk),
            actor__isnull=False,
        ).values_list("actor_id", flat=True)
    )


def appeal_recused_user_ids(appeal):
    """Who took part in the decision under this appeal (see recused_user_ids)."""
    if appeal.closure_request_id is not None:
        return closure_rejection_user_ids(appeal.closure_request)
    return recused_user_ids(appeal.limit_change)


def _require_not_recused(appeal, actor):
    if actor.pk in appeal_recused_user_ids(appeal):
        raise _forbidden(
            _("You took part in the decision under appeal, so you may not review this appeal. Ask a colleague.")
        )


def _involved_user_ids(appeal):
    """Everyone who took part so far; a second-level reviewer must be none of them."""
    ids = appeal_recused_user_ids(appeal) | {appeal.assignee_id, appeal.decided_by_id}
    ids.update(appeal.approvals.values_list("approver_id", flat=True))
    ids.discard(None)
    return ids


def _event(appeal, kind, *, actor=None, description="", public=True, data=None, now=None):
    return AppealEvent.objects.create(
        appeal=appeal,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        public=public,
        description=description,
        data=data or {},
        created_at=now or timezone.now(),
    )


def _audit(actor, action, appeal, *, request=None, summary="", before=None, after=None):
    audit_event_record(
        actor=actor,
        actor_label=None if actor is not None else "appeals-scheduler",
        action=f"appeal.{action}",
        target=appeal,
        summary=summary,
        before=before,
        after=after,
        request=request,
    )


def _borrower_link(appeal):
    return reverse("appeals:detail", args=[appeal.pk])


def _staff_link(appeal):
    return reverse("admin:appeals_appeal_review", args=[appeal.pk])


def _notify_borrower(appeal, step, *, template="appeal_update", idempotency_key=None, email=True, **context):
    """One notice to the borrower about one step, in their language, with the appeal's link."""
    profile = deadline_profile(appeal.jurisdiction)
    return notification_send(
        recipient=appeal.submitted_by,
        kind=f"appeal.{step}",
        template=template,
        link=_borrower_link(appeal),
        idempotency_key=idempotency_key,
        email=email,
        context={
            "appeal": appeal,
            "step": step,
            "currency": appeal.account.product.currency,
            "profile": profile,
            **context,
        },
    )


def _notify_staff(users, appeal, step, *, idempotency_prefix=None, **context):
    for user in users:
        notification_send(
            recipient=user,
            kind=f"appeal_staff.{step}",
            template="appeal_staff",
            link=_staff_link(appeal),
            idempotency_key=f"{idempotency_prefix}:{user.pk}" if idempotency_prefix else None,
            context={"appeal": appeal, "step": step, **context},
        )


def _supervisors(*, exclude=()):
    group = Group.objects.filter(name=SUPERVISOR_GROUP).first()
    if group is None:
        return []
    return [user for user in group.user_set.filter(is_active=True, is_staff=True) if user.pk not in exclude]


# ---------------------------------------------------------------------------------------------
# Filing


def decision_snapshot(limit_change):
    """What the lender held about the decision: reasons, the figures the policy saw, the policy
    version. Attached to the appeal so the borrower never has to supply it."""
    catalogue = ReasonCode.objects.in_bulk(limit_change.reason_codes)
    risk_decision = RiskDecision.objects.filter(limit_change=limit_change).select_related("policy_version").first()
    return {
        "ledger_sequence": limit_change.sequence,
        "kind": limit_change.kind,
        "previous_limit": str(limit_change.previous_limit),
        "new_limit": str(limit_change.new_limit),
        "previous_status": limit_change.previous_status,
        "new_status": limit_change.new_status,
        "currency": limit_change.account.product.currency,
        "effective_at": limit_change.effective_at.isoformat(),
        "decided_by": limit_change.decided_by,
        "policy_version": limit_change.policy_version,
        "reason_codes": list(limit_change.reason_codes),
        "reasons": [
            {"code": code, "title_en": catalogue[code].title_en, "title_zh": catalogue[code].title_zh}
            for code in limit_change.reason_codes
            if code in catalogue
        ],
        "risk_decision_id": risk_decision.pk if risk_decision else None,
        "inputs": risk_decision.inputs if risk_decision else {},
        "policy_notes": risk_decision.policy_version.notes if risk_decision else "",
        "clearance": _clearance_snapshot(limit_change),
    }


def _clearance_snapshot(limit_change):
    case = ClearanceCase.objects.filter(limit_change=limit_change).first() if limit_change.kind == "clearance" else None
    if case is None:
        return None
    return {
        "reference": case.reference,
        "grounds": case.grounds,
        "evidence_checklist": list(case.evidence_checklist),
        "evidence_reference": case.evidence_reference,
        "proposed_at": case.proposed_at.isoformat(),
        "decided_at": case.decided_at.isoformat() if case.decided_at else None,
    }


def _evidence_prepare(uploads, *, existing):
    uploads = [upload for upload in uploads or [] if upload]
    evidence_files.evidence_count_check(existing=existing, new=len(uploads))
    return [(upload, *evidence_files.evidence_check(upload)) for upload in uploads]


def _evidence_save(appeal, prepared, *, user, message=None, written):
    for upload, content_type, extension in prepared:
        stored_name, size, sha256 = evidence_files.evidence_write(upload, extension)
        written.append(stored_name)
        EvidenceFile.objects.create(
            appeal=appeal,
            message=message,
            stored_name=stored_name,
            original_name=evidence_files.display_name(upload.name),
            content_type=content_type,
            size=size,
            sha256=sha256,
            uploaded_by=user,
        )


def closure_request_appeal_deadline(closure_request):
    """A rejected closure request can be appealed for the same window as a limit decision."""
    if closure_request.status != ClosureRequest.Status.REJECTED or closure_request.rejected_at is None:
        return None
    return closure_request.rejected_at + timedelta(days=settings.APPEAL_WINDOW_DAYS)


def closure_request_snapshot(closure_request):
    """What the lender held about a rejected closure request: what was asked, and why we could
    not apply it."""
    return {
        "closure_request": closure_request.reference,
        "kind": closure_request.kind,
        "target_limit": str(closure_request.target_limit) if closure_request.target_limit is not None else None,
        "previous_limit": str(closure_request.previous_limit) if closure_request.previous_limit is not None else None,
        "previous_status": closure_request.previous_status,
        "currency": closure_request.account.product.currency,
        "submitted_at": closure_request.submitted_at.isoformat() if closure_request.submitted_at else None,
        "rejected_at": closure_request.rejected_at.isoformat() if closure_request.rejected_at else None,
        "rejection_reason": closure_request.rejection_reason,
    }


def desired_outcomes_for(*, closure_request=None):
    """The outcomes a borrower may ask for: a rejected request can only be carried out."""
    if closure_request is not None:
        return [Appeal.DesiredOutcome.APPLY_REQUEST]
    return [outcome for outcome in Appeal.DesiredOutcome if outcome != Appeal.DesiredOutcome.APPLY_REQUEST]


def _decision_lock(*, limit_change, closure_request):
    """Lock the decision under appeal; return it with its appeal deadline, snapshot and any open
    appeal against it."""
    if limit_change is not None:
        limit_change = (
            LimitChange.objects.select_for_update(of=("self",))
            .select_related("account__product")
            .get(pk=limit_change.pk)
        )
        if limit_change.kind not in APPEALABLE_KINDS or limit_change.appeal_deadline is None:
            raise PortalError(_("This change cannot be appealed: it was not a decision against you."))
        existing = Appeal.objects.open().filter(limit_change=limit_change).first()
        snapshot = decision_snapshot(limit_change)
        return limit_change.appeal_deadline, snapshot, existing
    closure_request = (
        ClosureRequest.objects.select_for_update(of=("self",))
        .select_related("account__product")
        .get(pk=closure_request.pk)
    )
    deadline = closure_request_appeal_deadline(closure_request)
    if deadline is None:
        raise PortalError(_("Only a request we could not apply can be appealed."))
    existing = Appeal.objects.open().filter(closure_request=closure_request).first()
    return deadline, closure_request_snapshot(closure_request), existing


def appeal_submit(
    *,
    user,
    limit_change=None,
    closure_request=None,
    grounds,
    statement,
    desired_outcome,
    files=(),
    request=None,
    now=None,
):
    """The borrower appeals one decision on their own account: a ledger row (a passive change or
    a clearance) or a closure request we rejected. One open appeal per decision, accepted until
    the decision's appeal deadline."""
    now = now or timezone.now()
    if (limit_change is None) == (closure_request is None):
        raise PortalError(_("Choose the decision you are appealing."), code="required")
    if limit_change is not None and not LimitChange.objects.for_user(user).filter(pk=limit_change.pk).exists():
        raise _not_found()
    if closure_request is not None and not ClosureRequest.objects.for_user(user).filter(pk=closure_request.pk).exists():
        raise _not_found()
    if grounds not in Appeal.Grounds.values:
        raise PortalError(_("Choose the grounds for your appeal."), code="required", field="grounds")
    if desired_outcome not in desired_outcomes_for(closure_request=closure_request):
        raise PortalError(_("Choose the outcome you want."), code="required", field="desired_outcome")
    statement = _text(statement, "statement", _("Tell us in a few words why you disagree with the decision."))
    prepared = _evidence_prepare(files, existing=0)
    written = []
    try:
        with transaction.atomic():
            deadline, snapshot, existing = _decision_lock(limit_change=limit_change, closure_request=closure_request)
            if now > deadline:
                raise PortalError(
                    _("The deadline for appealing this decision passed on %(deadline)s.")
                    % {"deadline": timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M")},
                    code="appeal_late",
                )
            if existing is not None:
                raise _conflict(
                    _("You already have an open appeal against this decision (%(reference)s).")
                    % {"reference": existing.reference},
                    code="appeal_duplicate",
                )
            profile = deadline_profile()
            try:
                with transaction.atomic():
                    appeal = Appeal.objects.create(
                        reference=f"new-{secrets.token_hex(8)}",  # replaced below, once the id is known
                        limit_change=limit_change,
                        closure_request=closure_request,
                        submitted_by=user,
                        grounds=grounds,
                        statement=statement,
                        desired_outcome=desired_outcome,
                        decision_snapshot=snapshot,
                        jurisdiction=settings.APPEAL_JURISDICTION,
                        created_at=now,
                        due_at=now + timedelta(days=profile["decide_days"]),
                    )
            except IntegrityError as error:
                raise _conflict(
                    _("You already have an open appeal against this decision."), code="appeal_duplicate"
                ) from error
            appeal.reference = f"AP-{timezone.localtime(now).year}-{appeal.pk:06d}"
            appeal.save(update_fields=["reference"])
            _evidence_save(appeal, prepared, user=user, written=written)
            _event(appeal, "submitted", actor=user, now=now, data={"files": len(prepared)})
            _audit(user, "submitted", appeal, request=request, after={"grounds": grounds, "files": len(prepared)})
            _notify_borrower(appeal, "received")
    except BaseException:
        evidence_files.evidence_discard(written)
        raise
    return appeal


# ---------------------------------------------------------------------------------------------
# Staff steps


def appeal_assign(*, appeal, actor, assignee=None, request=None, now=None):
    """Give the appeal to a reviewer (by default the actor: "assign to me"). In a second-level
    review the reviewer is a supervisor who took no part so far."""
    now = now or timezone.now()
    assignee = assignee or actor
    with transaction.atomic():
        appeal = _lock(appeal)
        if appeal.status == Status.SECOND_REVIEW:
            _require_staff_permission(actor, APPROVE_PERMISSION)
            _require_staff_permission(assignee, APPROVE_PERMISSION)
            if assignee.pk in _involved_user_ids(appeal):
                raise _forbidden(
                    _("A second-level review needs a supervisor who took no part in the appeal or the decision.")
                )
            appeal.second_reviewer = assignee
            appeal.save(update_fields=["second_reviewer", "updated_at"])
            _event(appeal, "second_review_assigned", actor=actor, public=True, now=now)
            _audit(actor, "second_review_assigned", appeal, request=request, after={"reviewer": str(assignee)})
            _notify_borrower(appeal, "second_review_assigned")
            return appeal
        _require_staff_permission(actor, REVIEW_PERMISSION)
        _require_staff_permission(assignee, REVIEW_PERMISSION)
        _require_status(appeal, BORROWER_ACTIVE_STATUSES)
        if assignee.pk in appeal_recused_user_ids(appeal):
            raise _forbidden(
                _("%(person)s took part in the decision under appeal, so they may not review it.")
                % {"person": assignee.get_username()}
            )
        before = {"assignee": str(appeal.assignee or ""), "status": appeal.status}
        first = appeal.status == Status.SUBMITTED
        appeal.assignee = assignee
        if first:
            appeal.status = Status.UNDER_REVIEW
        appeal.save(update_fields=["assignee", "status", "updated_at"])
        _event(appeal, "assigned", actor=actor, public=first, now=now, data={"assignee": assignee.get_username()})
        _audit(actor, "assigned", appeal, request=request, before=before, after={"assignee": str(assignee)})
        if first:
            _notify_borrower(appeal, "under_review")
    return appeal


def _require_reviewer(appeal, actor):
    """The person handling this stage: the assignee, or in a second-level review that reviewer."""
    if appeal.status == Status.SECOND_REVIEW:
        _require_staff_permission(actor, APPROVE_PERMISSION)
        if appeal.second_reviewer_id != actor.pk:
            raise _forbidden(_("Assign the second-level review to yourself first."))
        return
    _require_staff_permission(actor, REVIEW_PERMISSION)
    _require_not_recused(appeal, actor)
    if appeal.assignee_id != actor.pk:
        raise _forbidden(_("Only the assigned reviewer can do this. Assign the appeal to yourself first."))


def appeal_information_request(*, appeal, actor, message, request=None, now=None):
    """Ask the borrower for something only they have. The deadline clock stops until they answer."""
    now = now or timezone.now()
    message = _text(message, "message", _("Say what information you need from the borrower."))
    with transaction.atomic():
        appeal = _lock(appeal)
        _require_status(appeal, [Status.UNDER_REVIEW])
        _require_reviewer(appeal, actor)
        AppealMessage.objects.create(
            appeal=appeal, author=actor, visibility=AppealMessage.Visibility.PUBLIC, body=message, created_at=now
        )
        appeal.status = Status.INFORMATION_REQUESTED
        appeal.sla_paused_at = now
        appeal.information_requested_at = now
        appeal.information_reminded_at = None
        appeal.save(
            update_fields=[
                "status",
                "sla_paused_at",
                "information_requested_at",
                "information_reminded_at",
                "updated_at",
            ]
        )
        _event(appeal, "information_requested", actor=actor, now=now)
        _audit(actor, "information_requested", appeal, request=request, summary=message)
        profile = deadline_profile(appeal.jurisdiction)
        _notify_borrower(
            appeal,
            "information_requested",
            message=message,
            answer_by=now + timedelta(days=profile["information_close_days"]),
        )
    return appeal


def appeal_staff_reply(*, appeal, actor, body, internal=False, request=None, now=None):
    """A reply the borrower sees, or an internal note only staff see."""
    now = now or timezone.now()
    body = _text(body, "body", _("Write the message first."))
    with transaction.atomic():
        appeal = _lock(appeal)
        if appeal.status == Status.SECOND_REVIEW:
            _require_staff_permission(actor, APPROVE_PERMISSION)
        else:
            _require_staff_permission(actor, REVIEW_PERMISSION)
            _require_not_recused(appeal, actor)
        if not internal:
            _require_status(appeal, Appeal.OPEN_STATUSES)
        visibility = AppealMessage.Visibility.INTERNAL if internal else AppealMessage.Visibility.PUBLIC
        AppealMessage.objects.create(appeal=appeal, author=actor, visibility=visibility, body=body, created_at=now)
        _event(appeal, "internal_note" if internal else "staff_replied", actor=actor, public=not internal, now=now)
        _audit(actor, "internal_note" if internal else "staff_replied", appeal, request=request)
        if not internal:
            _notify_borrower(appeal, "staff_replied", message=body)
    return appeal


def appeal_deadline_extend(*, appeal, actor, reason, request=None, now=None):
    """A complex case gets more time, once, up to the profile's extended deadline; the borrower
    is told the new date and why."""
    now = now or timezone.now()
    reason = _text(reason, "reason", _("Tell the borrower why the case needs more time."))
    with transaction.atomic():
        appeal = _lock(appeal)
        _require_status(appeal, BORROWER_ACTIVE_STATUSES)
        _require_reviewer(appeal, actor)
        profile = deadline_profile(appeal.jurisdiction)
        if appeal.extended_at is not None:
            raise _conflict(_("The deadline has already been extended once; it cannot be extended again."))
        extra_days = profile["extended_days"] - profile["decide_days"]
        if extra_days <= 0:
            raise _conflict(_("The deadline rules in force allow no extension."))
        before = {"due_at": appeal.due_at.isoformat()}
        appeal.due_at += timedelta(days=extra_days)
        appeal.extended_at = now
        appeal.extension_reason = reason
        appeal.assignee_reminded_at = None
        appeal.breach_notified_at = None
        appeal.save(
            update_fields=[
                "due_at",
                "extended_at",
                "extension_reason",
                "assignee_reminded_at",
                "breach_notified_at",
                "updated_at",
            ]
        )
        _event(appeal, "extended", actor=actor, description=reason, now=now)
        _audit(
            actor,
            "extended",
            appeal,
            request=request,
            summary=reason,
            before=before,
            after={"due_at": appeal.due_at.isoformat()},
        )
        _notify_borrower(appeal, "extended", reason=reason)
    return appeal


def appeal_escalate(*, appeal, actor, note, request=None, now=None):
    """Bring a supervisor in (a hard case, a complaint about handling). Nothing else changes."""
    now = now or timezone.now()
    note = _text(note, "note", _("Say why you are escalating the appeal."))
    with transaction.atomic():
        appeal = _lock(appeal)
        _require_staff_permission(actor, REVIEW_PERMISSION)
        _require_not_recused(appeal, actor)
        _require_status(appeal, Appeal.OPEN_STATUSES)
        appeal.escalated_at = now
        appeal.save(update_fields=["escalated_at", "updated_at"])
        AppealMessage.objects.create(
            appeal=appeal, author=actor, visibility=AppealMessage.Visibility.INTERNAL, body=note, created_at=now
        )
        _event(appeal, "escalated", actor=actor, public=False, description=note, now=now)
        _audit(actor, "escalated", appeal, request=request, summary=note)
        _notify_staff(_supervisors(exclude={actor.pk}), appeal, "escalated", note=note)
    return appeal


def _restoration_target(appeal, outcome, restored_limit):
    """The limit and status an overturn gives back, checked against the account as it is now."""
    change = appeal.limit_change
    account = CreditAccount.objects.select_for_update().get(pk=change.account_id)
    status_restored = change.previous_status if change.new_status != change.previous_status else account.status
    if account.status in (CreditAccount.Status.CLOSED, CreditAccount.Status.CLEARED) and (
        account.status != change.new_status
    ):
        raise _conflict(
            _("The credit line is %(status)s since this decision, so it cannot be restored through this appeal.")
            % {"status": account.get_status_display()}
        )
    if outcome == Outcome.OVERTURNED:
        target = change.previous_limit
    else:
        try:
            target = Decimal(str(restored_limit)).quantize(Decimal("0.01"))
        except (InvalidOperation, TypeError, ValueError):
            raise PortalError(
                _("For a partial overturn, give the limit to restore."), code="required", field="restored_limit"
            ) from None
        lowest = Decimal("0.00") if status_restored != account.status else account.credit_limit
        if not lowest < target < change.previous_limit:
            raise PortalError(
                _("For a partial overturn, give a limit above %(low)s and below %(high)s.")
                % {"low": lowest, "high": change.previous_limit},
                code="invalid",
                field="restored_limit",
            )
    if target <= account.credit_limit and status_restored == account.status:
        raise _conflict(
            _("The account already has this limit or more; there is nothing to restore. Record the appeal as upheld.")
        )
    return account, target, status_restored


def _closure_request_target(appeal, outcome):
    """Overturning the rejection of a closure request carries the request out now, through the
    ledger, as the borrower asked. Returns the account, limit, status and ledger kind."""
    if outcome != Outcome.OVERTURNED:
        raise PortalError(
            _("A rejected request is either carried out (overturned) or not (upheld); it cannot be partly overturned."),
            field="outcome",
        )
    closure_request = appeal.closure_request
    account = CreditAccount.objects.select_for_update().get(pk=closure_request.account_id)
    Kind = ClosureRequest.Kind
    if account.status in (CreditAccount.Status.CLOSED, CreditAccount.Status.CLEARED):
        raise _conflict(
            _("The credit line is %(status)s, so the request cannot be carried out. Record the appeal as upheld.")
            % {"status": account.get_status_display()}
        )
    limit, status = account.credit_limit, account.status
    latest_kind = (
        LimitChange.objects.filter(account=account).order_by("-sequence").values_list("kind", flat=True).first()
    )
    if closure_request.kind == Kind.LOWER and closure_request.target_limit < account.credit_limit:
        limit = closure_request.target_limit
    elif closure_request.kind == Kind.PAUSE and account.status == CreditAccount.Status.ACTIVE:
        status = CreditAccount.Status.FROZEN
    elif (
        closure_request.kind == Kind.RESUME
        and account.status == CreditAccount.Status.FROZEN
        and latest_kind == LimitChange.Kind.VOLUNTARY_PAUSE
    ):
        status = CreditAccount.Status.ACTIVE
    elif closure_request.kind == Kind.CLOSE:
        limit = Decimal("0.00")
        if account.outstanding_balance <= 0:
            status = CreditAccount.Status.CLOSED
    if (limit, status) == (account.credit_limit, account.status):
        raise _conflict(
            _(
                "The credit line already is as the request asked, so there is nothing to carry out. Record the appeal "
                "as upheld and explain."
            )
        )
    return account, limit, status, CLOSURE_LEDGER_KIND[closure_request.kind]


def _needs_second_pair_of_eyes(appeal, account, target):
    if appeal.closure_request_id is not None:
        return False  # carrying out the borrower's own request restores nothing
    return (
        appeal.limit_change.kind == LimitChange.Kind.CLEARANCE
        or target - account.credit_limit > settings.APPEAL_FOUR_EYES_RESTORE_AMOUNT
    )


def _restoration_apply(appeal, *, limit, status, decided_by, request, kind=LimitChange.Kind.RESTORATION):
    restoration = limit_change_apply(
        account=appeal.account,
        kind=kind,
        new_limit=limit,
        new_status=status,
        reason_codes=[CLOSURE_REASON_CODE] if appeal.closure_request_id else ["appeal_outcome"],
        decided_by=LimitChange.DecidedBy.APPEAL,
        decided_by_user=decided_by,
        source_reference=appeal.reference,
        request=request,
    )
    appeal.restoration = restoration
    return restoration


def _decision_record(appeal, *, level, outcome, reason, decider, now, restored_limit=None):
    if level == 1:
        appeal.outcome, appeal.decision_reason, appeal.decided_by, appeal.decided_at = outcome, reason, decider, now
        appeal.restored_limit = restored_limit
    else:
        appeal.second_review_outcome, appeal.second_review_decision_reason = outcome, reason
        appeal.second_review_decided_at = now
        if restored_limit is not None:
            appeal.restored_limit = restored_limit


def _finish(appeal, *, level, now):
    """After a final decision: level 1 waits for a possible second-level review; level 2 closes."""
    if level == 1:
        appeal.status = Status.DECIDED
    else:
        appeal.status = Status.CLOSED
        appeal.closed_at = now
        appeal.close_reason = Appeal.CloseReason.SECOND_REVIEW_DECIDED


DECISION_FIELDS = [
    "status",
    "outcome",
    "decision_reason",
    "decided_by",
    "decided_at",
    "restored_limit",
    "restoration",
    "second_review_outcome",
    "second_review_decision_reason",
    "second_review_decided_at",
    "closed_at",
    "close_reason",
    "updated_at",
]


def appeal_decide(*, appeal, actor, outcome, reason, restored_limit=None, request=None, now=None):
    """Decide the appeal with a written reason. An overturn restores the limit through the ledger
    at once, unless it restores more than APPEAL_FOUR_EYES_RESTORE_AMOUNT or reverses a
    clearance: then it waits for a supervisor other than the decider."""
    now = now or timezone.now()
    if outcome not in Outcome.values:
        raise PortalError(_("Choose the outcome of the appeal."), code="required", field="outcome")
    reason = _text(reason, "reason", _("Write the reason for the decision; the borrower will read it."))
    with transaction.atomic():
        appeal = _lock(appeal)
        _require_status(
            appeal,
            [Status.UNDER_REVIEW, Status.SECOND_REVIEW],
            _("Only an appeal under review can be decided (this one is %(status)s).")
            % {"status": appeal.get_status_display()},
        )
        _require_reviewer(appeal, actor)
        level = 2 if appeal.status == Status.SECOND_REVIEW else 1
        if outcome == Outcome.UPHELD:
            _decision_record(appeal, level=level, outcome=outcome, reason=reason, decider=actor, now=now)
            _finish(appeal, level=level, now=now)
            appeal.save(update_fields=DECISION_FIELDS)
            _event(appeal, "decided", actor=actor, now=now, data={"outcome": outcome, "level": level})
            _audit(
                actor, "decided", appeal, request=request, summary=reason, after={"outcome": outcome, "level": level}
            )
            _notify_decision(appeal, level=level, outcome=outcome, reason=reason, now=now)
            return appeal
        if appeal.closure_request_id is not None:
            account, target, status, ledger_kind = _closure_request_target(appeal, outcome)
        else:
            account, target, status = _restoration_target(appeal, outcome, restored_limit)
            ledger_kind = LimitChange.Kind.RESTORATION
        if _needs_second_pair_of_eyes(appeal, account, target):
            AppealApproval.objects.create(
                appeal=appeal,
                level=level,
                outcome=outcome,
                restored_limit=target,
                restored_status=status,
                reason=reason,
                requested_by=actor,
                requested_at=now,
            )
            if level == 1:
                _decision_record(
                    appeal, level=1, outcome=outcome, reason=reason, decider=actor, now=now, restored_limit=target
                )
            else:
                appeal.outcome = appeal.outcome or outcome
            appeal.status = Status.AWAITING_APPROVAL
            appeal.save(update_fields=DECISION_FIELDS)
            _event(appeal, "approval_requested", actor=actor, now=now, data={"outcome": outcome, "level": level})
            _audit(
                actor,
                "approval_requested",
                appeal,
                request=request,
                summary=reason,
                after={"outcome": outcome, "restored_limit": str(target), "level": level},
            )
            _notify_borrower(appeal, "awaiting_approval")
            _notify_staff(_supervisors(exclude={actor.pk}), appeal, "approval_needed")
            return appeal
        _decision_record(
            appeal, level=level, outcome=outcome, reason=reason, decider=actor, now=now, restored_limit=target
        )
        _restoration_apply(appeal, limit=target, status=status, decided_by=actor, request=request, kind=ledger_kind)
        _finish(appeal, level=level, now=now)
        appeal.save(update_fields=DECISION_FIELDS)
        _event(appeal, "decided", actor=actor, now=now, data={"outcome": outcome, "level": level})
        _audit(
            actor,
            "decided",
            appeal,
            request=request,
            summary=reason,
            after={"outcome": outcome, "restored_limit": str(target), "level": level},
        )
        _notify_decision(appeal, level=level, outcome=outcome, reason=reason, now=now)
    return appeal


def appeal_approval_decide(*, appeal, actor, approve, note="", request=None, now=None):
    """The second pair of eyes: a supervisor other than the decider approves the overturn (it takes
    effect now) or sends it back to the reviewer with a note."""
    now = now or timezone.now()
    note = (note or "").strip()
    if not approve and not note:
        raise PortalError(_("Say why you are sending the decision back."), code="required", field="note")
    with transaction.atomic():
        appeal = _lock(appeal)
        _require_status(appeal, [Status.AWAITING_APPROVAL], _("This appeal has no decision waiting for approval."))
        _require_staff_permission(actor, APPROVE_PERMISSION)
        approval = AppealApproval.objects.select_for_update().get(appeal=appeal, status=AppealApproval.Status.PENDING)
        if actor.pk == approval.requested_by_id:
            raise _forbidden(_("You made this decision, so another supervisor must approve it (four eyes)."))
        _require_not_recused(appeal, actor)
        approval.approver, approval.decided_at, approval.note = actor, now, note
        if approve:
            approval.status = AppealApproval.Status.APPROVED
            approval.save(update_fields=["status", "approver", "decided_at", "note"])
            _decision_record(
                appeal,
                level=approval.level,
                outcome=approval.outcome,
                reason=approval.reason,
                decider=approval.requested_by,
                now=now,
                restored_limit=approval.restored_limit,
            )
            _restoration_apply(
                appeal,
                limit=approval.restored_limit,
                status=approval.restored_status,
                decided_by=approval.requested_by,
                request=request,
            )
            _finish(appeal, level=approval.level, now=now)
            appeal.save(update_fields=DECISION_FIELDS)
            _event(appeal, "approved", actor=actor, now=now, data={"outcome": approval.outcome})
            _audit(actor, "approved", appeal, request=request, summary=note, after={"outcome": approval.outcome})
            _notify_decision(appeal, level=approval.level, outcome=approval.outcome, reason=approval.reason, now=now)
            return appeal
        approval.status = AppealApproval.Status.REJECTED
        approval.save(update_fields=["status", "approver", "decided_at", "note"])
        if approval.level == 1:
            appeal.outcome, appeal.decision_reason, appeal.decided_by, appeal.decided_at = "", "", None, None
            appeal.restored_limit = None
            appeal.status = Status.UNDER_REVIEW
        else:
            appeal.status = Status.SECOND_REVIEW
        appeal.save(update_fields=DECISION_FIELDS)
        AppealMessage.objects.create(
            appeal=appeal, author=actor, visibility=AppealMessage.Visibility.INTERNAL, body=note, created_at=now
        )
        _event(appeal, "approval_rejected", actor=actor, public=False, description=note, now=now)
        _audit(actor, "approval_rejected", appeal, request=request, summary=note)
        _notify_borrower(appeal, "review_resumed")
        _notify_staff([approval.requested_by], appeal, "approval_rejected", note=note)
    return appeal


def _notify_decision(appeal, *, level, outcome, reason, now):
    profile = deadline_profile(appeal.jurisdiction)
    second_review_until = now + timedelta(days=profile["second_review_days"])
    _notify_borrower(
        appeal,
        f"decided_{outcome}",
        template="appeal_decided",
        outcome=outcome,
        outcome_label=Outcome(outcome).label,
        reason=reason,
        level=level,
        may_ask_second_review=level == 1 and outcome == Outcome.UPHELD,
        second_review_until=second_review_until,
        restoration=appeal.restoration,
    )


# ---------------------------------------------------------------------------------------------
# Borrower steps


def appeal_borrower_reply(*, appeal, user, body, files=(), request=None, now=None):
    """The borrower adds information (with files). Answering an information request restarts
    the clock: the time we waited is added to the due date."""
    now = now or timezone.now()
    _require_owner(appeal, user)
    body = _text(body, "body", _("Write your answer before sending it."))
    written = []
    try:
        with transaction.atomic():
            appeal = _lock(appeal)
            _require_status(
                appeal,
                [*BORROWER_ACTIVE_STATUSES, Status.SECOND_REVIEW],
                _("This appeal is %(status)s, so it no longer takes new information.")
                % {"status": appeal.get_status_display()},
            )
            prepared = _evidence_prepare(files, existing=appeal.evidence.count())
            message = AppealMessage.objects.create(
                appeal=appeal,
                author=user,
                from_borrower=True,
                visibility=AppealMessage.Visibility.PUBLIC,
                body=body,
                created_at=now,
            )
            _evidence_save(appeal, prepared, user=user, message=message, written=written)
            resumed = appeal.status == Status.INFORMATION_REQUESTED
            if resumed:
                paused = now - appeal.sla_paused_at
                appeal.due_at += paused
                appeal.sla_paused_total += paused
                appeal.sla_paused_at = None
                appeal.status = Status.UNDER_REVIEW
                appeal.save(update_fields=["due_at", "sla_paused_total", "sla_paused_at", "status", "updated_at"])
            _event(appeal, "borrower_replied", actor=user, now=now, data={"files": len(prepared)})
            _audit(user, "borrower_replied", appeal, request=request, after={"files": len(prepared)})
            _notify_borrower(appeal, "reply_received", resumed=resumed)
            reviewer = appeal.second_reviewer if appeal.status == Status.SECOND_REVIEW else appeal.assignee
            if reviewer is not None:
                _notify_staff([reviewer], appeal, "borrower_replied")
    except BaseException:
        evidence_files.evidence_discard(written)
        raise
    return appeal


def appeal_withdraw(*, appeal, user, request=None, now=None):
    now = now or timezone.now()
    _require_owner(appeal, user)
    with transaction.atomic():
        appeal = _lock(appeal)
        _require_status(
            appeal,
            BORROWER_ACTIVE_STATUSES,
            _("This appeal is %(status)s and can no longer be withdrawn.") % {"status": appeal.get_status_display()},
        )
        appeal.status = Status.WITHDRAWN
        appeal.withdrawn_at = now
        appeal.sla_paused_at = None
        appeal.save(update_fields=["status", "withdrawn_at", "sla_paused_at", "updated_at"])
        _event(appeal, "withdrawn", actor=user, now=now)
        _audit(user, "withdrawn", appeal, request=request)
        _notify_borrower(appeal, "withdrawn")
    return appeal


def appeal_second_review_request(*, appeal, user, reason, request=None, now=None):
    """After an upheld decision the borrower may ask, within the profile's window, for a
    supervisor who took no part to look at the case again."""
    now = now or timezone.now()
    _require_owner(appeal, user)
    reason = _text(reason, "reason", _("Tell us why the decision should be looked at again."))
    with transaction.atomic():
        appeal = _lock(appeal)
        _require_status(appeal, [Status.DECIDED], _("A second-level review can be asked for only after a decision."))
        if appeal.outcome != Outcome.UPHELD:
            raise _conflict(_("A second-level review can be asked for only when the appeal was upheld."))
        profile = deadline_profile(appeal.jurisdiction)
        if now > appeal.decided_at + timedelta(days=profile["second_review_days"]):
            raise PortalError(
                _("A second-level review had to be asked for within %(days)s days of the decision.")
                % {"days": profile["second_review_days"]},
                code="second_review_late",
            )
        appeal.status = Status.SECOND_REVIEW
        appeal.second_review_requested_at = now
        appeal.second_review_reason = reason
        appeal.due_at = now + timedelta(days=profile["decide_days"])
        appeal.assignee_reminded_at = None
        appeal.breach_notified_at = None
        appeal.save(
            update_fields=[
                "status",
                "second_review_requested_at",
                "second_review_reason",
                "due_at",
                "assignee_reminded_at",
                "breach_notified_at",
                "updated_at",
            ]
        )
        _event(appeal, "second_review_requested", actor=user, description=reason, now=now)
        _audit(user, "second_review_requested", appeal, request=request, summary=reason)
        _notify_borrower(appeal, "second_review_requested")
        _notify_staff(_supervisors(exclude=_involved_user_ids(appeal)), appeal, "second_review_requested")
    return appeal


# ---------------------------------------------------------------------------------------------
# The clock (called by the beat tasks; each is idempotent)


def appeals_assignee_remind(*, now=None):
    """Remind each assignee once, a few days before their appeal is due."""
    now = now or timezone.now()
    sent = 0
    for jurisdiction, profile in settings.APPEAL_DEADLINE_PROFILES.items():
        soon = now + timedelta(days=profile["assignee_reminder_days"])
        candidates = Appeal.objects.on_clock().filter(
            jurisdiction=jurisdiction, assignee_reminded_at=None, due_at__gt=now, due_at__lte=soon
        )
        for appeal_id in candidates.values_list("pk", flat=True):
            with transaction.atomic():
                appeal = _lock(Appeal(pk=appeal_id))
                reviewer = appeal.second_reviewer if appeal.status == Status.SECOND_REVIEW else appeal.assignee
                if appeal.assignee_reminded_at is not None or appeal.status not in Appeal.OPEN_STATUSES:
                    continue
                if reviewer is None:
                    continue
                appeal.assignee_reminded_at = now
                appeal.save(update_fields=["assignee_reminded_at"])
                _notify_staff(
                    [reviewer],
                    appeal,
                    "due_soon",
                    idempotency_prefix=f"appeal-due-soon:{appeal.pk}:{appeal.due_at:%Y%m%d}",
                )
                _event(appeal, "assignee_reminded", public=False, now=now)
                sent += 1
    return sent


def appeals_breach_report(*, now=None):
    """Tell the Supervisor group, once, about each appeal whose deadline has passed, including
    a decision still waiting for its four-eyes approval (the borrower has no answer yet)."""
    now = now or timezone.now()
    reported = 0
    running = Appeal.objects.filter(status__in=[*Appeal.ON_CLOCK_STATUSES, Status.AWAITING_APPROVAL])
    for appeal_id in running.filter(breach_notified_at=None, due_at__lt=now).values_list("pk", flat=True):
        with transaction.atomic():
            appeal = _lock(Appeal(pk=appeal_id))
            if appeal.breach_notified_at is not None or appeal.due_at >= now:
                continue
            appeal.breach_notified_at = now
            appeal.save(update_fields=["breach_notified_at"])
            _notify_staff(
                _supervisors(),
                appeal,
                "breached",
                idempotency_prefix=f"appeal-breach:{appeal.pk}:{appeal.due_at:%Y%m%d}",
            )
            _event(appeal, "deadline_breached", public=False, now=now)
            _audit(None, "deadline_breached", appeal, after={"due_at": appeal.due_at.isoformat()})
            reported += 1
    return reported


def appeals_information_remind(*, now=None, reminder_channel=None):
    """Remind a borrower, once, who has not answered an information request after a few days.

    ``reminder_channel(user, now)`` (education's reminder rules) may return None to defer the
    reminder to a later run (quiet hours), or whether to email it as well as the notice."""
    now = now or timezone.now()
    sent = 0
    for jurisdiction, profile in settings.APPEAL_DEADLINE_PROFILES.items():
        cutoff = now - timedelta(days=profile["information_reminder_days"])
        candidates = Appeal.objects.filter(
            jurisdiction=jurisdiction,
            status=Status.INFORMATION_REQUESTED,
            information_reminded_at=None,
            information_requested_at__lte=cutoff,
        )
        for appeal_id in candidates.values_list("pk", flat=True):
            with transaction.atomic():
                appeal = _lock(Appeal(pk=appeal_id))
                if appeal.status != Status.INFORMATION_REQUESTED or appeal.information_reminded_at is not None:
                    continue
                email = True if reminder_channel is None else reminder_channel(appeal.submitted_by, now)
                if email is None:
                    continue
                appeal.information_reminded_at = now
                appeal.save(update_fields=["information_reminded_at"])
                _event(appeal, "borrower_reminded", now=now)
                _notify_borrower(
                    appeal,
                    "information_reminder",
                    answer_by=appeal.information_requested_at + timedelta(days=profile["information_close_days"]),
                    idempotency_key=f"appeal-info-reminder:{appeal.pk}:{appeal.information_requested_at.timestamp()}",
                    email=email,
                )
                sent += 1
    return sent


def appeals_unanswered_close(*, now=None):
    """Close, with a notice, appeals whose information request went unanswered too long."""
    now = now or timezone.now()
    closed = 0
    for jurisdiction, profile in settings.APPEAL_DEADLINE_PROFILES.items():
        cutoff = now - timedelta(days=profile["information_close_days"])
        candidates = Appeal.objects.filter(
            jurisdiction=jurisdiction, status=Status.INFORMATION_REQUESTED, information_requested_at__lte=cutoff
        )
        for appeal_id in candidates.values_list("pk", flat=True):
            with transaction.atomic():
                appeal = _lock(Appeal(pk=appeal_id))
                if appeal.status != Status.INFORMATION_REQUESTED or appeal.information_requested_at > cutoff:
                    continue
                appeal.status = Status.CLOSED
                appeal.closed_at = now
                appeal.close_reason = Appeal.CloseReason.UNANSWERED
                appeal.save(update_fields=["status", "closed_at", "close_reason", "updated_at"])
                _event(appeal, "closed_unanswered", now=now)
                _audit(None, "closed_unanswered", appeal)
                _notify_borrower(appeal, "closed_unanswered")
                closed += 1
    return closed


def appeals_decided_close(*, now=None):
    """Close decided appeals once the window for asking a second-level review has passed."""
    now = now or timezone.now()
    closed = 0
    for jurisdiction, profile in settings.APPEAL_DEADLINE_PROFILES.items():
        cutoff = now - timedelta(days=profile["second_review_days"])
        candidates = Appeal.objects.filter(jurisdiction=jurisdiction, status=Status.DECIDED, decided_at__lt=cutoff)
        for appeal_id in candidates.values_list("pk", flat=True):
            with transaction.atomic():
                appeal = _lock(Appeal(pk=appeal_id))
                if appeal.status != Status.DECIDED:
                    continue
                appeal.status = Status.CLOSED
                appeal.closed_at = now
                appeal.close_reason = Appeal.CloseReason.DECIDED
                appeal.save(update_fields=["status", "closed_at", "close_reason", "updated_at"])
                _event(appeal, "closed", now=now)
                _audit(None, "closed", appeal)
                closed += 1
    return closed
