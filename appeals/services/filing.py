"""Filing an appeal: against a ledger row (a passive change or a clearance) or a closure request
we rejected, with the lender's record of that decision attached."""

import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ClosureRequest, LimitChange
from accounts.risk.records import limit_change_record
from appeals import evidence as evidence_files
from appeals.decision_records import (
    closure_request_appeal_deadline,
    closure_request_snapshot,
    decision_snapshot,
    limit_change_appealable,
)
from appeals.models import Appeal
from appeals.services.common import (
    audit,
    clean_text,
    conflict,
    event_record,
    evidence_prepare,
    evidence_save,
    not_found,
    notify_borrower,
)
from portal.deadlines import deadline_profile
from portal.exceptions import PortalError


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
        if not limit_change_appealable(limit_change):
            raise PortalError(_("This change cannot be appealed: it was not a decision against you."))
        existing = Appeal.objects.open().filter(limit_change=limit_change).first()
        # The full decision record (rules, figures, signals, who and why) travels with the appeal.
        snapshot = {**decision_snapshot(limit_change), "record": limit_change_record(limit_change)}
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


def _submission_check(*, user, limit_change, closure_request, grounds, desired_outcome):
    """The borrower's input, checked before anything is locked: one decision of their own, and
    grounds and an outcome from the lists."""
    if (limit_change is None) == (closure_request is None):
        raise PortalError(_("Choose the decision you are appealing."), code="required")
    if limit_change is not None and not LimitChange.objects.for_user(user).filter(pk=limit_change.pk).exists():
        raise not_found()
    if closure_request is not None and not ClosureRequest.objects.for_user(user).filter(pk=closure_request.pk).exists():
        raise not_found()
    if grounds not in Appeal.Grounds.values:
        raise PortalError(_("Choose the grounds for your appeal."), code="required", field="grounds")
    if desired_outcome not in desired_outcomes_for(closure_request=closure_request):
        raise PortalError(_("Choose the outcome you want."), code="required", field="desired_outcome")


def _filing_check(*, deadline, existing, now):
    if now > deadline:
        raise PortalError(
            _("The deadline for appealing this decision passed on %(deadline)s.")
            % {"deadline": timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M")},
            code="appeal_late",
        )
    if existing is not None:
        raise conflict(
            _("You already have an open appeal against this decision (%(reference)s).")
            % {"reference": existing.reference},
            code="appeal_duplicate",
        )


def _appeal_create(*, now, **fields):
    """The appeal row, under the default jurisdiction's profile, with its reference. The
    database's one-open-appeal constraint catches a race the lock above did not."""
    profile = deadline_profile()
    try:
        with transaction.atomic():
            appeal = Appeal.objects.create(
                reference=f"new-{secrets.token_hex(8)}",  # replaced below, once the id is known
                jurisdiction=profile.jurisdiction,
                created_at=now,
                due_at=profile.decision_due(now),
                **fields,
            )
    except IntegrityError as error:
        raise conflict(_("You already have an open appeal against this decision."), code="appeal_duplicate") from error
    appeal.reference = f"AP-{timezone.localtime(now).year}-{appeal.pk:06d}"
    appeal.save(update_fields=["reference"])
    return appeal


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
    _submission_check(
        user=user,
        limit_change=limit_change,
        closure_request=closure_request,
        grounds=grounds,
        desired_outcome=desired_outcome,
    )
    statement = clean_text(statement, "statement", _("Tell us in a few words why you disagree with the decision."))
    prepared = evidence_prepare(files, existing=0)
    written = []
    try:
        with transaction.atomic():
            deadline, snapshot, existing = _decision_lock(limit_change=limit_change, closure_request=closure_request)
            _filing_check(deadline=deadline, existing=existing, now=now)
            appeal = _appeal_create(
                now=now,
                limit_change=limit_change,
                closure_request=closure_request,
                submitted_by=user,
                grounds=grounds,
                statement=statement,
                desired_outcome=desired_outcome,
                decision_snapshot=snapshot,
            )
            evidence_save(appeal, prepared, user=user, written=written)
            event_record(appeal, "submitted", actor=user, now=now, data={"files": len(prepared)})
            audit(user, "submitted", appeal, request=request, after={"grounds": grounds, "files": len(prepared)})
            notify_borrower(appeal, "received")
    except BaseException:
        evidence_files.evidence_discard(written)
        raise
    return appeal
