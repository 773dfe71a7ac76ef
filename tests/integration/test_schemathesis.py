"""Schemathesis against a live server: every operation of /api/schema/, called with a borrower's
token and with the core system's token, answers only what the schema documents (status, content
type, body), never a 5xx, and refuses input outside the documented constraints.

It runs where the real services are (CI: REQUIRE_SERVICES=1), in one to two minutes on two cores:
a fixed number of examples per operation and a fixed seed, so every CI run sends the same cases.
To explore further, change SEED or raise MAX_EXAMPLES."""

import os

import pytest
import schemathesis
from django.contrib.auth.models import Group

from accounts.identity.services import api_token_create
from tests.appeals.conftest import file_appeal, reduction
from tests.education.factories import ArticleFactory, HealthReportFactory, quiz_for
from tests.factories import BorrowerFactory, UserFactory, credit_account

REQUIRED = os.environ.get("REQUIRE_SERVICES") == "1"
SEED = 20261201
MAX_EXAMPLES = 15

pytestmark = [
    pytest.mark.skipif(not REQUIRED, reason="REQUIRE_SERVICES is not set: CI runs the API fuzzing (minutes)"),
    pytest.mark.django_db(transaction=True),
]

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "cache": {"enabled": False},
        "generation": {"max-examples": MAX_EXAMPLES},
        "phases": {"stateful": {"enabled": False}},
        # A request of the documented shape may still break a business rule (an account that
        # cannot be lowered, an answer from another question), which the portal answers with 400.
        "checks": {"positive_data_acceptance": {"enabled": False}},
    }
)


@pytest.fixture
def tokens():
    """A borrower with a bit of everything (a passive reduction and an appeal against it, a
    second account, a health report, an article with a quiz) and the core system's account."""
    borrower = BorrowerFactory(preferred_language="en")
    decision = reduction(borrower.customer)
    file_appeal(borrower, decision)
    credit_account(customer=borrower.customer)
    HealthReportFactory(user=borrower)
    quiz_for(ArticleFactory())
    core_system = UserFactory(email="core-system@lender.example")
    core_system.groups.add(Group.objects.get(name="Core system integration"))
    return {"borrower": api_token_create(user=borrower).key, "core_system": api_token_create(user=core_system).key}


@pytest.fixture
def api_schema(live_server, tokens):
    return schemathesis.openapi.from_url(f"{live_server.url}/api/schema/", config=CONFIG)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.include(path_regex=r"^/api/v1/").parametrize()
def test_the_borrower_api_keeps_to_its_schema(case, tokens):
    case.call_and_validate(headers={"Authorization": f"Token {tokens['borrower']}"})


@schema.include(path_regex=r"^/api/integration/").parametrize()
def test_the_integration_api_keeps_to_its_schema(case, tokens):
    case.call_and_validate(headers={"Authorization": f"Token {tokens['core_system']}"})
