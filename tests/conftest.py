import pytest
from django.core.cache import cache

from tests.factories import PASSWORD, BorrowerFactory, StaffFactory, UserFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    # Rate limits and used TOTP codes live in the cache; each test starts with none.
    cache.clear()
    yield
    cache.clear()


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
