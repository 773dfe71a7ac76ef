import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.credit.services import limit_change_apply
from portal.models import Notification
from tests.factories import BorrowerFactory, credit_account

pytestmark = pytest.mark.django_db


def test_me_requires_authentication():
    response = APIClient().get("/api/v1/me")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_me_shows_binding_state_of_an_unbound_login(unbound_user):
    client = APIClient()
    client.force_authenticate(unbound_user)
    data = client.get("/api/v1/me").json()
    assert data["email"] == unbound_user.email
    assert data["identity_bound"] is False
    assert data["masked_national_id"] is None


def test_me_with_a_token_shows_only_the_masked_identity(borrower, django_assert_max_num_queries):
    token = Token.objects.create(user=borrower)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    with django_assert_max_num_queries(3):
        data = client.get("/api/v1/me").json()
    assert data["identity_bound"] is True
    assert data["masked_national_id"] == borrower.customer.masked_national_id
    assert data["masked_national_id"].startswith("*" * 14)
    assert "national_id_hash" not in data


def test_a_revoked_or_forged_token_is_refused(borrower):
    response = APIClient(HTTP_AUTHORIZATION="Token not-a-real-token").get("/api/v1/me")
    assert response.status_code == 401


def test_schema_and_docs_are_served_with_local_assets(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/me" in schema.content
    docs = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs
    assert "cdn" not in docs.lower()
    assert "/static/drf_spectacular_sidecar/" in docs


def test_accounts_api_lists_only_my_accounts(borrower, django_assert_max_num_queries):
    mine = credit_account(customer=borrower.customer)
    credit_account()  # someone else's
    client = APIClient()
    client.force_authenticate(borrower)
    with django_assert_max_num_queries(3):
        data = client.get("/api/v1/accounts/").json()
    assert [row["external_id"] for row in data["results"]] == [mine.external_id]
    assert data["results"][0]["available_credit"] == "50000.00"


def test_unbound_login_gets_403_from_credit_endpoints(unbound_user):
    client = APIClient()
    client.force_authenticate(unbound_user)
    assert client.get("/api/v1/accounts/").status_code == 403


def test_limit_changes_api_explains_reasons_and_hides_others_accounts(borrower):
    account = credit_account(customer=borrower.customer)
    limit_change_apply(
        account=account,
        kind="risk_reduction",
        new_limit="30000",
        reason_codes=["score_drop"],
        decided_by="policy",
    )
    other = credit_account()
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(borrower)
    data = client.get(f"/api/v1/accounts/{account.pk}/limit-changes/").json()["results"]
    assert [row["sequence"] for row in data] == [2, 1]
    assert data[0]["reasons"][0]["code"] == "score_drop"
    assert data[0]["reasons"][0]["title"] == "Your credit score fell"
    assert client.get(f"/api/v1/accounts/{other.pk}/limit-changes/").status_code == 404


def test_notifications_api_lists_and_marks_only_mine(borrower):
    account = credit_account(customer=borrower.customer)
    limit_change_apply(
        account=account, kind="risk_freeze", new_status="frozen", reason_codes=["fraud_suspicion"], decided_by="staff"
    )
    stranger = BorrowerFactory()
    stranger_account = credit_account(customer=stranger.customer)
    limit_change_apply(
        account=stranger_account,
        kind="risk_freeze",
        new_status="frozen",
        reason_codes=["fraud_suspicion"],
        decided_by="staff",
    )
    theirs = Notification.objects.get(recipient=stranger)

    client = APIClient()
    client.force_authenticate(borrower)
    rows = client.get("/api/v1/notifications/").json()["results"]
    assert len(rows) == 1
    response = client.post("/api/v1/notifications/read/", {"ids": [rows[0]["id"], theirs.pk]}, format="json")
    assert response.json() == {"marked": 1}
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert client.post("/api/v1/notifications/read/", {"ids": ["x"]}, format="json").status_code == 400


def test_openapi_schema_generates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert "/api/v1/accounts/{account_id}/limit-changes/" in (tmp_path / "schema.yaml").read_text()
