"""Reads about identity binding and API tokens, scoped to the person asking."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import ApiTokenUsage, IdentityBindingAttempt


def _window_start(now):
    return now - timedelta(hours=settings.IDENTITY_BINDING_WINDOW_HOURS)


def _lock_end(attempts, *, limit, now):
    """When a lock over ``attempts`` ends: locked once ``limit`` failures fall inside the rolling
    window, it lifts when the oldest of those failures leaves the window. None when not locked."""
    failures = list(
        attempts.filter(succeeded=False, attempted_at__gt=_window_start(now))
        .order_by("-attempted_at")
        .values_list("attempted_at", flat=True)[:limit]
    )
    if len(failures) < limit:
        return None
    return failures[-1] + timedelta(hours=settings.IDENTITY_BINDING_WINDOW_HOURS)


def identity_binding_lock_get(*, user, now=None):
    """When the borrower's binding lock ends (IDENTITY_BINDING_MAX_FAILURES failures of this
    login in the window), or None if they may try now."""
    attempts = IdentityBindingAttempt.objects.filter(user=user)
    return _lock_end(attempts, limit=settings.IDENTITY_BINDING_MAX_FAILURES, now=now or timezone.now())


def identity_binding_customer_lock_get(*, national_id_hash, now=None):
    """When attempts naming this ID number (by its keyed hash) may resume, after
    IDENTITY_BINDING_MAX_FAILURES_PER_CUSTOMER failures from any logins; None if they may now.
    Counted whether or not a customer holds the number, so the answer reveals nothing."""
    attempts = IdentityBindingAttempt.objects.filter(guess__national_id_hash=national_id_hash)
    limit = settings.IDENTITY_BINDING_MAX_FAILURES_PER_CUSTOMER
    return _lock_end(attempts, limit=limit, now=now or timezone.now())


def identity_binding_address_lock_get(*, ip_address, now=None):
    """When attempts from this client address may resume, after
    IDENTITY_BINDING_MAX_FAILURES_PER_ADDRESS failures from any logins; None if they may now."""
    if not ip_address:
        return None
    attempts = IdentityBindingAttempt.objects.filter(ip_address=ip_address)
    limit = settings.IDENTITY_BINDING_MAX_FAILURES_PER_ADDRESS
    return _lock_end(attempts, limit=limit, now=now or timezone.now())


def identity_binding_attempts_left(*, user, now=None):
    now = now or timezone.now()
    failures = IdentityBindingAttempt.objects.filter(
        user=user, succeeded=False, attempted_at__gt=_window_start(now)
    ).count()
    return max(settings.IDENTITY_BINDING_MAX_FAILURES - failures, 0)


def api_token_get(*, user):
    """The user's API token with its expiry and last use, or None."""
    return Token.objects.filter(user=user).select_related("usage").first()


def api_token_usage_get(token):
    """The token's expiry and last use, or None for a token made outside api_token_create."""
    try:
        return token.usage
    except ApiTokenUsage.DoesNotExist:
        return None


def api_token_lifetime_end(created):
    return created + timedelta(days=settings.API_TOKEN_LIFETIME_DAYS)


def api_token_expires_at(token):
    usage = api_token_usage_get(token)
    return usage.expires_at if usage is not None else api_token_lifetime_end(token.created)
