"""Four eyes on large cuts and freezes: a second person approves (the change takes effect now)
or rejects a decision waiting for approval."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.credit.services import limit_changes_apply_locked
from accounts.models import CreditAccount, RiskDecision
from accounts.risk.services.evaluation import decision_planned_change
from portal.exceptions import PortalError
from portal.services import audit_event_record


def _check_reviewer(*, decision, reviewer):
    if not reviewer.has_perm("accounts.approve_riskdecision"):
        raise PortalError(_("You do not have permission to review risk decisions."), code="forbidden")
    policy = decision.policy_version
    if reviewer.pk in (policy.created_by_id, policy.activated_by_id):
        raise PortalError(
            _("You wrote or switched on the policy that made this decision, so someone else must review it."),
            code="four_eyes",
        )


def _pending_decision_lock(*, decision, reviewer, related):
    """The decision, locked and re-read, once the reviewer may review it and it still waits. Its
    account is locked first (the order in portal/db.py), and neither lock takes the policy version
    or product rows they are read with."""
    account_id = RiskDecision.objects.values_list("account_id", flat=True).get(pk=decision.pk)
    CreditAccount.objects.select_for_update(of=("self",)).get(pk=account_id)
    decision = RiskDecision.objects.select_for_update(of=("self",)).select_related(*related).get(pk=decision.pk)
    _check_reviewer(decision=decision, reviewer=reviewer)
    if decision.status != RiskDecision.Status.PENDING_APPROVAL:
        raise PortalError(_("This decision is no longer waiting for approval."), code="not_pending")
    return decision


def risk_decision_approve(*, decision, reviewer, note="", request=None, now=None):
    """A second person approves a large cut or a freeze; it takes effect now."""
    now = now or timezone.now()
    with transaction.atomic():
        decision = _pending_decision_lock(decision=decision, reviewer=reviewer, related=["policy_version", "account"])
        account = (
            CreditAccount.objects.select_for_update(of=("self",)).select_related("product").get(pk=decision.account_id)
        )
        stale = account.status != CreditAccount.Status.ACTIVE or account.credit_limit != decision.previous_limit
        decision.reviewed_by, decision.reviewed_at, decision.review_note = reviewer, now, note
        if stale:
            decision.status = RiskDecision.Status.SUPERSEDED
            decision.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
        else:
            decision.account = (
                CreditAccount.objects.select_for_update(of=("self",))
                .select_related("product")
                .get(pk=decision.account_id)
            )
            (decision.limit_change,) = limit_changes_apply_locked(
                planned=[decision_planned_change(decision, approver=reviewer, now=now)], request=request
            )
            decision.status = RiskDecision.Status.APPLIED
            decision.save(update_fields=["limit_change", "status", "reviewed_by", "reviewed_at", "review_note"])
        audit_event_record(
            actor=reviewer, action=f"risk_decision.{decision.status}", target=decision, summary=note, request=request
        )
    # Outside the transaction, so the decision stays set aside when we refuse.
    if stale:
        raise PortalError(
            _(
                "The account changed since this decision was made, so it was set aside. "
                "The next evaluation decides again."
            ),
            code="stale",
        )
    return decision


def risk_decision_reject(*, decision, reviewer, note, request=None, now=None):
    now = now or timezone.now()
    if not (note or "").strip():
        raise PortalError(_("Say why you reject this decision."), field="note")
    with transaction.atomic():
        decision = _pending_decision_lock(decision=decision, reviewer=reviewer, related=["policy_version"])
        decision.status = RiskDecision.Status.REJECTED
        decision.reviewed_by, decision.reviewed_at, decision.review_note = reviewer, now, note
        decision.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
        audit_event_record(
            actor=reviewer, action="risk_decision.rejected", target=decision, summary=note, request=request
        )
    return decision
