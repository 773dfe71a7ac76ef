"""The signature both sides put on a request: HMAC-SHA256 under a key of the shared key set.

The signed text is the timestamp, the method, the path (with its query, if any) and the body,
joined by newlines:

    <unix seconds>\\n<METHOD>\\n<path>\\n<body bytes>

and the signature is its lowercase hex digest under the secret the ``X-Core-Key-Id`` header
names. The portal signs with the current key; it accepts an answer under any key in the set (so a
key is rotated by adding the new one, switching the current key, then retiring the old one) whose
timestamp is within ``MAX_CLOCK_SKEW`` of its own clock."""

import hashlib
import hmac
import time

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from portal.exceptions import PortalError

KEY_ID_HEADER = "X-Core-Key-Id"
TIMESTAMP_HEADER = "X-Core-Timestamp"
SIGNATURE_HEADER = "X-Core-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_CLOCK_SKEW = 300  # seconds either way


class SignatureRefused(PortalError):
    status_code = 401


def signature_compute(*, secret: str, timestamp: str, method: str, path: str, body: bytes) -> str:
    signed = f"{timestamp}\n{method.upper()}\n{path}\n".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def request_headers_sign(*, method: str, path: str, body: bytes, now: float | None = None) -> dict:
    """The headers that sign a request to the core system with the current key."""
    key_id = settings.CORE_SYSTEM_CURRENT_KEY_ID
    secret = settings.CORE_SYSTEM_KEYS.get(key_id)
    if not secret:
        raise PortalError(_("The core system's signing key is not configured."), code="not_configured")
    timestamp = str(int(now if now is not None else time.time()))
    return {
        KEY_ID_HEADER: key_id,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature_compute(secret=secret, timestamp=timestamp, method=method, path=path, body=body),
    }


def request_signature_verify(*, headers, method: str, path: str, body: bytes, now: float | None = None) -> str:
    """Check a request from the core system; returns the key id it was signed with, or raises
    ``SignatureRefused`` (401) saying what is wrong."""
    key_id = headers.get(KEY_ID_HEADER, "")
    timestamp = headers.get(TIMESTAMP_HEADER, "")
    signature = headers.get(SIGNATURE_HEADER, "")
    if not (key_id and timestamp and signature):
        raise SignatureRefused(
            _("The request is not signed. Send the X-Core-Key-Id, X-Core-Timestamp and X-Core-Signature headers."),
            code="signature_missing",
        )
    secret = settings.CORE_SYSTEM_KEYS.get(key_id)
    if not secret:
        raise SignatureRefused(_("The key named in X-Core-Key-Id is not known."), code="signature_key_unknown")
    if not timestamp.isdigit():
        raise SignatureRefused(
            _("X-Core-Timestamp must be the time in whole seconds since 1970 (UTC)."), code="signature_timestamp"
        )
    current = now if now is not None else time.time()
    if abs(current - int(timestamp)) > MAX_CLOCK_SKEW:
        raise SignatureRefused(
            _("The request's timestamp is more than five minutes away from the portal's clock. Sign it again now."),
            code="signature_stale",
        )
    expected = signature_compute(secret=secret, timestamp=timestamp, method=method, path=path, body=body)
    if not hmac.compare_digest(expected.encode(), signature.lower().encode()):
        raise SignatureRefused(_("The request's signature does not match."), code="signature_invalid")
    return key_id
