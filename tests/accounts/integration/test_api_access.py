"""Who may call the core system's integration API, and what its schema promises."""

import pytest
from django.contrib.auth.models import Group, Permission
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.integration import services
from accounts.integration.services import IntegrationForbidden, integration_rows_apply
from tests.accounts.integration.support import (
    ENDPOINTS,
    VALID_ROWS,
    database_state,
    push,
)
from tests.factories import (
    UserFactory,
)

pytestmark = pytest.mark.django_db

# Who may call


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_without_a_token_the_answer_is_401(world, endpoint):
    response = push(APIClient(), endpoint, [VALID_ROWS[endpoint]])
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_borrower_token_gets_403_and_changes_nothing(world, endpoint):
    token = Token.objects.create(user=world["borrower"])
    before = database_state()
    response = push(APIClient(HTTP_AUTHORIZATION=f"Token {token.key}"), endpoint, [VALID_ROWS[endpoint]])
    assert response.status_code == 403
    assert database_state() == before


def test_a_logged_in_session_is_not_enough(client, service_account, world):
    client.force_login(service_account)
    response = client.post(
        "/api/integration/v1/balances/", {"rows": [VALID_ROWS["balances"]]}, content_type="application/json"
    )
    assert response.status_code == 401


def test_staff_without_the_integration_permission_get_403(world):
    staff = UserFactory(is_staff=True)
    token = Token.objects.create(user=staff)
    response = push(APIClient(HTTP_AUTHORIZATION=f"Token {token.key}"), "balances", [VALID_ROWS["balances"]])
    assert response.status_code == 403


def test_the_service_refuses_a_login_without_the_integration_permission(world):
    with pytest.raises(IntegrationForbidden):
        integration_rows_apply(kind="balances", rows=[VALID_ROWS["balances"]], actor=world["borrower"])


def test_the_integration_endpoints_are_in_the_schema(client):
    schema = client.get("/api/schema/").content.decode()
    assert "/api/integration/v1/risk-signals/" in schema
    assert "IntegrationRiskSignalRow" in schema


@pytest.mark.parametrize(
    ("path", "operation_id", "request_schema", "row_schema"),
    [
        ("customers", "integration_customers_upsert", "IntegrationCustomersRequest", "IntegrationCustomerRow"),
        ("accounts", "integration_accounts_upsert", "IntegrationAccountsRequest", "IntegrationAccountRow"),
        ("balances", "integration_balances_upsert", "IntegrationBalancesRequest", "IntegrationBalanceRow"),
        (
            "repayment-schedules",
            "integration_repayment_schedules_upsert",
            "IntegrationRepaymentSchedulesRequest",
            "IntegrationInstallmentRow",
        ),
        (
            "score-updates",
            "integration_score_updates_upsert",
            "IntegrationScoreUpdatesRequest",
            "IntegrationScoreUpdateRow",
        ),
        (
            "risk-signals",
            "integration_risk_signals_upsert",
            "IntegrationRiskSignalsRequest",
            "IntegrationRiskSignalRow",
        ),
    ],
)
def test_each_endpoint_keeps_its_operation_id_and_schemas(client, path, operation_id, request_schema, row_schema):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"][f"/api/integration/v1/{path}/"]["post"]
    assert operation["operationId"] == operation_id
    assert operation["tags"] == ["integration"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(f"/{request_schema}")
    assert schema["components"]["schemas"][request_schema]["properties"]["rows"]["items"]["$ref"].endswith(
        f"/{row_schema}"
    )
    assert set(operation["responses"]) == {"200", "400", "401", "403", "409", "413", "415"}
    assert set(operation["requestBody"]["content"]) == {"application/json"}


# Issue 21, finding 8: only members of the service group, superusers included.


def test_a_superuser_outside_the_service_group_gets_403_and_changes_nothing(world):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    before = database_state()
    response = push(
        APIClient(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=superuser).key}"),
        "balances",
        [VALID_ROWS["balances"]],
    )
    assert response.status_code == 403
    assert database_state() == before
    with pytest.raises(IntegrationForbidden):
        integration_rows_apply(kind="balances", rows=[VALID_ROWS["balances"]], actor=superuser)


def test_a_login_given_the_permission_outside_the_group_gets_403(world):
    user = UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="use_integration_api"))
    response = push(
        APIClient(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}"),
        "balances",
        [VALID_ROWS["balances"]],
    )
    assert response.status_code == 403


def test_a_superuser_in_the_service_group_may_write(world):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    superuser.groups.add(Group.objects.get(name="Core system integration"))
    response = push(
        APIClient(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=superuser).key}"),
        "balances",
        [VALID_ROWS["balances"]],
    )
    assert response.status_code == 200


def test_an_inactive_service_account_gets_no_access(service_account):
    service_account.is_active = False
    assert not services.integration_access_allowed(service_account)
