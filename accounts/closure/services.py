"""The closure-request wizard's writes: drafts, the step-up check, submit, withdraw, and the
completion that applies a request through the ledger once its cooling-off window has passed.

Decisions (see the issue note):
- *pause* freezes the line (status ``frozen``, ledger kind ``voluntary_pause``) and keeps the
  limit; a later *resume* request (ledger kind ``restoration``) makes it active again;
- *close* sets the limit to 0 at completion, so new borrowing stops at once; the status becomes
  ``closed`` at once when nothing is owed, otherwise when the balance has been repaid (the beat
  task writes that second ledger row);
- each request waits ``CLOSURE_COOLING_OFF_HOURS`` after submission; the borrower may withdraw it
  until then; staff can process a due request by hand but can never skip the window.
"""

import logging
import secrets
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.credit.services import limit_change_apply
from accounts.models import ClosureRequest, CreditAccount, LimitChange
from portal.exceptions import PortalError
from portal.formatting import money
from portal.services import audit_event_record, audit_events_record_many, notification_send

logger = logging.getLogger(__name__)

DRAFT_LIFETIME = timedelta(hours=24)
CODE_LIFETIME = timedelta(minutes=10)
CODE_MAX_FAILURES = 5
CODES_PER_DRAFT = 5
# The identity check counts for the confirm step only while fresh.
VERIFICATION_LIFETIME = timedelta(minutes=15)
REASON_CODE = "borrower_request"
CENT = Decimal("0.01")

LEDGER_KIND = {
    ClosureRequest.Kind.LOWER: LimitChange.Kind.VOLUNTARY_REDUCTION,
    ClosureRequest.Kind.PAUSE: LimitChange.Kind.VOLUNTARY_PAUSE,
    ClosureRequest.Kind.RESUME: LimitChange.Kind.RESTORATION,
    ClosureRequest.Kind.CLOSE: LimitChange.Kind.VOLUNTARY_CLOSURE,
}


class ClosureConflict(PortalError):
    """The request is not in a state that allows this (the API answers 409)."""

    status_code = 409


# --- what an account allows -------------------------------------------------------------------


def _latest_ledger_kind(account):
    return LimitChange.objects.filter(account=account).order_by("-sequence").values_list("kind", flat=True).first()


def closure_kinds_allowed(*, account):
    """The choices the wizard offers for ``account``, or a PortalError saying why there are none
    and what the borrower can do instead."""
    status = account.status
    if status == CreditAccount.Status.CLEARED:
        raise PortalError(
            _(
                "This credit line was cleared by the lender, so it cannot be changed here. You can still repay "
                "and see your balance. If you disagree with the clearance, you can appeal it: see your limit "
                "history for the decision and the appeal deadline."
            ),
            code="account_cleared",
        )
    if status == CreditAccount.Status.CLOSED:
        raise PortalError(_("This credit line is already closed."), code="account_closed")
    if status == CreditAccount.Status.FROZEN:
        if _latest_ledger_kind(account) == LimitChange.Kind.VOLUNTARY_PAUSE:
            return [ClosureRequest.Kind.RESUME, ClosureRequest.Kind.CLOSE]
        raise PortalError(
            _(
                "This credit line is frozen after a risk review, so its limit cannot be changed here until the "
                "freeze is lifted. Your limit history explains why it was frozen and what would restore it; "
                "if you disagree, you can appeal the decision until the deadline shown there."
            ),
            code="account_frozen",
        )
    if account.credit_limit <= 0:
        raise PortalError(
            _("This credit line has no limit left and closes once the balance is repaid."), code="closing"
        )
    kinds = [ClosureRequest.Kind.PAUSE, ClosureRequest.Kind.CLOSE]
    if lower_limit_range(account=account) is not None:
        kinds.insert(0, ClosureRequest.Kind.LOWER)
    return kinds


