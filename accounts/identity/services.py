"""Every change to logins, customer records and identity binding."""

import unicodedata
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import make_msgid
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from accounts.identity import national_id
from accounts.identity.selectors import (
    api_token_expires_at,
    api_token_lifetime_end,
    api_token_usage_get,
    identity_binding_address_lock_get,
    identity_binding_attempts_left,
    identity_binding_customer_lock_get,
    identity_binding_lock_get,
)
from accounts.models import ApiTokenUsage, CustomerRecord, IdentityBindingAttempt, IdentityBindingGuess, User
from portal.exceptions import PortalError
from portal.services import audit_event_record, client_ip, notification_send, outbox_email_send


def _same_name(typed, recorded):
    def canonical(name):
        return "".join(unicodedata.normalize("NFKC", name or "").split()).casefold()

    return canonical(typed) == canonical(recorded)


def customer_record_upsert(*, external_id, legal_name, national_id_number, actor=None):
    """Create or update the mirror of one customer from the core system."""
    number = national_id.validate(national_id_number)
    with transaction.atomic():
        record, created = CustomerRecord.objects.select_for_update().get_or_create(
            external_id=external_id,
            defaults={
                "legal_name": legal_name,
                "national_id_hash": national_id.keyed_hash(number),
                "national_id_last4": national_id.last_four(number),
            },
        )
        if not created:
            record.legal_name = legal_name
            record.national_id_hash = national_id.keyed_hash(number)
            record.national_id_last4 = national_id.last_four(number)
            record.save(update_fields=["legal_name", "national_id_hash", "national_id_last4", "updated_at"])
        audit_event_record(
            actor=actor,
            action="customer.created" if created else "customer.updated",
            target=record,
            actor_label=None if actor else "core-system",
        )
    return record


def _locked_error(until):
    return PortalError(
        _(
            "For your security, identity verification is paused until %(until)s because several attempts "
            "did not match our records. You can still use account settings. If you need help sooner, "
            "contact customer service."
        )
        % {"until": _local_time(until)},
        code="locked",
    )


def identity_binding_submit(*, user, legal_name, national_id_number, request=None):
    """Link ``user`` to the customer record whose legal name and ID number match.

    Every outcome other than success gives the same message, so the form never tells whether a
    customer exists or is already linked. Failures count toward three locks, each over a rolling
    window: this login's, the ID number's (across every login) and the client address's (across
    every login), so neither new logins nor one machine can keep guessing."""
    number_hash = national_id.keyed_hash(national_id.validate(national_id_number))
    ip_address = client_ip(request)
    with transaction.atomic():
        user = _binding_user_lock(user, request=request)
        # Locked first, so that parallel attempts on one customer's number are counted in turn.
        record = CustomerRecord.objects.select_for_update().filter(national_id_hash=number_hash).first()
        refusal = _binding_shared_lock_refusal(number_hash=number_hash, ip_address=ip_address)
        matched = refusal is None and _binding_record_matches(record, legal_name=legal_name)
        attempt = IdentityBindingAttempt.objects.create(user=user, succeeded=matched, ip_address=ip_address)
        IdentityBindingGuess.objects.create(attempt=attempt, national_id_hash=number_hash)
        if matched:
            _binding_complete(user, record, request=request)
            return record
        if refusal is not None:
            refused = {"refused": refusal.code}
            audit_event_record(
                actor=user, action="identity.binding_refused_limit", target=user, after=refused, request=request
            )
        else:
            refusal = _binding_refusal(user, locked_until=_binding_failure_record(user, request=request))
    # Outside the transaction, so the failed attempt above is kept when we refuse.
    raise refusal


