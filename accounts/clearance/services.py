"""Account clearance (账户清退): propose, approve, reject, withdraw.

No clearance is decided by one person alone: a Support agent or Risk analyst proposes it with
grounds and an evidence checklist, and a Compliance officer other than the proposer approves or
rejects it with a written legal-review note. Approval goes through the ledger
(``limit_change_apply``): limit 0, status ``cleared``, the reasons and the appeal deadline on the
borrower's notice. The borrower keeps their login, balances, repayments and the right to appeal.

A refused staff action (no permission, deciding one's own proposal) is audited before it is
refused, so the audit log shows attempts as well as decisions."""

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.credit.services import limit_change_apply
from accounts.models import ClearanceCase, CreditAccount, LimitChange
from portal.db import lock_conflict_retried
from portal.exceptions import PortalError
from portal.services import audit_event_record, notification_send

PROPOSE_PERMISSION = "accounts.propose_clearance"
APPROVE_PERMISSION = "accounts.approve_clearance"
COMPLIANCE_GROUP = "Compliance officer"
TEXT_MAX_LENGTH = 5000
# The catalogue's reason code for each ground (accounts/migrations/0004_reason_codes.py).
REASON_CODES = {
    ClearanceCase.Grounds.MALICIOUS_OVERDUE: "malicious_overdue",
    ClearanceCase.Grounds.FRAUD_SUSPICION: "fraud_suspicion",
    ClearanceCase.Grounds.AGREEMENT_VIOLATION: "agreement_violation",
}


def _error(message, *, code, status_code=400, field=None):
    error = PortalError(message, code=code, field=field)
    error.status_code = status_code
    return error


def _refuse(*, actor, target, message, request, code="forbidden"):
    """Record the refused attempt in the audit log, then refuse it (403)."""
    audit_event_record(actor=actor, action="clearance.refused", target=target, summary=message, request=request)
    return _error(message, code=code, status_code=403)


def _is_staff_with(actor, permission):
    return bool(actor and actor.is_authenticated and actor.is_active and actor.is_staff and actor.has_perm(permission))


def _text(value, *, field, required_message):
    value = (value or "").strip()
    if not value:
        raise _error(required_message, code="required", field=field)
    if len(value) > TEXT_MAX_LENGTH:
        raise _error(
            _("Please keep this to %(limit)s characters.") % {"limit": TEXT_MAX_LENGTH}, code="too_long", field=field
        )
    return value


def _checklist_validate(grounds, evidence):
    items = ClearanceCase.checklist_for(grounds)
    known = {key for key, _label, _mandatory in items}
    ticked = list(dict.fromkeys(evidence or []))
    unknown = [key for key in ticked if key not in known]
    if unknown:
        raise _error(
            _("These checklist items do not belong to the grounds chosen: %(items)s.") % {"items": ", ".join(unknown)},
            code="invalid",
            field="evidence",
        )
    missing = [str(label) for key, label, mandatory in items if mandatory and key not in ticked]
    if missing:
        raise _error(
            _("Confirm the required evidence before proposing clearance: %(items)s.") % {"items": "; ".join(missing)},
            code="evidence_missing",
            field="evidence",
        )
    return ticked


def _case_lock(case):
    """The case, locked after its account (the portal's lock order, ``portal.db``): approving it
    changes the account through the ledger, which locks the account."""
    account_id = ClearanceCase.objects.filter(pk=case.pk).values_list("account_id", flat=True).get()
    CreditAccount.objects.select_for_update(of=("self",)).only("pk").get(pk=account_id)
    return (
        ClearanceCase.objects.select_for_update(of=("self",))
        .select_related("account__product", "account__customer", "proposer")
        .get(pk=case.pk)
    )


def _require_open(case):
    if case.status != ClearanceCase.Status.PROPOSED:
        raise _error(
            _("Clearance case %(reference)s is already %(status)s; it cannot be changed any more.")
            % {"reference": case.reference, "status": case.get_status_display()},
            code="invalid_state",
            status_code=409,
        )


