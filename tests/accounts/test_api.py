import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

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
