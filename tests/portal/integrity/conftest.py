import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import connection
from django.utils import translation

from accounts.credit.services import limit_change_apply
from tests.factories import credit_account


def key_text():
    raw = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return base64.b64encode(raw).decode()


@pytest.fixture(autouse=True)
def signing_key(settings):
    """Each test signs with a key of its own, never the development key file under var/."""
    settings.INTEGRITY_SIGNING_KEY = key_text()
    return settings.INTEGRITY_SIGNING_KEY


@pytest.fixture(autouse=True)
def in_english():
    """Mismatch messages are written in the active language; the tests read them in English."""
    with translation.override("en"):
        yield


@pytest.fixture
def ledger(borrower):
    """A borrower's account lowered by the risk policy: two ledger rows, a notice, audit events."""
    account = credit_account(customer=borrower.customer)
    change = limit_change_apply(
        account=account, kind="risk_reduction", new_limit="30000", reason_codes=["score_drop"], decided_by="policy"
    )
    return account, change


def behind_the_apps_back(sql, params=()):
    """Run SQL as someone with database access would, guards switched off (PostgreSQL: triggers
    do not fire for a replica session; SQLite has none)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(sql, params)
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("SET session_replication_role = origin")