def _binding_user_lock(user, *, request):
    """The user's row, locked so that parallel submissions are counted one after another; refuses
    a login already linked, or one paused by the lock."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.customer_id is not None:
        raise PortalError(_("Your login is already linked to your customer record."), code="already_bound")
    locked_until = identity_binding_lock_get(user=user)
    if locked_until:
        audit_event_record(actor=user, action="identity.binding_refused_locked", target=user, request=request)
        raise _locked_error(locked_until)
    return user


def _binding_shared_lock_refusal(*, number_hash, ip_address):
    """The error refusing this attempt because of the address's or the ID number's lock, or None."""
    address_until = identity_binding_address_lock_get(ip_address=ip_address)
    if address_until:
        return PortalError(
            _(
                "For your security, identity verification from your network is paused until %(until)s "
                "because of many attempts that did not match our records. If you need help sooner, "
                "contact customer service."
            )
            % {"until": _local_time(address_until)},
            code="address_locked",
        )
    number_until = identity_binding_customer_lock_get(national_id_hash=number_hash)
    if number_until:
        return PortalError(
            _(
                "For your security, identity verification with this ID number is paused until %(until)s "
                "because of several attempts that did not match our records. If this is your ID number, "
                "contact customer service."
            )
            % {"until": _local_time(number_until)},
            code="customer_locked",
        )
    return None


def _local_time(moment):
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _binding_record_matches(record, *, legal_name):
    """``record`` (the customer holding the typed number, or None) bears this legal name and is
    not linked to a login yet."""
    return (
        record is not None
        and _same_name(legal_name, record.legal_name)
        and not User.objects.filter(customer=record).exists()
    )


def _binding_complete(user, record, *, request):
    user.customer = record
    user.identity_bound_at = timezone.now()
    user.save(update_fields=["customer", "identity_bound_at"])
    audit_event_record(
        actor=user,
        action="identity.bound",
        target=user,
        after={"customer": record.external_id, "national_id": record.masked_national_id},
        request=request,
    )
    notification_send(recipient=user, kind="identity_bound", template="identity_bound", link="/")


def _binding_failure_record(user, *, request):
    """Audit a failed attempt and, if it starts the lock, tell the borrower; returns when the
    lock ends (None when not locked)."""
    audit_event_record(actor=user, action="identity.binding_failed", target=user, request=request)
    locked_until = identity_binding_lock_get(user=user)
    if locked_until:
        notification_send(
            recipient=user,
            kind="identity_binding_locked",
            template="identity_binding_locked",
            context={"locked_until": locked_until},
            link="/identity/",
        )
    return locked_until


def _binding_refusal(user, *, locked_until):
    if locked_until:
        return _locked_error(locked_until)
    return PortalError(
        _(
            "We could not verify these details. Enter your name and ID number exactly as they appear on "
            "your resident ID card. Attempts left before a 24-hour pause: %(left)s."
        )
        % {"left": identity_binding_attempts_left(user=user)},
        code="no_match",
    )


def user_preferences_update(*, user, preferred_language, request=None):
    if preferred_language not in dict(settings.LANGUAGES):
        raise PortalError(_("Choose one of the offered languages."), field="preferred_language")
    with transaction.atomic():
        before = user.preferred_language
        if before == preferred_language:
            return user
        user.preferred_language = preferred_language
        user.save(update_fields=["preferred_language"])
        audit_event_record(
            actor=user,
            action="user.preferences_updated",
            target=user,
            before={"preferred_language": before},
            after={"preferred_language": preferred_language},
            request=request,
        )
    return user


def api_token_create(*, user, request=None):
    """Issue a new personal API token, replacing any earlier one (which stops working at once).
    It expires API_TOKEN_LIFETIME_DAYS from now."""
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        token = Token.objects.create(user=user)
        ApiTokenUsage.objects.create(token=token, expires_at=api_token_lifetime_end(token.created))
        audit_event_record(actor=user, action="api_token.created", target=user, request=request)
        notification_send(recipient=user, kind="api_token_created", template="api_token_created", link="/settings/")
    return token


def api_token_revoke(*, user, request=None, reason="revoked"):
    """Delete the user's API token, if any; ``reason`` says why in the audit log (revoked by the
    borrower, password changed or reset, signed out everywhere)."""
    with transaction.atomic():
        deleted, _count = Token.objects.filter(user=user).delete()
        if deleted:
            audit_event_record(
                actor=user, action="api_token.revoked", target=user, after={"reason": reason}, request=request
            )
    return bool(deleted)


# Recording every request would write a row per API call; a minute is precise enough for a
# borrower checking whether an app still uses their token.
API_TOKEN_LAST_USED_PRECISION = timedelta(minutes=1)


def api_token_used(*, token, now):
    """Note that ``token`` was used at ``now``, at most once a minute."""
    usage = api_token_usage_get(token)
    if usage is not None and usage.last_used_at and now - usage.last_used_at < API_TOKEN_LAST_USED_PRECISION:
        return
    # One statement (INSERT … ON CONFLICT UPDATE), also for a token made before this table existed.
    row = ApiTokenUsage(token=token, expires_at=api_token_expires_at(token), last_used_at=now)
    ApiTokenUsage.objects.bulk_create(
        [row], update_conflicts=True, unique_fields=["token"], update_fields=["last_used_at"]
    )


def user_sign_out_everywhere(*, user, password, request=None):
    """End every session of ``user`` (the caller keeps its own with update_session_auth_hash) and
    revoke their API token. ``password`` is the current one, already confirmed by the caller.

    The password is stored again with a new salt: each session keeps a hash of the stored
    password and Django signs out any whose hash no longer matches, whatever the session store."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        api_token_revoke(user=user, request=request, reason="signed_out_everywhere")
        audit_event_record(actor=user, action="user.signed_out_everywhere", target=user, request=request)
    return user


def identity_binding_attempts_purge(*, older_than=timedelta(days=30)):
    """Drop binding attempts older than the lock window needs; the audit log keeps the history."""
    cutoff = timezone.now() - older_than
    deleted, _count = IdentityBindingAttempt.objects.filter(attempted_at__lt=cutoff).delete()
    return deleted


# allauth's emails (address verification, "you already have an account", password reset, security
# notices) are written to the portal's one email outbox and sent by a worker after commit, never
# from inside the request: the answer then takes as long whether or not the address belongs to
# someone, and a broker or mail server that is down delays them instead of losing them.
ACCOUNT_EMAIL_SEND_TASK = "accounts.tasks.account_email_send"
ACCOUNT_EMAIL_KIND = "account_email"


def account_email_enqueue(*, message):
    """Queue a rendered ``EmailMessage`` in the outbox, one row per address. Its Message-ID is
    fixed now, so every attempt carries the same one."""
    html = next((content for content, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"), "")
    for address in message.to:
        outbox_email_send(
            to=address,
            kind=ACCOUNT_EMAIL_KIND,
            subject=message.subject,
            text=message.body,
            html=html,
            headers={**message.extra_headers, "Message-ID": make_msgid(domain=_message_id_domain())},
        )


def account_email_send(*, subject, body, html, from_email, to, headers):
    """Send one account email queued as a Celery message before the outbox carried them (kept
    so messages still in the broker at the upgrade are delivered)."""
    email = EmailMultiAlternatives(subject, body, from_email, to, headers=headers)
    if html:
        email.attach_alternative(html, "text/html")
    return email.send()


def _message_id_domain():
    return urlsplit(settings.SITE_URL).hostname or "portal.invalid"  # as the notices' Message-IDs
