"""The repayment options' API: the same rules as the pages, JSON errors, scoped to the borrower."""

from datetime import datetime

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import RepaymentInstruction
from accounts.repayment import services
from tests.accounts.repayment.conftest import SHANGHAI
from tests.factories import BorrowerFactory, StaffFactory

pytestmark = pytest.mark.django_db


def api(user):
    user.preferred_language = "en"
    user.save(update_fields=["preferred_language"])
    return APIClient(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}", HTTP_ACCEPT_LANGUAGE="en")


def path(account, rest):
    return f"/api/v1/accounts/{account.pk}/repayment/{rest}"


def test_quote_then_confirm_sends_the_early_repayment(borrower, account):
    client = api(borrower)

    quote = client.post(path(account, "quotes/"), {"amount": "3000.00"}, format="json")
    assert quote.status_code == 201
    assert quote.json()["amount"] == "3000.00"

    sent = client.post(path(account, "early/"), {"quote_reference": quote.json()["reference"]}, format="json")
    assert sent.status_code == 201
    assert sent.json()["status"] == "sent"


def test_an_expired_quote_is_409_and_nothing_is_sent(borrower, account, time_machine):
    client = api(borrower)
    quote = client.post(path(account, "quotes/"), {}, format="json").json()
    time_machine.move_to(datetime(2026, 12, 2, 0, 0, 1, tzinfo=SHANGHAI), tick=False)

    response = client.post(path(account, "early/"), {"quote_reference": quote["reference"]}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "quote_expired"
    assert not RepaymentInstruction.objects.exists()


@pytest.mark.parametrize("due_day", [0, 29])
def test_due_day_out_of_range_is_400_with_the_field(borrower, account, due_day):
    response = api(borrower).post(path(account, "due-day/"), {"due_day": due_day}, format="json")

    assert response.status_code == 400
    assert "due_day" in response.json()["field_errors"]
    assert not RepaymentInstruction.objects.exists()


def test_hardship_requested_offered_and_accepted_through_the_api(borrower, account):
    client = api(borrower)
    created = client.post(
        path(account, "hardship/"), {"mode": "lower_payments", "months": 3, "reason": "Illness."}, format="json"
    )
    assert created.status_code == 201
    request = RepaymentInstruction.objects.get(reference=created.json()["reference"])
    services.hardship_decide(actor=StaffFactory(group="Support agent"), instruction_id=request.pk, approve=True)

    listed = client.get(path(account, "instructions/"))
    assert len(listed.json()["results"][0]["proposed_schedule"]) == 12

    accepted = client.post(path(account, f"instructions/{request.reference}/accept/"))
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "sent"


def test_another_borrowers_line_is_404(account):
    response = api(BorrowerFactory()).post(path(account, "due-day/"), {"due_day": 15}, format="json")

    assert response.status_code == 404
    assert not RepaymentInstruction.objects.exists()


def test_the_instruction_list_has_a_bounded_number_of_queries(borrower, account, django_assert_max_num_queries):
    client = api(borrower)
    for day in (10, 12):
        instruction = services.due_day_change_request(user=borrower, account_id=account.pk, due_day=day)
        services.repayment_outcome_record(
            kind=instruction.kind, subject_reference=str(instruction.reference), outcome="refused", detail="", data={}
        )

    with django_assert_max_num_queries(10):
        response = client.get(path(account, "instructions/"))

    assert response.json()["count"] == 2