def lower_limit_range(*, account):
    """(lowest, highest, step) for a new lower limit, or None when no lower amount is possible."""
    product = account.product
    step, minimum = Decimal(str(product.limit_step)), Decimal(str(product.min_limit))
    lowest = max(minimum, step)
    # Round the lowest up to a whole step.
    lowest = (lowest / step).to_integral_value(rounding="ROUND_CEILING") * step
    # The highest whole step strictly below the current limit.
    highest = ((Decimal(str(account.credit_limit)) - CENT) / step).to_integral_value(rounding="ROUND_FLOOR") * step
    if highest < lowest:
        return None
    return lowest.quantize(CENT), highest.quantize(CENT), step


def target_limit_validate(*, account, target_limit):
    """The new limit as a Decimal, or a PortalError that says which rule it breaks."""
    try:
        amount = Decimal(str(target_limit).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        raise PortalError(_("Enter the new limit as an amount, for example 10000."), field="target_limit") from None
    if not amount.is_finite():
        raise PortalError(_("Enter the new limit as an amount, for example 10000."), field="target_limit")
    currency = account.product.currency
    allowed = lower_limit_range(account=account)
    if allowed is None:
        raise PortalError(_("This limit cannot be lowered further; you can close the line instead."), field="kind")
    lowest, _highest, step = allowed
    if amount < 0:
        raise PortalError(_("The new limit cannot be negative."), field="target_limit")
    if amount >= account.credit_limit:
        raise PortalError(
            _("The new limit must be lower than your current limit of %(limit)s.")
            % {"limit": money(account.credit_limit, currency)},
            field="target_limit",
        )
    if amount < lowest:
        raise PortalError(
            _(
                "The lowest limit this product allows is %(lowest)s. To stop borrowing "
                "altogether, choose to close the line."
            )
            % {"lowest": money(lowest, currency)},
            field="target_limit",
        )
    if amount % step:
        raise PortalError(
            _("Choose an amount in steps of %(step)s, for example %(example)s.")
            % {"step": money(step, currency), "example": money(amount // step * step, currency)},
            field="target_limit",
        )
    return amount.quantize(CENT)


def _choice_validate(*, account, kind, target_limit):
    if kind not in ClosureRequest.Kind.values:
        raise PortalError(_("Choose what you would like to do."), field="kind")
    if kind not in closure_kinds_allowed(account=account):
        raise PortalError(_("This choice is not available for this credit line."), field="kind")
    if kind == ClosureRequest.Kind.LOWER:
        return target_limit_validate(account=account, target_limit=target_limit)
    return None


# --- drafts -----------------------------------------------------------------------------------


def _account_lock(account):
    return CreditAccount.objects.select_for_update().select_related("product").get(pk=account.pk)


def _request_lock(closure_request):
    return ClosureRequest.objects.select_for_update().select_related("account__product").get(pk=closure_request.pk)


def _owner_check(*, closure_request, user):
    if user.customer_id is None or closure_request.account.customer_id != user.customer_id:
        # Same answer as for a request that does not exist.
        raise ClosureRequest.DoesNotExist


def _draft_check(closure_request, *, now=None):
    now = now or timezone.now()
    if closure_request.status != ClosureRequest.Status.DRAFT:
        raise ClosureConflict(
            _("This request has already been %(status)s; it can no longer be changed.")
            % {"status": closure_request.get_status_display()},
            code="not_draft",
        )
    if closure_request.updated_at < now - DRAFT_LIFETIME:
        raise ClosureConflict(
            _("This draft expired after 24 hours without activity. Please start again."), code="draft_expired"
        )


def _stale_drafts_expire(*, account, now):
    """Drafts left untouched for 24 hours expire (so they no longer block a new one)."""
    stale = list(
        ClosureRequest.objects.filter(
            account=account, status=ClosureRequest.Status.DRAFT, updated_at__lt=now - DRAFT_LIFETIME
        )
    )
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
        account = _account_lock(account)
        if user.customer_id is None or account.customer_id != user.customer_id:
            raise CreditAccount.DoesNotExist
        _stale_drafts_expire(account=account, now=now)
        open_request = ClosureRequest.objects.open().filter(account=account).first()
        if open_request is not None:
            error = ClosureConflict(
                _(
                    "You already have an open request for this credit line (%(reference)s). "
                    "Continue or withdraw it first."
                )
                % {"reference": open_request.reference or _("unfinished draft")},
                code="open_request_exists",
            )
            error.closure_request = open_request
            raise error
        target = _choice_validate(account=account, kind=kind, target_limit=target_limit)
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


def closure_request_choice_update(*, closure_request, user, kind, target_limit=None, request=None):
    """Step 1 again (the borrower went back): a different choice must be acknowledged again."""
    with transaction.atomic():
        _owner_check(closure_request=closure_request, user=user)
        account = _account_lock(closure_request.account)
        closure_request = _request_lock(closure_request)
        _draft_check(closure_request)
        target = _choice_validate(account=account, kind=kind, target_limit=target_limit)
        fields = ["updated_at"]
        if (kind, target) != (closure_request.kind, closure_request.target_limit):
            closure_request.kind, closure_request.target_limit = kind, target
            closure_request.impact_acknowledged_at = None
            fields += ["kind", "target_limit", "impact_acknowledged_at"]
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
        _owner_check(closure_request=closure_request, user=user)
        closure_request = _request_lock(closure_request)
        _draft_check(closure_request)
        closure_request.impact_acknowledged_at = timezone.now()
        closure_request.save(update_fields=["impact_acknowledged_at", "updated_at"])
    return closure_request


def closure_request_reason_set(*, closure_request, user, reason, reason_text="", request=None):
    """Step 3: why, from a short neutral list, plus optional words."""
    if reason not in ClosureRequest.Reason.values:
        raise PortalError(_("Choose the reason that fits best."), field="reason")
    reason_text = " ".join((reason_text or "").split())
    if len(reason_text) > 500:
        raise PortalError(_("Keep it under 500 characters."), field="reason_text")
    with transaction.atomic():
        _owner_check(closure_request=closure_request, user=user)
        closure_request = _request_lock(closure_request)
        _draft_check(closure_request)
        if closure_request.impact_acknowledged_at is None:
            raise PortalError(_("Please read and confirm the impact first (step 2)."), code="out_of_order")
        closure_request.reason, closure_request.reason_text = reason, reason_text
        closure_request.save(update_fields=["reason", "reason_text", "updated_at"])
    return closure_request


# --- step-up check ----------------------------------------------------------------------------


def _totp_authenticator(user):
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()


def closure_verification_method(*, user):
    """An authenticator app when the borrower has one, otherwise a code by email."""
    if _totp_authenticator(user) is not None:
        return ClosureRequest.Verification.TOTP
    return ClosureRequest.Verification.EMAIL


def _code_hash(closure_request, code):
    return salted_hmac("accounts.closure.code", f"{closure_request.pk}:{code}").hexdigest()


def closure_verification_code_send(*, closure_request, user, request=None):
    """Email a 6-digit code, valid 10 minutes and for 5 tries; a new code replaces the old one."""
    with transaction.atomic():
        _owner_check(closure_request=closure_request, user=user)
        closure_request = _request_lock(closure_request)
        _draft_check(closure_request)
        if not closure_request.reason:
            raise PortalError(_("Please give a reason first (step 3)."), code="out_of_order")
        if closure_verification_method(user=user) != ClosureRequest.Verification.EMAIL:
            raise PortalError(_("Use the code from your authenticator app."), code="use_totp")
        if closure_request.codes_sent >= CODES_PER_DRAFT:
            raise PortalError(
                _("We have sent the most codes we can for this request. Please start a new request later."),
                code="too_many_codes",
            )
        code = f"{secrets.randbelow(1_000_000):06d}"
        now = timezone.now()
        closure_request.code_hash = _code_hash(closure_request, code)
        closure_request.code_expires_at = now + CODE_LIFETIME
        closure_request.code_failed_attempts = 0
        closure_request.codes_sent += 1
        closure_request.save(
            update_fields=["code_hash", "code_expires_at", "code_failed_attempts", "codes_sent", "updated_at"]
        )
        audit_event_record(actor=user, action="closure_request.code_sent", target=closure_request, request=request)
        _code_email_on_commit(user=user, code=code, expires_at=closure_request.code_expires_at)
    return closure_request


def _code_email_on_commit(*, user, code, expires_at):
    """The code goes by email only, never into the notification centre or the outbox table:
    anyone holding the session can read those, and the code exists to prove more than the session.
    A lost email costs nothing but a click on "send a new code", so no outbox retry is needed."""
    context = {"recipient": user, "code": code, "expires_at": expires_at, "minutes": 10, "link": ""}
    with translation.override(user.preferred_language):
        subject = render_to_string("notifications/closure_code.title.txt", context).strip()
        body = render_to_string("notifications/closure_code.body.txt", context).strip()
        html = render_to_string("notifications/closure_code.email.html", {**context, "title": subject})

    def send():
        message = EmailMultiAlternatives(
            subject=f"{settings.EMAIL_SUBJECT_PREFIX}{subject}", body=body, to=[user.email]
        )
        message.attach_alternative(html, "text/html")
        try:
            message.send()
        except Exception:  # the borrower can ask for a new code; the request must not fail
            logger.warning("Could not email a closure verification code to user %s", user.pk, exc_info=True)

    transaction.on_commit(send)


def closure_request_verify(*, closure_request, user, code, request=None):
    """Step 4: check the TOTP or emailed code. A wrong code counts toward the limit of 5 tries
    and is the only thing a failed attempt changes."""
    code = "".join((code or "").split())
    error = None
    with transaction.atomic():
        _owner_check(closure_request=closure_request, user=user)
        closure_request = _request_lock(closure_request)
        _draft_check(closure_request)
        if not closure_request.reason:
            raise PortalError(_("Please give a reason first (step 3)."), code="out_of_order")
        if not (len(code) == 6 and code.isdigit()):
            raise PortalError(_("Enter the 6-digit code."), field="code")
        now = timezone.now()
        method = closure_verification_method(user=user)
        if closure_request.code_failed_attempts >= CODE_MAX_FAILURES:
            raise PortalError(
                _("Too many wrong codes. Request a new code.")
                if method == ClosureRequest.Verification.EMAIL
                else _("Too many wrong codes. Please start a new request."),
                field="code",
                code="too_many_attempts",
            )
        if method == ClosureRequest.Verification.TOTP:
            from allauth.mfa.totp.internal.auth import TOTP

            valid = TOTP(_totp_authenticator(user)).validate_code(code)
        else:
            if not closure_request.code_hash:
                raise PortalError(_("Request a code first."), field="code", code="no_code")
            if closure_request.code_expires_at <= now:
                raise PortalError(_("This code has expired. Request a new one."), field="code", code="code_expired")
            valid = constant_time_compare(closure_request.code_hash, _code_hash(closure_request, code))
        if valid:
            closure_request.verified_at = now
            closure_request.verification_method = method
            closure_request.code_hash, closure_request.code_expires_at = "", None
            closure_request.code_failed_attempts = 0
            closure_request.save(
                update_fields=[
                    "verified_at",
                    "verification_method",
                    "code_hash",
                    "code_expires_at",
                    "code_failed_attempts",
                    "updated_at",
                ]
            )
            audit_event_record(
                actor=user,
                action="closure_request.verified",
                target=closure_request,
                after={"method": method},
                request=request,
            )
        else:
            closure_request.code_failed_attempts += 1
            closure_request.save(update_fields=["code_failed_attempts", "updated_at"])
            audit_event_record(
                actor=user, action="closure_request.verification_failed", target=closure_request, request=request
            )
            left = CODE_MAX_FAILURES - closure_request.code_failed_attempts
            error = PortalError(
                _("That code is not right. Tries left: %(left)s.") % {"left": left}, field="code", code="wrong_code"
            )
    # Raised after commit, so the counted attempt is kept.
    if error is not None:
        raise error
    return closure_request


# --- submit, withdraw -------------------------------------------------------------------------


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


def closure_request_submit(*, closure_request, user, request=None):
    """Step 5: submit. Submitting again (double click, refresh, retry) returns the same request."""
    now = timezone.now()
    with transaction.atomic():
        _owner_check(closure_request=closure_request, user=user)
        account = _account_lock(closure_request.account)
        closure_request = _request_lock(closure_request)
        if closure_request.status == ClosureRequest.Status.SUBMITTED:
            return closure_request
        _draft_check(closure_request, now=now)
        steps = closure_request_steps_done(closure_request, now=now)
        if steps < 4:
            raise PortalError(
                _("Please verify your identity again (step 4) before submitting.")
                if steps == 3
                else _("Please complete the earlier steps first."),
                code="out_of_order",
            )
        # The account may have changed since the draft began: check the choice again.
        _choice_validate(account=account, kind=closure_request.kind, target_limit=closure_request.target_limit)
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
        notification_send(
            recipient=user,
            kind="closure_submitted",
            template="closure_submitted",
            context=closure_receipt_context(closure_request=closure_request),
            link=closure_request_receipt_link(closure_request),
            idempotency_key=f"closure_submitted:{closure_request.pk}",
        )
    return closure_request


def closure_request_receipt_link(closure_request):
    return f"/credit/{closure_request.account_id}/manage/requests/{closure_request.pk}/"


def closure_receipt_context(*, closure_request):
    """What the receipt says, the same on the page, in the download, the notice and the email."""
    account = closure_request.account
    return {
        "closure_request": closure_request,
        "account": account,
        "currency": account.product.currency,
        "kind_label": closure_request.get_kind_display(),
        "reason_label": closure_request.get_reason_display(),
        "has_balance": account.outstanding_balance > 0,
    }


def closure_request_withdraw(*, closure_request, user, request=None):
    """Withdraw a submitted request during its cooling-off window: nothing changes."""
    now = timezone.now()
    with transaction.atomic():
        _owner_check(closure_request=closure_request, user=user)
        closure_request = _request_lock(closure_request)
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
        notification_send(
            recipient=user,
            kind="closure_withdrawn",
            template="closure_withdrawn",
            context=closure_receipt_context(closure_request=closure_request),
            link=closure_request_receipt_link(closure_request),
            idempotency_key=f"closure_withdrawn:{closure_request.pk}",
        )
    return closure_request


# --- completion (beat task and staff) ---------------------------------------------------------


def _reject(closure_request, *, why, actor, now):
    closure_request.status = ClosureRequest.Status.REJECTED
    closure_request.rejected_at = now
    closure_request.rejection_reason = why
    closure_request.save(update_fields=["status", "rejected_at", "rejection_reason", "updated_at"])
    audit_event_record(
        actor=actor,
        actor_label=None if actor else "system",
        action="closure_request.rejected",
        target=closure_request,
        summary=why,
    )
    notification_send(
        recipient=closure_request.requested_by,
        kind="closure_rejected",
        template="closure_rejected",
        context={**closure_receipt_context(closure_request=closure_request), "why": why},
        link=closure_request_receipt_link(closure_request),
        idempotency_key=f"closure_rejected:{closure_request.pk}",
    )
    return closure_request


def closure_request_complete(*, closure_request_id, actor=None, request=None):
    """Apply a submitted request whose cooling-off window has ended, through the ledger.

    Idempotent: a request that is no longer submitted is left alone (returns None). ``actor`` is
    the staff member processing it by hand; nobody can complete it before the window ends."""
    now = timezone.now()
    with transaction.atomic():
        closure_request = (
            ClosureRequest.objects.select_related("account", "requested_by").filter(pk=closure_request_id).first()
        )
        if closure_request is None:
            return None
        account = _account_lock(closure_request.account)
        closure_request = _request_lock(closure_request)
        if closure_request.status != ClosureRequest.Status.SUBMITTED:
            return None
        if closure_request.cooling_off_ends_at > now:
            raise ClosureConflict(
                _("%(reference)s is still in its cooling-off period until %(when)s.")
                % {
                    "reference": closure_request.reference,
                    "when": date_format(timezone.localtime(closure_request.cooling_off_ends_at), "DATETIME_FORMAT"),
                },
                code="cooling_off",
            )
        kind = closure_request.kind
        new_limit, new_status = account.credit_limit, account.status
        why = ""
        if kind == ClosureRequest.Kind.LOWER:
            if account.credit_limit <= closure_request.target_limit:
                why = _("The limit was already at or below the amount you asked for.")
            new_limit = closure_request.target_limit
        elif kind == ClosureRequest.Kind.PAUSE:
            if account.status != CreditAccount.Status.ACTIVE:
                why = _("The line was no longer active, so there was nothing to pause.")
            new_status = CreditAccount.Status.FROZEN
        elif kind == ClosureRequest.Kind.RESUME:
            if not (
                account.status == CreditAccount.Status.FROZEN
                and _latest_ledger_kind(account) == LimitChange.Kind.VOLUNTARY_PAUSE
            ):
                why = _("The line was no longer paused at your request, so it could not be resumed.")
            new_status = CreditAccount.Status.ACTIVE
        else:
            if account.status in (CreditAccount.Status.CLEARED, CreditAccount.Status.CLOSED):
                why = _("The line was already closed or cleared.")
            new_limit = Decimal("0.00")
            if account.outstanding_balance <= 0:
                new_status = CreditAccount.Status.CLOSED
        if why:
            return _reject(closure_request, why=why, actor=actor, now=now)
        change = limit_change_apply(
            account=account,
            kind=LEDGER_KIND[kind],
            new_limit=new_limit,
            new_status=new_status,
            reason_codes=[REASON_CODE],
            decided_by=LimitChange.DecidedBy.BORROWER,
            decided_by_user=closure_request.requested_by,
            source_reference=closure_request.reference,
            request=request,
        )
        closure_request.status = ClosureRequest.Status.COMPLETED
        closure_request.completed_at = now
        closure_request.limit_change = change
        fields = ["status", "completed_at", "limit_change", "updated_at"]
        if new_status == CreditAccount.Status.CLOSED:
            closure_request.line_closed_at = now
            fields.append("line_closed_at")
        closure_request.save(update_fields=fields)
        audit_event_record(
            actor=actor,
            actor_label=None if actor else "system",
            action="closure_request.completed",
            target=closure_request,
            summary=f"ledger #{change.sequence}",
            request=request,
        )
    return closure_request


def closure_line_close_if_repaid(*, closure_request_id):
    """A completed closure whose balance is now repaid: mark the line closed (second ledger row)."""
    with transaction.atomic():
        closure_request = ClosureRequest.objects.filter(pk=closure_request_id).select_related("account").first()
        if closure_request is None:
            return None
        account = _account_lock(closure_request.account)
        closure_request = _request_lock(closure_request)
        if (
            closure_request.kind != ClosureRequest.Kind.CLOSE
            or closure_request.status != ClosureRequest.Status.COMPLETED
            or closure_request.line_closed_at is not None
            or account.outstanding_balance > 0
        ):
            return None
        closure_request.line_closed_at = timezone.now()
        closure_request.save(update_fields=["line_closed_at", "updated_at"])
        if account.status in (CreditAccount.Status.CLOSED, CreditAccount.Status.CLEARED):
            return closure_request
        limit_change_apply(
            account=account,
            kind=LimitChange.Kind.VOLUNTARY_CLOSURE,
            new_limit=Decimal("0.00"),
            new_status=CreditAccount.Status.CLOSED,
            reason_codes=[REASON_CODE],
            decided_by=LimitChange.DecidedBy.BORROWER,
            decided_by_user=closure_request.requested_by,
            source_reference=closure_request.reference,
        )
    return closure_request


def closure_drafts_expire(*, now=None):
    """Drafts untouched for 24 hours expire. Returns how many."""
    now = now or timezone.now()
    expired = 0
    account_ids = (
        ClosureRequest.objects.filter(status=ClosureRequest.Status.DRAFT, updated_at__lt=now - DRAFT_LIFETIME)
        .values_list("account_id", flat=True)
        .distinct()
    )
    for account_id in list(account_ids):
        with transaction.atomic():
            account = CreditAccount.objects.select_for_update().get(pk=account_id)
            expired += _stale_drafts_expire(account=account, now=now)
    return expired


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
