"""Every change to logins, customer records and identity binding."""

import unicodedata
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from accounts.identity import national_id
from accounts.identity.selectors import identity_binding_attempts_left, identity_binding_lock_get
from accounts.models import CustomerRecord, IdentityBindingAttempt, User
from portal.exceptions import PortalError
from portal.services import audit_event_record, client_ip, notification_send


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
        % {"until": date_format(timezone.localtime(until), "DATETIME_FORMAT")},
        code="locked",
    )


def identity_binding_submit(*, user, legal_name, national_id_number, request=None):
    """Link ``user`` to the customer record whose legal name and ID number match.

    Every outcome other than success gives the same message, so the form never tells whether a
    customer exists or is already linked. Failures count toward a lock (5 in 24 hours)."""
    number = national_id.validate(national_id_number)
    with transaction.atomic():
        user = _binding_user_lock(user, request=request)
        record = _binding_record_match(legal_name=legal_name, number=number)
        IdentityBindingAttempt.objects.create(user=user, succeeded=record is not None, ip_address=client_ip(request))
        if record is not None:
            _binding_complete(user, record, request=request)
            return record
        locked_until = _binding_failure_record(user, request=request)
    # Outside the transaction, so the failed attempt above is kept when we refuse.
    raise _binding_refusal(user, locked_until=locked_until)


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


def _binding_record_match(*, legal_name, number):
    """The unlinked customer record with this ID number and legal name, or None."""
    record = CustomerRecord.objects.filter(national_id_hash=national_id.keyed_hash(number)).first()
    if (
        record is not None
        and _same_name(legal_name, record.legal_name)
        and not User.objects.filter(customer=record).exists()
    ):
        return record
    return None


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
    """Issue a new personal API token, replacing any earlier one (which stops working at once)."""
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        token = Token.objects.create(user=user)
        audit_event_record(actor=user, action="api_token.created", target=user, request=request)
        notification_send(recipient=user, kind="api_token_created", template="api_token_created", link="/settings/")
    return token


def api_token_revoke(*, user, request=None):
    with transaction.atomic():
        deleted, _count = Token.objects.filter(user=user).delete()
        if deleted:
            audit_event_record(actor=user, action="api_token.revoked", target=user, request=request)
    return bool(deleted)


def identity_binding_attempts_purge(*, older_than=timedelta(days=30)):
    """Drop binding attempts older than the lock window needs; the audit log keeps the history."""
    cutoff = timezone.now() - older_than
    deleted, _count = IdentityBindingAttempt.objects.filter(attempted_at__lt=cutoff).delete()
    return deleted
