"""Carrying out a submitted request once its cooling-off window has passed (the beat task, or
staff by hand), and closing a line whose balance has since been repaid. What a request does to
the line is decided in ``accounts.closure.outcome``."""

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.closure.outcome import closure_outcome_apply, closure_outcome_for
from accounts.closure.services.common import ClosureConflict, account_and_request_lock, receipt_notice_send
from accounts.closure.services.drafts import closure_drafts_expire
from accounts.models import ClosureRequest, CreditAccount, LimitChange
from portal.db import lock_conflict_retried
from portal.services import audit_event_record


def _actor_label(actor):
    return None if actor else "system"


def _reject(closure_request, *, why, actor, now):
    closure_request.status = ClosureRequest.Status.REJECTED
    closure_request.rejected_at = now
    closure_request.rejection_reason = why
    closure_request.rejected_by = actor
    closure_request.save(update_fields=["status", "rejected_at", "rejection_reason", "rejected_by", "updated_at"])
    audit_event_record(
        actor=actor,
        actor_label=_actor_label(actor),
        action="closure_request.rejected",
        target=closure_request,
        summary=why,
    )
    receipt_notice_send(closure_request, kind="closure_rejected", recipient=closure_request.requested_by, why=why)
    return closure_request


def _due_request_lock(closure_request_id, *, now):
    """(account, request), both locked, for a submitted request whose cooling-off has ended;
    (None, None) when there is no such request any more; a ClosureConflict while it is cooling off."""
    closure_request = (
        ClosureRequest.objects.select_related("account", "requested_by").filter(pk=closure_request_id).first()
    )
    if closure_request is None:
        return None, None
    account, closure_request = account_and_request_lock(closure_request)
    if closure_request.status != ClosureRequest.Status.SUBMITTED:
        return None, None
    if closure_request.cooling_off_ends_at > now:
        raise ClosureConflict(
            _("%(reference)s is still in its cooling-off period until %(when)s.")
            % {
                "reference": closure_request.reference,
                "when": date_format(timezone.localtime(closure_request.cooling_off_ends_at), "DATETIME_FORMAT"),
            },
            code="cooling_off",
        )
    return account, closure_request


def _completion_record(closure_request, *, change, line_closed, actor, now, request):
    closure_request.status = ClosureRequest.Status.COMPLETED
    closure_request.completed_at = now
    closure_request.limit_change = change
    fields = ["status", "completed_at", "limit_change", "updated_at"]
    if line_closed:
        closure_request.line_closed_at = now
        fields.append("line_closed_at")
    closure_request.save(update_fields=fields)
    audit_event_record(
        actor=actor,
        actor_label=_actor_label(actor),
        action="closure_request.completed",
        target=closure_request,
        summary=f"ledger #{change.sequence}",
        request=request,
    )


def _borrower_outcome_apply(closure_request, *, account, outcome, request=None):
    return closure_outcome_apply(
        account=account,
        outcome=outcome,
        decided_by=LimitChange.DecidedBy.BORROWER,
        decided_by_user=closure_request.requested_by,
        source_reference=closure_request.reference,
        request=request,
    )


@lock_conflict_retried
def closure_request_complete(*, closure_request_id, actor=None, request=None):
    """Apply a submitted request whose cooling-off window has ended, through the ledger, or
    reject it (with the reason) when the line no longer allows it.

    Idempotent: a request that is no longer submitted is left alone (returns None). ``actor`` is
    the staff member processing it by hand; nobody can complete it before the window ends."""
    now = timezone.now()
    with transaction.atomic():
        account, closure_request = _due_request_lock(closure_request_id, now=now)
        if closure_request is None:
            return None
        outcome = closure_outcome_for(closure_request=closure_request, account=account)
        if not outcome.applies:
            return _reject(closure_request, why=outcome.refusal, actor=actor, now=now)
        change = _borrower_outcome_apply(closure_request, account=account, outcome=outcome, request=request)
        line_closed = outcome.new_status == CreditAccount.Status.CLOSED
        _completion_record(
            closure_request, change=change, line_closed=line_closed, actor=actor, now=now, request=request
        )
    return closure_request


@lock_conflict_retried
def closure_line_close_if_repaid(*, closure_request_id):
    """A completed closure whose balance is now repaid: mark the line closed (second ledger row)."""
    with transaction.atomic():
        closure_request = ClosureRequest.objects.filter(pk=closure_request_id).select_related("account").first()
        if closure_request is None:
            return None
        account, closure_request = account_and_request_lock(closure_request)
        if (
            closure_request.kind != ClosureRequest.Kind.CLOSE
            or closure_request.status != ClosureRequest.Status.COMPLETED
            or closure_request.line_closed_at is not None
            or account.outstanding_balance > 0
        ):
            return None
        closure_request.line_closed_at = timezone.now()
        closure_request.save(update_fields=["line_closed_at", "updated_at"])
        # Refused only when the line is already closed or cleared: then there is nothing left to do.
        outcome = closure_outcome_for(closure_request=closure_request, account=account)
        if outcome.applies:
            _borrower_outcome_apply(closure_request, account=account, outcome=outcome)
    return closure_request


def closure_requests_process(*, now=None):
    """The beat job: expire abandoned drafts, complete due requests, close repaid lines.
    Safe to run twice: each step skips what is already done."""
    now = now or timezone.now()
    expired = closure_drafts_expire(now=now)
    completed = 0
    for pk in list(ClosureRequest.objects.due(now).order_by("cooling_off_ends_at").values_list("pk", flat=True)):
        result = closure_request_complete(closure_request_id=pk)
        completed += result is not None and result.status == ClosureRequest.Status.COMPLETED
    closed = 0
    for pk in list(
        ClosureRequest.objects.filter(
            kind=ClosureRequest.Kind.CLOSE,
            status=ClosureRequest.Status.COMPLETED,
            line_closed_at__isnull=True,
            account__outstanding_balance__lte=0,
        ).values_list("pk", flat=True)
    ):
        closed += closure_line_close_if_repaid(closure_request_id=pk) is not None
    return {"expired": expired, "completed": completed, "closed": closed}