def _notify_staff(users, case, step):
    for user in users:
        notification_send(
            recipient=user,
            kind=f"clearance_staff.{step}",
            template="clearance_staff",
            link=reverse("admin:accounts_clearancecase_decide", args=[case.pk]),
            context={"case": case, "step": step, "account": case.account},
        )


def _compliance_officers(*, exclude=()):
    group = Group.objects.filter(name=COMPLIANCE_GROUP).first()
    if group is None:
        return []
    return [user for user in group.user_set.filter(is_active=True, is_staff=True) if user.pk not in exclude]


@lock_conflict_retried
def clearance_propose(*, account, actor, grounds, evidence, statement, evidence_reference="", request=None):
    """A Support agent or Risk analyst proposes clearing ``account``. One open case per account."""
    if not _is_staff_with(actor, PROPOSE_PERMISSION):
        raise _refuse(
            actor=actor, target=account, message=_("You do not have permission to propose clearance."), request=request
        )
    if grounds not in ClearanceCase.Grounds.values:
        raise _error(_("Choose the grounds for clearance."), code="required", field="grounds")
    ticked = _checklist_validate(grounds, evidence)
    statement = _text(
        statement, field="statement", required_message=_("Describe what happened and why clearance is needed.")
    )
    evidence_reference = (evidence_reference or "").strip()
    if len(evidence_reference) > 200:
        raise _error(_("Keep the references to 200 characters."), code="too_long", field="evidence_reference")
    with transaction.atomic():
        account = (
            CreditAccount.objects.select_for_update(of=("self",))
            .select_related("product", "customer")
            .get(pk=account.pk)
        )
        if account.status in (CreditAccount.Status.CLEARED, CreditAccount.Status.CLOSED):
            raise _error(
                _("Credit line %(account)s is already %(status)s; there is nothing to clear.")
                % {"account": account.external_id, "status": account.get_status_display()},
                code="invalid_state",
                status_code=409,
            )
        existing = ClearanceCase.objects.open().filter(account=account).first()
        if existing is not None:
            raise _error(
                _("Credit line %(account)s already has an open clearance case (%(reference)s).")
                % {"account": account.external_id, "reference": existing.reference},
                code="clearance_duplicate",
                status_code=409,
            )
        try:
            with transaction.atomic():
                case = ClearanceCase.objects.create(
                    account=account,
                    proposer=actor,
                    grounds=grounds,
                    evidence_checklist=ticked,
                    evidence_reference=evidence_reference,
                    statement=statement,
                )
        except IntegrityError as error:
            raise _error(
                _("Credit line %(account)s already has an open clearance case.") % {"account": account.external_id},
                code="clearance_duplicate",
                status_code=409,
            ) from error
        audit_event_record(
            actor=actor,
            action="clearance.proposed",
            target=case,
            summary=statement,
            after={"account": account.external_id, "grounds": grounds, "evidence": ticked},
            request=request,
        )
        _notify_staff(_compliance_officers(exclude={actor.pk}), case, "proposed")
    return case


def _decision_check(case, actor, request):
    """Permission and separation of duties, checked (and refusals audited) before any lock."""
    if not _is_staff_with(actor, APPROVE_PERMISSION):
        raise _refuse(
            actor=actor,
            target=case,
            message=_("Only a compliance officer may approve or reject clearance."),
            request=request,
        )
    if case.proposer_id == actor.pk:
        raise _refuse(
            actor=actor,
            target=case,
            message=_(
                "You proposed this clearance, so another compliance officer must approve or reject it (four eyes)."
            ),
            request=request,
            code="four_eyes",
        )


