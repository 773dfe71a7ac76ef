"""the integration API answers an increase without the borrower's consent with 409."""

from decimal import Decimal

import pytest

from accounts.models import LimitChange
from tests.accounts.integration.conftest import core_client, frozen_clock, service_account, world  # noqa: F401
from tests.accounts.integration.support import VALID_ROWS, push

pytestmark = pytest.mark.django_db


def account_row(accounts, limit):
    return {
        **VALID_ROWS["accounts"],
        "external_id": "ACC-B",
        "customer_external_id": "CUST-B",
        "credit_limit": limit,
        "reason_codes": ["score_drop"],
        "opened_at": accounts["account_b"].opened_at.isoformat(),
    }


def test_an_increase_pushed_by_the_core_system_is_refused_with_409_and_changes_nothing(core_client, world):  # noqa: F811
    core_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = push(core_client, "accounts", [account_row(world, "12000.00")])
    assert response.status_code == 409
    (error,) = response.json()["errors"]
    assert error["field"] == "credit_limit"
    assert "consent" in error["message"]
    world["account_b"].refresh_from_db()
    assert world["account_b"].credit_limit == Decimal("8000.00")
    assert not LimitChange.objects.filter(account=world["account_b"], kind="core_sync").exists()


def test_a_decrease_from_the_core_system_still_applies(core_client, world):  # noqa: F811
    response = push(core_client, "accounts", [account_row(world, "6000.00")])
    assert response.status_code == 200
    world["account_b"].refresh_from_db()
    assert world["account_b"].credit_limit == Decimal("6000.00")
