"""What the lender holds about a decision under appeal, read from data: whether it can still be
appealed and until when, the snapshot an appeal carries, and who took part in it (and therefore
may not review the appeal).

Selectors, template tags and services all need these reads, and selectors never import services,
so they live here, below both."""

from accounts.models import ClearanceCase, ClosureRequest, LimitChange, ReasonCode, RiskDecision
from accounts.models.credit import APPEALABLE_KINDS
from portal.deadlines import deadline_profile

# ---------------------------------------------------------------------------------------------
# Can it be appealed, and until when


def limit_change_appealable(change):
    """A ledger row the borrower did not ask for, with an appeal deadline (it may have passed)."""
    return change.kind in APPEALABLE_KINDS and change.appeal_deadline is not None


def closure_request_appeal_deadline(closure_request):
    """A rejected closure request can be appealed for the same window as a limit decision."""
    if closure_request.status != ClosureRequest.Status.REJECTED or closure_request.rejected_at is None:
        return None
    return deadline_profile().filing_deadline(closure_request.rejected_at)


# ---------------------------------------------------------------------------------------------
# Snapshots: never ask a borrower for what the lender already holds


def _risk_decision(limit_change):
    return RiskDecision.objects.filter(limit_change=limit_change).select_related("policy_version").first()


def decision_snapshot(limit_change):
    """What the lender held about the decision: reasons, the figures the policy saw, the policy
    version. Attached to the appeal so the borrower never has to supply it."""
    catalogue = ReasonCode.objects.in_bulk(limit_change.reason_codes)
    risk_decision = _risk_decision(limit_change)
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
        "policy_version": limit_change.policy_version.label if limit_change.policy_version else "",
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
    if limit_change.kind != LimitChange.Kind.CLEARANCE:
        return None
    case = ClearanceCase.objects.filter(limit_change=limit_change).first()
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


def _text_or_none(value):
    return str(value) if value is not None else None


def closure_request_snapshot(closure_request):
    """What the lender held about a rejected closure request: what was asked, and why we could
    not apply it."""
    return {
        "closure_request": closure_request.reference,
        "kind": closure_request.kind,
        "target_limit": _text_or_none(closure_request.target_limit),
        "previous_limit": _text_or_none(closure_request.previous_limit),
        "previous_status": closure_request.previous_status,
        "currency": closure_request.account.product.currency,
        "submitted_at": closure_request.submitted_at.isoformat() if closure_request.submitted_at else None,
        "rejected_at": closure_request.rejected_at.isoformat() if closure_request.rejected_at else None,
        "rejection_reason": closure_request.rejection_reason,
    }


# ---------------------------------------------------------------------------------------------
# Recusal: whoever made a decision never reviews the appeal against it


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
    risk_decision = _risk_decision(limit_change) if limit_change.decided_by == LimitChange.DecidedBy.POLICY else None
    if risk_decision:
        ids.add(risk_decision.reviewed_by_id)
    policy = risk_decision.policy_version if risk_decision else limit_change.policy_version
    if policy is not None:
        ids.update({policy.created_by_id, policy.activated_by_id})
    ids.discard(None)
    return ids


def closure_rejection_user_ids(closure_request):
    """The staff member who rejected a closure request by hand, if one did (the beat task has no
    person behind it, so ``rejected_by`` stays empty)."""
    return {closure_request.rejected_by_id} - {None}


def appeal_recused_user_ids(appeal):
    """Who took part in the decision under this appeal (see recused_user_ids)."""
    if appeal.closure_request_id is not None:
        return closure_rejection_user_ids(appeal.closure_request)
    return recused_user_ids(appeal.limit_change)