@lock_conflict_retried
def clearance_approve(*, case, actor, legal_review_note, request=None):
    """Approve and apply: the ledger sets the limit to 0 and the status to ``cleared`` and tells
    the borrower the reasons, what they can still do, and how to appeal before the deadline."""
    note = _text(
        legal_review_note,
        field="legal_review_note",
        required_message=_("Write the legal-review note: it is kept with the decision."),
    )
    case = ClearanceCase.objects.get(pk=case.pk)
    _decision_check(case, actor, request)
    with transaction.atomic():
        case = _case_lock(case)
        _require_open(case)
        account = case.account
        if account.status in (CreditAccount.Status.CLEARED, CreditAccount.Status.CLOSED):
            raise _error(
                _("Credit line %(account)s is already %(status)s; reject or withdraw this case instead.")
                % {"account": account.external_id, "status": account.get_status_display()},
                code="invalid_state",
                status_code=409,
            )
        change = limit_change_apply(
            account=account,
            kind=LimitChange.Kind.CLEARANCE,
            new_limit=0,
            new_status=CreditAccount.Status.CLEARED,
            reason_codes=[REASON_CODES[case.grounds]],
            decided_by=LimitChange.DecidedBy.STAFF,
            decided_by_user=actor,
            source_reference=case.reference,
            request=request,
        )
        case.status = ClearanceCase.Status.APPROVED
        case.reviewer = actor
        case.legal_review_note = note
        case.decided_at = timezone.now()
        case.limit_change = change
        case.save(update_fields=["status", "reviewer", "legal_review_note", "decided_at", "limit_change"])
        audit_event_record(
            actor=actor,
            action="clearance.approved",
            target=case,
            summary=note,
            before={"status": ClearanceCase.Status.PROPOSED, "credit_limit": str(change.previous_limit)},
            after={"status": case.status, "ledger_sequence": change.sequence, "account": account.external_id},
            request=request,
        )
        _notify_staff([case.proposer], case, "approved")
    return case


@lock_conflict_retried
def clearance_reject(*, case, actor, legal_review_note, request=None):
    """Reject with the legal-review note; nothing changes on the account."""
    note = _text(
        legal_review_note,
        field="legal_review_note",
        required_message=_("Write the legal-review note: say why clearance is not justified."),
    )
    case = ClearanceCase.objects.get(pk=case.pk)
    _decision_check(case, actor, request)
    with transaction.atomic():
        case = _case_lock(case)
        _require_open(case)
        case.status = ClearanceCase.Status.REJECTED
        case.reviewer = actor
        case.legal_review_note = note
        case.decided_at = timezone.now()
        case.save(update_fields=["status", "reviewer", "legal_review_note", "decided_at"])
        audit_event_record(
            actor=actor,
            action="clearance.rejected",
            target=case,
            summary=note,
            before={"status": ClearanceCase.Status.PROPOSED},
            after={"status": case.status},
            request=request,
        )
        _notify_staff([case.proposer], case, "rejected")
    return case


@lock_conflict_retried
def clearance_withdraw(*, case, actor, reason="", request=None):
    """The proposer (or a colleague who may propose) takes a case back before it is decided."""
    case = ClearanceCase.objects.get(pk=case.pk)
    if not _is_staff_with(actor, PROPOSE_PERMISSION):
        raise _refuse(
            actor=actor,
            target=case,
            message=_("You do not have permission to withdraw clearance cases."),
            request=request,
        )
    reason = (reason or "").strip()[:TEXT_MAX_LENGTH]
    with transaction.atomic():
        case = _case_lock(case)
        _require_open(case)
        case.status = ClearanceCase.Status.WITHDRAWN
        case.withdrawn_by = actor
        case.withdrawn_at = timezone.now()
        case.withdrawal_reason = reason
        case.save(update_fields=["status", "withdrawn_by", "withdrawn_at", "withdrawal_reason"])
        audit_event_record(
            actor=actor,
            action="clearance.withdrawn",
            target=case,
            summary=reason,
            before={"status": ClearanceCase.Status.PROPOSED},
            after={"status": case.status},
            request=request,
        )
    return case


def clearance_case_for_change(limit_change):
    """The clearance case whose approval wrote ``limit_change`` (None for other ledger rows)."""
    if limit_change is None or limit_change.kind != LimitChange.Kind.CLEARANCE:
        return None
    return ClearanceCase.objects.filter(limit_change=limit_change).first()
