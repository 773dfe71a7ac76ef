"""The closure-request API: the same rules as the wizard, for the mobile app."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts.closure import services
from accounts.models import ClosureRequest
from tests.factories import BorrowerFactory, credit_account

pytestmark = pytest.mark.django_db

CODE = "123456"
BODY = {"kind": "lower", "target_limit": "20000", "acknowledged": True, "reason": "no_longer_needed"}


@pytest.fixture(autouse=True)
def fixed_code(monkeypatch):
    monkeypatch.setattr(services.secrets, "randbelow", lambda _limit: int(CODE))


@pytest.fixture
def account(borrower):
    return credit_account(customer=borrower.customer, credit_limit="50000.00")


@pytest.fixture
def api(borrower):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(borrower)
    return client


def create(api, account, key="key-1", **changes):
    return api.post(
        "/api/v1/closure-requests/", {**BODY, "account": account.pk, **changes}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )


def test_create_needs_an_idempotency_key(api, account):
    response = api.post("/api/v1/closure-requests/", {**BODY, "account": account.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key"
    assert not ClosureRequest.objects.exists()


def test_a_retried_create_returns_the_same_draft(api, account):
    first = create(api, account)
    again = create(api, account)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["status"] == "draft"
    assert ClosureRequest.objects.count() == 1


def test_a_second_open_request_is_a_conflict(api, account):
    create(api, account)
    response = create(api, account, key="key-2", kind="close")
    assert response.status_code == 409
    assert response.json()["code"] == "open_request_exists"


@pytest.mark.parametrize("target", ["50000", "-1", "20050", "100"])
def test_bad_amounts_are_refused_with_the_wizards_words(api, account, target):
    response = create(api, account, target_limit=target)
    assert response.status_code == 400
    assert response.json()["detail"]
    assert not ClosureRequest.objects.exists()


def test_someone_elses_account_is_not_found(api):
    other = credit_account(customer=BorrowerFactory().customer)
    assert create(api, other).status_code == 404


def test_code_submit_and_withdraw(api, borrower, account):
    created = create(api, account).json()
    base = f"/api/v1/closure-requests/{created['id']}"
    wrong = api.post(f"{base}/submit/", {"code": CODE}, format="json")
    assert (wrong.status_code, wrong.json()["code"]) == (400, "no_code")
    assert api.post(f"{base}/verification-code/").status_code == 200
    bad = api.post(f"{base}/submit/", {"code": "000000"}, format="json")
    assert (bad.status_code, bad.json()["code"]) == (400, "wrong_code")
    submitted = api.post(f"{base}/submit/", {"code": CODE}, format="json")
    assert submitted.status_code == 200
    data = submitted.json()
    assert data["status"] == "submitted" and data["reference"].startswith("CR-")
    # A retried submit returns the same submitted request.
    assert api.post(f"{base}/submit/", {"code": CODE}, format="json").json()["reference"] == data["reference"]
    withdrawn = api.post(f"{base}/withdraw/")
    assert (withdrawn.status_code, withdrawn.json()["status"]) == (200, "withdrawn")
    again = api.post(f"{base}/withdraw/")
    assert again.status_code == 409
    account.refresh_from_db()
    assert account.credit_limit == Decimal("50000.00")


def test_another_borrowers_request_cannot_be_touched(api, account):
    other = BorrowerFactory()
    theirs = services.closure_request_draft_create(
        user=other, account=credit_account(customer=other.customer), kind="close"
    )
    for action in ("verification-code", "submit", "withdraw"):
        assert api.post(f"/api/v1/closure-requests/{theirs.pk}/{action}/").status_code == 404


def test_the_list_shows_only_mine_with_bounded_queries(api, borrower, account, django_assert_max_num_queries):
    other = BorrowerFactory()
    services.closure_request_draft_create(user=other, account=credit_account(customer=other.customer), kind="close")
    for number in range(3):
        closure_request = ClosureRequest.objects.get(pk=create(api, account, key=f"k{number}").json()["id"])
        ClosureRequest.objects.filter(pk=closure_request.pk).update(status="expired")
    with django_assert_max_num_queries(4):
        data = api.get("/api/v1/closure-requests/").json()
    assert data["count"] == 3
    assert {row["account"] for row in data["results"]} == {account.pk}


def test_an_unbound_login_is_refused(unbound_user):
    client = APIClient()
    client.force_authenticate(unbound_user)
    assert client.get("/api/v1/closure-requests/").status_code == 403
