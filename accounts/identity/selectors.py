"""Reads about identity binding, scoped to the person asking."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import IdentityBindingAttempt


def identity_binding_lock_get(*, user, now=None):
    """When the borrower's binding lock ends, or None if they may try now.

    Locked once IDENTITY_BINDING_MAX_FAILURES failures fall inside the rolling window; the lock
    lifts when the oldest of those failures leaves the window."""
    now = now or timezone.now()
    window = timedelta(hours=settings.IDENTITY_BINDING_WINDOW_HOURS)
    failures = list(
        IdentityBindingAttempt.objects.filter(user=user, succeeded=False, attempted_at__gt=now - window)
        .order_by("-attempted_at")
        .values_list("attempted_at", flat=True)[: settings.IDENTITY_BINDING_MAX_FAILURES]
    )
    if len(failures) < settings.IDENTITY_BINDING_MAX_FAILURES:
        return None
    return failures[-1] + window


def identity_binding_attempts_left(*, user, now=None):
    now = now or timezone.now()
    window = timedelta(hours=settings.IDENTITY_BINDING_WINDOW_HOURS)
    failures = IdentityBindingAttempt.objects.filter(user=user, succeeded=False, attempted_at__gt=now - window).count()
    return max(settings.IDENTITY_BINDING_MAX_FAILURES - failures, 0)
