"""Unsubscribe links: a new one in every email, opaque (a random token, kept only as its SHA-256),
good for one kind of email, used at most once and only within UNSUBSCRIBE_MAX_AGE."""

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from education.models import UnsubscribeLink
from portal.exceptions import PortalError

UNSUBSCRIBE_MAX_AGE = timedelta(days=60)


def _token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def unsubscribe_links_create(*, user_ids, kind, now=None):
    """One new link for each of these borrowers (one query); returns {user id: token}."""
    now = now or timezone.now()
    tokens = {user_id: secrets.token_urlsafe(32) for user_id in user_ids}
    UnsubscribeLink.objects.bulk_create(
        UnsubscribeLink(
            user_id=user_id,
            kind=kind,
            token_hash=_token_hash(token),
            created_at=now,
            expires_at=now + UNSUBSCRIBE_MAX_AGE,
        )
        for user_id, token in tokens.items()
    )
    return tokens


def unsubscribe_link_create(*, user, kind, now=None):
    return unsubscribe_links_create(user_ids=[user.pk], kind=kind, now=now)[user.pk]


def unsubscribe_links_expired_delete(*, user_ids, now=None):
    """Forget these borrowers' links that can no longer be used (past their lifetime)."""
    now = now or timezone.now()
    UnsubscribeLink.objects.filter(user_id__in=user_ids, expires_at__lte=now).delete()


def _no_longer_valid():
    error = PortalError(
        _(
            "This unsubscribe link is no longer valid: it has been used, it is too old, or it is not "
            "one of ours. Sign in and choose which emails you get in your email preferences."
        ),
        code="link_invalid",
    )
    error.status_code = 410
    return error


def unsubscribe_link_get(*, token, kind, lock=False, now=None):
    """The unused, unexpired link of this kind behind ``token``, or a PortalError (status 410)
    that says the same for every refusal, whatever the reason."""
    now = now or timezone.now()
    links = UnsubscribeLink.objects.select_related("user")
    if lock:
        links = links.select_for_update(of=("self",))
    link = links.filter(token_hash=_token_hash(token), kind=kind).first()
    if link is None or link.used_at is not None or link.expires_at <= now:
        raise _no_longer_valid()
    return link
