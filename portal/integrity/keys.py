"""The portal's signing key, read once from settings. ``INTEGRITY_SIGNING_KEY`` (PEM or base64
seed, from the environment) in production; in development a key generated on first use into
``INTEGRITY_SIGNING_KEY_FILE`` (under var/, never committed)."""

import functools
import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from portal.integrity import signing


def _generated_key(path):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two processes starting at once never write two different keys.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return signing.private_key_load(path.read_text())
    key = Ed25519PrivateKey.generate()
    with os.fdopen(descriptor, "w") as handle:
        handle.write(signing.private_key_pem(key))
    return key


@functools.cache
def _key_from(configured, path):
    if configured:
        try:
            return signing.private_key_load(configured)
        except ValueError as error:
            raise ImproperlyConfigured(f"INTEGRITY_SIGNING_KEY is not a usable Ed25519 key: {error}") from error
    if settings.PRODUCTION:
        raise ImproperlyConfigured("Production mode needs INTEGRITY_SIGNING_KEY (an Ed25519 key, PEM or base64).")
    return _generated_key(path)


def signing_key():
    return _key_from(settings.INTEGRITY_SIGNING_KEY, str(settings.INTEGRITY_SIGNING_KEY_FILE))


def public_key():
    return signing_key().public_key()


def current_key_id():
    return signing.key_id(public_key())


def public_key_pem():
    return signing.public_key_pem(public_key())
