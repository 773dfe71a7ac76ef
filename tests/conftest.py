import pytest
from django.core.cache import cache

from tests.factories import PASSWORD, BorrowerFactory, StaffFactory, UserFactory
from tests.staff_login import SignInClient


@pytest.fixture(autouse=True)
def _clear_cache():
    # Rate limits and used TOTP codes live in the cache; each test starts with none.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _ledger_matches_accounts(request):
    """After every test that touched the database: each account's limit and status equal its
    newest ledger row. (PostgreSQL also enforces this at commit; this covers SQLite runs.)"""
    yield
    if "django_db_blocker" not in request.fixturenames or not _uses_db(request):
        return
    from accounts.models import CreditAccount, LimitChange

    mismatched = []
    for account in CreditAccount.objects.all():
        newest = LimitChange.objects.filter(account=account).order_by("-sequence").first()
        if newest is None or (newest.new_limit, newest.new_status) != (account.credit_limit, account.status):
            mismatched.append(account.external_id)
    assert mismatched == [], "accounts out of step with their ledger"


def _uses_db(request):
    marker = request.node.get_closest_marker("django_db")
    return marker is not None or any(name in request.fixturenames for name in ("db", "transactional_db", "live_server"))


@pytest.fixture
def client():
    """The test client; its ``force_login`` signs in as the portal does, so a staff member with an
    authenticator gets a session that passed it (tests/staff_login.py)."""
    return SignInClient()


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def borrower(db):
    return BorrowerFactory()


@pytest.fixture
def unbound_user(db):
    return UserFactory()


@pytest.fixture
def staff_user(db):
    return StaffFactory()


@pytest.fixture
def borrower_client(client, borrower):
    client.force_login(borrower)
    return client


@pytest.fixture
def unbound_client(client, unbound_user):
    client.force_login(unbound_user)
    return client


def pytest_collection_modifyitems(items):
    """Every test that commits for real restores the migrations' data afterwards.

    A transactional test empties the database when it ends, taking with it what data migrations
    wrote (reason codes, staff groups, the baseline policy). serialized_rollback puts it back;
    it must hold for all of them, since a plain flush also re-creates content types that a
    later restore would then insert twice."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction") and not marker.kwargs.get("serialized_rollback"):
            item.add_marker(pytest.mark.django_db(**{**marker.kwargs, "serialized_rollback": True}), append=False)
