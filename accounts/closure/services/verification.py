"""Step 4 of the wizard, the step-up check: a code from the borrower's authenticator app, or one
sent by email to borrowers without one."""

import logging
import secrets
from datetime import timedelta

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from accounts.closure.services.common import draft_lock
from accounts.models import ClosureRequest
from portal.exceptions import PortalError
from portal.services import audit_event_record, outbox_email_send, outbox_emails_cancel

logger = logging.getLogger(__name__)

CODE_LIFETIME = timedelta(minutes=10)
CODE_MAX_FAILURES = 5
CODES_PER_DRAFT = 5


def _totp_authenticator(user):
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()


def closure_verification_method(*, user):
    """An authenticator app when the borrower has one, otherwise a code by email."""
    if _totp_authenticator(user) is not None:
        return ClosureRequest.Verification.TOTP
    return ClosureRequest.Verification.EMAIL


def _code_hash(closure_request, code):
    return salted_hmac("accounts.closure.code", f"{closure_request.pk}:{code}").hexdigest()


def _reason_given_check(closure_request):
    if not closure_request.reason:
        raise PortalError(_("Please give a reason first (step 3)."), code="out_of_order")


def closure_verification_code_send(*, closure_request, user, request=None):
    """Email a 6-digit code, valid 10 minutes and for 5 tries; a new code replaces the old one."""
    with transaction.atomic():
        closure_request = draft_lock(closure_request=closure_request, user=user)
        _reason_given_check(closure_request)
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
        _code_email_queue(user=user, code=code, expires_at=closure_request.code_expires_at)
    return closure_request


def closure_verification_code_active(closure_request, *, now=None):
    """Whether an emailed code is waiting to be entered (sent and not yet expired)."""
    now = now or timezone.now()
    return bool(closure_request.code_hash and closure_request.code_expires_at and closure_request.code_expires_at > now)


def closure_verification_code_ensure(*, closure_request, user, request=None):
    """Email a code when the borrower will need one and none is waiting (the web wizard sends it
    as the borrower leaves the screen before the step-up, so that screen asks for the password
    and the code together). Returns whether a code was sent."""
    if closure_verification_method(user=user) != ClosureRequest.Verification.EMAIL:
        return False
    if closure_verification_code_active(closure_request):
        return False
    closure_verification_code_send(closure_request=closure_request, user=user, request=request)
    return True


CODE_EMAIL_KIND = "closure_code"


def _code_email_queue(*, user, code, expires_at):
    """The code goes through the portal's one outbox, in the transaction that stores its hash, so
    a broker or mail outage delays it instead of losing it. It is never shown in the notification
    centre (anyone holding the session can read that, and the code exists to prove more than the
    session); a code replaced by a newer one is cancelled, one still waiting when it expires is
    cancelled instead of being sent stale, and the outbox forgets its text once it left."""
    context = {"recipient": user, "code": code, "expires_at": expires_at, "minutes": 10, "link": ""}
    with translation.override(user.preferred_language):
        subject = render_to_string("notifications/closure_code.title.txt", context).strip()
        body = render_to_string("notifications/closure_code.body.txt", context).strip()
        html = render_to_string("notifications/closure_code.email.html", {**context, "title": subject})
    outbox_emails_cancel(kind=CODE_EMAIL_KIND, recipient=user)
    outbox_email_send(
        recipient=user,
        kind=CODE_EMAIL_KIND,
        subject=f"{settings.EMAIL_SUBJECT_PREFIX}{subject}",
        text=body,
        html=html,
        expires_at=expires_at,
    )


def _attempts_left_check(closure_request, *, method):
    if closure_request.code_failed_attempts >= CODE_MAX_FAILURES:
        raise PortalError(
            _("Too many wrong codes. Request a new code.")
            if method == ClosureRequest.Verification.EMAIL
            else _("Too many wrong codes. Please start a new request."),
            field="code",
            code="too_many_attempts",
        )


def _code_valid(closure_request, *, user, method, code, now):
    """Whether ``code`` is the authenticator app's current one or the unexpired emailed one."""
    if method == ClosureRequest.Verification.TOTP:
        return TOTP(_totp_authenticator(user)).validate_code(code)
    if not closure_request.code_hash:
        raise PortalError(_("Request a code first."), field="code", code="no_code")
    if closure_request.code_expires_at <= now:
        raise PortalError(_("This code has expired. Request a new one."), field="code", code="code_expired")
    return constant_time_compare(closure_request.code_hash, _code_hash(closure_request, code))


def _verification_pass(closure_request, *, user, method, now, request):
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
        actor=user, action="closure_request.verified", target=closure_request, after={"method": method}, request=request
    )


def _verification_fail(closure_request, *, user, request):
    """Count the wrong code; returns the error to raise once the count is committed."""
    closure_request.code_failed_attempts += 1
    closure_request.save(update_fields=["code_failed_attempts", "updated_at"])
    audit_event_record(
        actor=user, action="closure_request.verification_failed", target=closure_request, request=request
    )
    left = CODE_MAX_FAILURES - closure_request.code_failed_attempts
    return PortalError(
        _("That code is not right. Tries left: %(left)s.") % {"left": left}, field="code", code="wrong_code"
    )


def closure_request_verify(*, closure_request, user, code, request=None):
    """Step 4: check the TOTP or emailed code. A wrong code counts toward the limit of 5 tries
    and is the only thing a failed attempt changes."""
    code = "".join((code or "").split())
    error = None
    with transaction.atomic():
        closure_request = draft_lock(closure_request=closure_request, user=user)
        _reason_given_check(closure_request)
        if not (len(code) == 6 and code.isdigit()):
            raise PortalError(_("Enter the 6-digit code."), field="code")
        now = timezone.now()
        method = closure_verification_method(user=user)
        _attempts_left_check(closure_request, method=method)
        if _code_valid(closure_request, user=user, method=method, code=code, now=now):
            _verification_pass(closure_request, user=user, method=method, now=now, request=request)
        else:
            error = _verification_fail(closure_request, user=user, request=request)
    # Raised after commit, so the counted attempt is kept.
    if error is not None:
        raise error
    return closure_request
