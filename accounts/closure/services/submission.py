"""Step 5 of the wizard, the submission that starts the cooling-off window, and the withdrawal
the borrower may make until that window ends."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.closure.services.choices import choice_validate
from accounts.closure.services.common import (
    ClosureConflict,
    account_and_request_lock,
    draft_check,
    owner_check,
    receipt_notice_send,
)
from accounts.models import ClosureRequest
from portal.db import lock_conflict_retried
from portal.exceptions import PortalError
from portal.services import audit_event_record

# The step-up (on the web: the password and a code on one screen; in the API: the code) vouches
# for this draft, in any session of its borrower, for this long: a borrower who stops after it
# and signs in again within the window goes straight to the confirm step; after it, or once the
# choice changes, the identity is checked again.
VERIFICATION_LIFETIME = timedelta(minutes=15)


def closure_request_steps_done(closure_request, *, now=None):
    """How many of the first four steps are complete (the fifth is the submission)."""
    now = now or timezone.now()
    if not closure_request.kind:
        return 0
    if closure_request.impact_acknowledged_at is None:
        return 1
    if not closure_request.reason:
        return 2
    if closure_request.verified_at is None or closure_request.verified_at < now - VERIFICATION_LIFETIME:
        return 3
    return 4


def _reference(closure_request, now):
    return f"CR-{timezone.localtime(now).year}-{closure_request.pk:06d}"


def _steps_done_check(closure_request, *, now):
    steps = closure_request_steps_done(closure_request, now=now)
    if steps < 4:
        raise PortalError(
            _("Please verify your identity again (step 4) before submitting.")
            if steps == 3
            else _("Please complete the earlier steps first."),
            code="out_of_order",
        )


@lock_conflict_retried
def closure_request_submit(*, closure_request, user, request=None):
    """Step 5: submit. Submitting again (double click, refresh, retry) returns the same request."""
    now = timezone.now()
    with transaction.atomic():
        owner_check(closure_request=closure_request, user=user)
        account, closure_request = account_and_request_lock(closure_request)
        if closure_request.status == ClosureRequest.Status.SUBMITTED:
            return closure_request
        draft_check(closure_request, now=now)
        _steps_done_check(closure_request, now=now)
        # The account may have changed since the draft began: check the choice again.
        choice_validate(account=account, kind=closure_request.kind, target_limit=closure_request.target_limit)
        closure_request.status = ClosureRequest.Status.SUBMITTED
        closure_request.reference = _reference(closure_request, now)
        closure_request.submitted_at = now
        closure_request.cooling_off_ends_at = now + timedelta(hours=settings.CLOSURE_COOLING_OFF_HOURS)
        closure_request.previous_limit = account.credit_limit
        closure_request.previous_status = account.status
        closure_request.save(
            update_fields=[
                "status",
                "reference",
                "submitted_at",
                "cooling_off_ends_at",
                "previous_limit",
                "previous_status",
                "updated_at",
            ]
        )
        audit_event_record(
            actor=user,
            action="closure_request.submitted",
            target=closure_request,
            before={"credit_limit": str(account.credit_limit), "status": account.status},
            after={
                "kind": closure_request.kind,
                "target_limit": str(closure_request.target_limit) if closure_request.target_limit else None,
                "reason": closure_request.reason,
                "cooling_off_ends_at": closure_request.cooling_off_ends_at.isoformat(),
            },
            request=request,
        )
        receipt_notice_send(closure_request, kind="closure_submitted", recipient=user)
    return closure_request


@lock_conflict_retried
def closure_request_withdraw(*, closure_request, user, request=None):
    """Withdraw a submitted request during its cooling-off window: nothing changes.

    The account is locked first although only the request changes: completion locks the account,
    then the request, and a withdrawal that took them the other way round could deadlock with it."""
    now = timezone.now()
    with transaction.atomic():
        owner_check(closure_request=closure_request, user=user)
        _account, closure_request = account_and_request_lock(closure_request)
        if closure_request.status != ClosureRequest.Status.SUBMITTED:
            raise ClosureConflict(
                _("This request is %(status)s, so it cannot be withdrawn.")
                % {"status": closure_request.get_status_display()},
                code="not_withdrawable",
            )
        if closure_request.cooling_off_ends_at <= now:
            raise ClosureConflict(
                _("The cooling-off period ended on %(when)s, so this request can no longer be withdrawn.")
                % {"when": date_format(timezone.localtime(closure_request.cooling_off_ends_at), "DATETIME_FORMAT")},
                code="cooling_off_over",
            )
        closure_request.status = ClosureRequest.Status.WITHDRAWN
        closure_request.withdrawn_at = now
        closure_request.save(update_fields=["status", "withdrawn_at", "updated_at"])
        audit_event_record(actor=user, action="closure_request.withdrawn", target=closure_request, request=request)
        receipt_notice_send(closure_request, kind="closure_withdrawn", recipient=user)
    return closure_request
