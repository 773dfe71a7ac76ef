"""Steps 1 to 3 of the wizard (the choice, the impact read, the reason) and the expiry of
drafts left untouched for ``ClosureRequest.DRAFT_LIFETIME``. The web shows steps 2 and 3 on one
screen (``closure_request_impact_and_reason_set``); the API keeps them apart."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.closure.services.choices import choice_validate
from accounts.closure.services.common import (
    ClosureConflict,
    account_and_request_lock,
    account_lock,
    draft_check,
    draft_lock,
    owner_check,
)
from accounts.models import ClosureRequest, CreditAccount
from portal.db import lock_conflict_retried
from portal.exceptions import PortalError
from portal.services import audit_event_record, audit_events_record_many


def _stale_drafts_expire(*, account, now):
    """The account's expired drafts become ``expired`` (so they no longer block a new one)."""
    stale = list(ClosureRequest.objects.drafts_expired(now).filter(account=account))
    if stale:
        ClosureRequest.objects.filter(pk__in=[item.pk for item in stale]).update(
            status=ClosureRequest.Status.EXPIRED, expired_at=now, updated_at=now
        )
        audit_events_record_many(
            events=[
                {"actor": None, "actor_label": "system", "action": "closure_request.expired", "target": item}
                for item in stale
            ]
        )
    return len(stale)


def closure_drafts_expire(*, now=None):
    """Drafts untouched for 24 hours expire. Returns how many."""
    now = now or timezone.now()
    expired = 0
    account_ids = ClosureRequest.objects.drafts_expired(now).values_list("account_id", flat=True).distinct()
    for account_id in list(account_ids):
        with transaction.atomic():
            account = account_lock(CreditAccount(pk=account_id))
            expired += _stale_drafts_expire(account=account, now=now)
    return expired


def _open_request_refuse(open_request):
    error = ClosureConflict(
        _("You already have an open request for this credit line (%(reference)s). Continue or withdraw it first.")
        % {"reference": open_request.reference or _("unfinished draft")},
        code="open_request_exists",
    )
    error.closure_request = open_request
    raise error


@lock_conflict_retried
def closure_request_draft_create(
    *, user, account, kind, target_limit=None, idempotency_key=None, request=None
) -> ClosureRequest:
    """Step 1: start a request. One open request per account: a second attempt is refused with
    the open one attached (``error.closure_request``), so the caller can show it."""
    if idempotency_key:
        existing = ClosureRequest.objects.for_user(user).filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    now = timezone.now()
    with transaction.atomic():
        account = account_lock(account)
        if user.customer_id is None or account.customer_id != user.customer_id:
            raise CreditAccount.DoesNotExist
        _stale_drafts_expire(account=account, now=now)
        open_request = ClosureRequest.objects.open().filter(account=account).first()
        if open_request is not None:
            _open_request_refuse(open_request)
        target = choice_validate(account=account, kind=kind, target_limit=target_limit)
        try:
            with transaction.atomic():
                closure_request = ClosureRequest.objects.create(
                    account=account,
                    requested_by=user,
                    kind=kind,
                    target_limit=target,
                    idempotency_key=idempotency_key or None,
                )
        except IntegrityError:  # a parallel request with the same key or for the same account won
            raise ClosureConflict(
                _("You already have an open request for this credit line. Continue or withdraw it first."),
                code="open_request_exists",
            ) from None
        audit_event_record(
            actor=user,
            action="closure_request.draft_created",
            target=closure_request,
            after={"account": account.external_id, "kind": kind, "target_limit": str(target) if target else None},
            request=request,
        )
    return closure_request


@lock_conflict_retried
def closure_request_choice_update(*, closure_request, user, kind, target_limit=None, request=None):
    """Step 1 again (the borrower went back): a different choice must be acknowledged, and the
    identity checked, again (a step-up vouches for the choice it was made for)."""
    with transaction.atomic():
        owner_check(closure_request=closure_request, user=user)
        account, closure_request = account_and_request_lock(closure_request)
        draft_check(closure_request)
        target = choice_validate(account=account, kind=kind, target_limit=target_limit)
        fields = ["updated_at"]
        if (kind, target) != (closure_request.kind, closure_request.target_limit):
            closure_request.kind, closure_request.target_limit = kind, target
            closure_request.impact_acknowledged_at = None
            closure_request.verified_at = None
            fields += ["kind", "target_limit", "impact_acknowledged_at", "verified_at"]
            audit_event_record(
                actor=user,
                action="closure_request.choice_changed",
                target=closure_request,
                after={"kind": kind, "target_limit": str(target) if target else None},
                request=request,
            )
        closure_request.save(update_fields=fields)
    return closure_request


def closure_request_impact_acknowledge(*, closure_request, user, request=None):
    """Step 2: the borrower has read what changes and what does not."""
    with transaction.atomic():
        closure_request = draft_lock(closure_request=closure_request, user=user)
        closure_request.impact_acknowledged_at = timezone.now()
        closure_request.save(update_fields=["impact_acknowledged_at", "updated_at"])
    return closure_request


def _reason_clean(reason, reason_text):
    if reason not in ClosureRequest.Reason.values:
        raise PortalError(_("Choose the reason that fits best."), field="reason")
    reason_text = " ".join((reason_text or "").split())
    if len(reason_text) > 500:
        raise PortalError(_("Keep it under 500 characters."), field="reason_text")
    return reason_text


def closure_request_reason_set(*, closure_request, user, reason, reason_text="", request=None):
    """Step 3: why, from a short neutral list, plus optional words."""
    reason_text = _reason_clean(reason, reason_text)
    with transaction.atomic():
        closure_request = draft_lock(closure_request=closure_request, user=user)
        if closure_request.impact_acknowledged_at is None:
            raise PortalError(_("Please read and confirm the impact first (step 2)."), code="out_of_order")
        closure_request.reason, closure_request.reason_text = reason, reason_text
        closure_request.save(update_fields=["reason", "reason_text", "updated_at"])
    return closure_request


def closure_request_impact_and_reason_set(*, closure_request, user, reason, reason_text="", request=None):
    """Steps 2 and 3 together (the web wizard's second screen): the borrower has read what
    changes and gives a reason. Both are saved, or (bad input) neither."""
    reason_text = _reason_clean(reason, reason_text)
    with transaction.atomic():
        closure_request = draft_lock(closure_request=closure_request, user=user)
        closure_request.impact_acknowledged_at = timezone.now()
        closure_request.reason, closure_request.reason_text = reason, reason_text
        closure_request.save(update_fields=["impact_acknowledged_at", "reason", "reason_text", "updated_at"])
    return closure_request
