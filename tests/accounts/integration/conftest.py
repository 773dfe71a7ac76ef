"""Fixtures of the integration tests: a frozen clock, the core system's service account and
token, and two customers with one account each."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.accounts.integration.support import NOW
from tests.factories import BorrowerFactory, CustomerRecordFactory, UserFactory, credit_account


@pytest.fixture(autouse=True)
def frozen_clock():
    # The clock ticks so that a rewrite would show in the rows' update times.
    with time_machine.travel(NOW):
        yield


@pytest.fixture
def service_account(db):
    user = UserFactory(email="core-system@lender.example")
    user.groups.add(Group.objects.get(name="Core system integration"))
    return user


@pytest.fixture
def core_client(service_account):
    token = Token.objects.create(user=service_account)
    return APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")


@pytest.fixture
def world(db):
    """Two customers with one account each (ACC-A for a bound borrower)."""
    borrower = BorrowerFactory(customer=CustomerRecordFactory(external_id="CUST-A"))
    other = CustomerRecordFactory(external_id="CUST-B")
    return {
        "borrower": borrower,
        "account_a": credit_account(
            customer=borrower.customer,
            external_id="ACC-A",
            credit_limit="50000.00",
            opened_at=datetime(2025, 1, 1, 2, 0, tzinfo=UTC),
        ),
        "account_b": credit_account(customer=other, external_id="ACC-B", credit_limit="8000.00"),
    }
