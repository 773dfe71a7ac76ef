"""Issue 13, point 7: identity binding is limited per customer record and per client address, not
only per login, so neither a fresh login nor one machine can keep guessing; and the language
cookie that account settings set carries the attributes production needs."""

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from accounts.identity import national_id
from accounts.identity.services import identity_binding_submit
from accounts.models import IdentityBindingAttempt
from portal.exceptions import PortalError
from portal.models import AuditEvent
from tests.factories import CustomerRecordFactory, UserFactory, valid_national_id

pytestmark = pytest.mark.django_db

# From a region the factories never use (see test_identity_binding.py).
CUSTOMER_NUMBER = "32010619800303038" + national_id.check_character("32010619800303038")


@pytest.fixture(autouse=True)
def limits(settings):
    settings.IDENTITY_BINDING_MAX_FAILURES = 5
    settings.IDENTITY_BINDING_MAX_FAILURES_PER_CUSTOMER = 3
    settings.IDENTITY_BINDING_MAX_FAILURES_PER_ADDRESS = 4


@pytest.fixture
def customer():
    return CustomerRecordFactory(legal_name="王芳", national_id_number=CUSTOMER_NUMBER)


def _from(address):
    return RequestFactory().post("/identity/", REMOTE_ADDR=address)


def _guess(user, *, name="李四", number=CUSTOMER_NUMBER, address="198.51.100.1"):
    """One attempt; the refusal's code."""
    with translation.override("en"), pytest.raises(PortalError) as refusal:
        identity_binding_submit(user=user, legal_name=name, national_id_number=number, request=_from(address))
    return refusal.value


def test_new_logins_cannot_keep_guessing_one_customers_number(customer):
    first, second, third = UserFactory(), UserFactory(), UserFactory()
    _guess(first, address="198.51.100.1")
    _guess(first, address="198.51.100.1")
    _guess(second, address="198.51.100.2")

    refusal = _guess(third, name="王芳", address="198.51.100.3")  # even the right name

    assert refusal.code == "customer_locked"
    assert "this ID number is paused" in refusal.message
    third.refresh_from_db()
    assert third.customer is None
    assert IdentityBindingAttempt.objects.filter(user=third, succeeded=False).count() == 1
    assert AuditEvent.objects.filter(
        action="identity.binding_refused_limit", actor=third, after={"refused": "customer_locked"}
    ).exists()


def test_guesses_at_a_number_nobody_holds_are_limited_the_same_way(customer):
    unheld = valid_national_id(98)
    _guess(UserFactory(), number=unheld, address="198.51.100.1")
    _guess(UserFactory(), number=unheld, address="198.51.100.2")
    _guess(UserFactory(), number=unheld, address="198.51.100.3")

    assert _guess(UserFactory(), number=unheld, address="198.51.100.4").code == "customer_locked"


def test_other_numbers_stay_open_when_one_is_locked(customer):
    for address in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
        _guess(UserFactory(), number=valid_national_id(97), address=address)

    owner = UserFactory()
    identity_binding_submit(
        user=owner, legal_name="王芳", national_id_number=CUSTOMER_NUMBER, request=_from("198.51.100.9")
    )
    owner.refresh_from_db()
    assert owner.customer == customer


def test_one_address_cannot_try_many_logins(customer):
    for sequence in range(4):
        _guess(UserFactory(), number=valid_national_id(90 + sequence), address="203.0.113.7")

    late = UserFactory()
    refusal = _guess(late, name="王芳", address="203.0.113.7")

    assert refusal.code == "address_locked"
    assert "from your network is paused" in refusal.message
    assert IdentityBindingAttempt.objects.filter(user=late, ip_address="203.0.113.7").count() == 1
    elsewhere = UserFactory()
    identity_binding_submit(
        user=elsewhere, legal_name="王芳", national_id_number=CUSTOMER_NUMBER, request=_from("203.0.113.8")
    )
    elsewhere.refresh_from_db()
    assert elsewhere.customer == customer


def test_the_binding_page_shows_the_refusal(client, customer):
    for sequence in range(4):
        _guess(UserFactory(), number=valid_national_id(80 + sequence), address="127.0.0.1")
    user = UserFactory(preferred_language="en")
    client.force_login(user)

    response = client.post(
        reverse("identity_binding"),
        {"legal_name": "王芳", "national_id_number": CUSTOMER_NUMBER},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    assert "identity verification from your network is paused" in response.content.decode()


def test_the_language_cookie_from_account_settings_follows_the_cookie_settings(borrower_client, settings):
    settings.LANGUAGE_COOKIE_SECURE = True  # as in production
    settings.LANGUAGE_COOKIE_SAMESITE = "Strict"

    response = borrower_client.post(reverse("account_settings"), {"preferred_language": "en"})

    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    assert (cookie["secure"], cookie["httponly"], cookie["samesite"]) == (True, True, "Strict")
