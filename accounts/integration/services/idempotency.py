"""The ``Idempotency-Key`` of an integration write: a core system retrying over a flaky network
gets the answer of the call it made, never a second application of it.

The first call with a key stores the hash of what it asked (endpoint and body) and the answer it
got (status and body), for ``INTEGRATION_IDEMPOTENCY_HOURS``. The same key with the same call
then answers what is stored, with the same status; the same key with another call is refused
(409). The key is claimed in the call's own transaction: a parallel call with the same key waits
for the first one and then gets its stored answer, so only one applies. A call that ends in a
conflict (409) rolls back with its key, so sending it again applies it."""

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.integration.services.errors import IntegrationConflict
from accounts.models import IntegrationIdempotencyKey

# 1 to 100 visible ASCII characters without spaces, e.g. a UUID (as the closure API's key).
KEY_PATTERN = r"^[!-~]{1,100}$"


class IdempotencyKeyInvalid(ValueError):
    pass


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: dict


def idempotency_key_check(key):
    """``key`` as sent, or ``IdempotencyKeyInvalid`` with what to send instead."""
    if not re.fullmatch(KEY_PATTERN, key):
        raise IdempotencyKeyInvalid(
            _("Send an Idempotency-Key header of 1 to 100 visible characters without spaces, for example a UUID.")
        )
    return key


def request_hash(kind, data):
    """The fingerprint of one call: its endpoint and its body, read as JSON (so the order of keys
    and the spacing do not matter, and the same values do)."""
    body = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(f"{kind}\n{body}".encode("utf-8", "surrogatepass")).hexdigest()


def _key_reused_error():
    return IntegrationConflict(
        _(
            "This Idempotency-Key was already used for a different call. Use a new key for a new call, "
            "or send exactly the same call again to get its answer."
        ),
        code="idempotency_key",
    )


def integration_idempotent_call(*, user, key, kind, data, apply):
    """Answer one integration write under ``key``: the stored ``Answer`` when the key was seen with
    the same call, ``IntegrationConflict`` (409) with another call, else ``apply()``'s ``Answer``,
    stored with the key. Without a key, ``apply()`` alone."""
    if key is None:
        return apply()
    fingerprint, now = request_hash(kind, data), timezone.now()
    with transaction.atomic():
        IntegrationIdempotencyKey.objects.filter(user=user, key=key, expires_at__lte=now).delete()
        try:
            with transaction.atomic():
                record = IntegrationIdempotencyKey.objects.create(
                    user=user,
                    key=key,
                    request_hash=fingerprint,
                    status_code=0,
                    response_body="{}",
                    created_at=now,
                    expires_at=now + timedelta(hours=settings.INTEGRATION_IDEMPOTENCY_HOURS),
                )
        except IntegrityError:  # seen before (or by a parallel call that has now finished)
            return _stored_answer(user=user, key=key, fingerprint=fingerprint)
        answer = apply()
        record.status_code, record.response_body = answer.status_code, json.dumps(answer.body, ensure_ascii=True)
        record.save(update_fields=["status_code", "response_body"])
    return answer


def _stored_answer(*, user, key, fingerprint):
    stored = IntegrationIdempotencyKey.objects.filter(user=user, key=key).first()
    if stored is None:  # the parallel call with this key was rolled back (a conflict): send it again
        raise IntegrationConflict(
            _("Another call with this Idempotency-Key was not applied. Nothing was applied: send this call again."),
            code="conflict",
        )
    if stored.request_hash != fingerprint:
        raise _key_reused_error()
    return Answer(stored.status_code, json.loads(stored.response_body))


def integration_idempotency_keys_expire(*, now=None):
    """Delete the keys whose time is up; returns how many went."""
    deleted, _by_model = IntegrationIdempotencyKey.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
