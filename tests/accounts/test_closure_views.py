"""The wizard in the test client: each step, the order of steps, the step-up check, the receipt,
withdrawal, and what other borrowers can reach (nothing)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.closure import services
from accounts.credit.services import limit_change_apply
from accounts.models import ClosureRequest, CreditAccount
from tests.factories import BorrowerFactory, credit_account

pytestmark = pytest.mark.django_db

CODE = "123456"


@pytest.fixture(autouse=True)
def fixed_code(monkeypatch):
    monkeypatch.setattr(services.secrets, "randbelow", lambda _limit: int(CODE))


@pytest.fixture
def english_borrower(db):
    return BorrowerFactory(preferred_language="en")


@pytest.fixture
def account(english_borrower):
    return credit_account(customer=english_borrower.customer, credit_limit="50000.00", outstanding_balance="12000.00")


@pytest.fixture
def signed_in(client, english_borrower, password):
    client.post(reverse("account_login"), {"login": english_borrower.email, "password": password})
    return client


def url(name, closure_request):
    return reverse(name, kwargs={"account_id": closure_request.account_id, "request_id": closure_request.pk})


def walk_to_verify(client, account):
    client.post(reverse("closure_start", args=[account.pk]), {"kind": "lower", "target_limit": "20000"})
    closure_request = ClosureRequest.objects.get(account=account)
    client.post(
        url("closure_impact", closure_request),
        {"understood": "on", "reason": "limit_spending", "reason_text": "  fewer  impulses "},
    )
    return closure_request


def test_the_dashboard_and_settings_link_to_the_wizard(signed_in, account):
    assert reverse("closure_start", args=[account.pk]) in signed_in.get("/").content.decode()
    assert reverse("closure_entry") in signed_in.get("/settings/").content.decode()
    assert signed_in.get(reverse("closure_entry"))["Location"] == reverse("closure_start", args=[account.pk])


def test_step_one_shows_the_allowed_range_and_step_count(signed_in, account):
    page = signed_in.get(reverse("closure_start", args=[account.pk])).content.decode()
    assert "Step 1 of 4" in page
    assert "any amount from ¥500.00 to ¥49,900.00, in steps of ¥100.00" in page


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("50000", "must be lower than your current limit of ¥50,000.00"),
        ("-5", "cannot be negative"),
        ("20050", "in steps of ¥100.00"),
        ("", "Enter the new limit you would like."),
    ],
)
def test_step_one_refuses_bad_amounts_with_a_linked_error(signed_in, account, target, message):
    response = signed_in.post(reverse("closure_start", args=[account.pk]), {"kind": "lower", "target_limit": target})
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert 'aria-describedby="id_target_limit_errors"' in page
    assert not ClosureRequest.objects.exists()


def test_the_whole_wizard_in_four_screens_and_the_receipt(
    signed_in, english_borrower, account, password, mailoutbox, django_capture_on_commit_callbacks
):
    response = signed_in.post(reverse("closure_start", args=[account.pk]), {"kind": "lower", "target_limit": "20,000"})
    closure_request = ClosureRequest.objects.get(account=account)
    assert response["Location"] == url("closure_impact", closure_request)

    # Screen 2: what changes and the reason, on one form; leaving it emails the code.
    page = signed_in.get(url("closure_impact", closure_request)).content.decode()
    assert "Step 2 of 4" in page and "¥12,000.00" in page
    assert "keep" not in page.lower() or "offer" not in page.lower()  # no retention offers
    response = signed_in.post(url("closure_impact", closure_request), {"reason": "limit_spending"})
    assert "Tick the box" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(
            url("closure_impact", closure_request), {"understood": "on", "reason": "limit_spending"}
        )
    assert response["Location"] == url("closure_verify", closure_request)
    assert CODE in mailoutbox[-1].body

    # Screen 3: a fresh sign-in does not count; the password and the code on one form.
    page = signed_in.get(url("closure_verify", closure_request)).content.decode()
    assert "Step 3 of 4" in page and 'id="id_password"' in page and 'id="id_code"' in page
    response = signed_in.post(url("closure_verify", closure_request), {"password": password, "code": "999999"})
    assert "That code is not right. Tries left: 4." in response.content.decode()
    response = signed_in.post(url("closure_verify", closure_request), {"code": CODE})
    assert response["Location"] == url("closure_confirm", closure_request)

    page = signed_in.get(url("closure_confirm", closure_request)).content.decode()
    assert "Step 4 of 4" in page and "¥20,000.00" in page
    response = signed_in.post(url("closure_confirm", closure_request))
    closure_request.refresh_from_db()
    assert closure_request.status == "submitted"
    assert response["Location"] == url("closure_receipt", closure_request)
    # A double click or a refresh of the last step does not make a second request.
    again = signed_in.post(url("closure_confirm", closure_request))
    assert again["Location"] == url("closure_receipt", closure_request)
    assert ClosureRequest.objects.count() == 1

    receipt = signed_in.get(url("closure_receipt", closure_request)).content.decode()
    assert closure_request.reference in receipt
    assert "¥50,000.00 → ¥20,000.00" in receipt
    download = signed_in.get(url("closure_receipt_download", closure_request))
    assert download["Content-Disposition"] == f'attachment; filename="{closure_request.reference}.txt"'
    text = download.content.decode()
    assert f"Reference: {closure_request.reference}" in text
    assert "Limit: ¥50,000.00 → ¥20,000.00" in text


@pytest.mark.parametrize("step", ["verify", "confirm"])
def test_a_later_step_typed_in_sends_back_to_the_first_open_one(signed_in, account, password, step):
    signed_in.post(reverse("closure_start", args=[account.pk]), {"kind": "close"})
    closure_request = ClosureRequest.objects.get(account=account)
    response = signed_in.get(url(f"closure_{step}", closure_request), follow=True)
    assert response.redirect_chain[-1][0] == url("closure_impact", closure_request)
    assert "Please complete step 2 of 4 first." in response.content.decode()
    signed_in.post(url(f"closure_{step}", closure_request), {"reason": "other", "password": password, "code": CODE})
    closure_request.refresh_from_db()
    assert (closure_request.reason, closure_request.status, closure_request.verified_at) == ("", "draft", None)


def test_the_back_link_leads_to_step_one_with_the_answers_kept(signed_in, account):
    closure_request = walk_to_verify(signed_in, account)
    page = signed_in.get(url("closure_verify", closure_request)).content.decode()
    assert f'href="{url("closure_impact", closure_request)}"' in page
    page = signed_in.get(url("closure_choose", closure_request)).content.decode()
    assert 'value="20000.00"' in page
    response = signed_in.post(url("closure_choose", closure_request), {"kind": "close"})
    assert response["Location"] == url("closure_impact", closure_request)


def test_a_second_start_shows_the_open_request(signed_in, account):
    closure_request = walk_to_verify(signed_in, account)
    response = signed_in.get(reverse("closure_start", args=[account.pk]))
    assert response["Location"] == url("closure_verify", closure_request)


def test_another_borrowers_draft_or_account_is_not_found(signed_in, account):
    other = BorrowerFactory()
    their_account = credit_account(customer=other.customer)
    theirs = services.closure_request_draft_create(user=other, account=their_account, kind="close")
    assert signed_in.get(reverse("closure_start", args=[their_account.pk])).status_code == 404
    assert signed_in.get(url("closure_impact", theirs)).status_code == 404
    assert signed_in.get(url("closure_receipt", theirs)).status_code == 404
    assert signed_in.post(url("closure_withdraw", theirs)).status_code == 404
    # Their draft under my account id is not found either.
    mine = reverse("closure_impact", kwargs={"account_id": account.pk, "request_id": theirs.pk})
    assert signed_in.get(mine).status_code == 404


def test_an_expired_draft_is_not_found(signed_in, account):
    closure_request = walk_to_verify(signed_in, account)
    ClosureRequest.objects.filter(pk=closure_request.pk).update(status="expired")
    assert signed_in.get(url("closure_impact", closure_request)).status_code == 404


@pytest.mark.parametrize(
    ("kind", "status", "message"),
    [
        ("risk_freeze", CreditAccount.Status.FROZEN, "frozen after a risk review"),
        ("clearance", CreditAccount.Status.CLEARED, "was cleared by the lender"),
    ],
)
def test_a_frozen_or_cleared_line_is_told_why_and_how_to_appeal(signed_in, account, kind, status, message):
    limit_change_apply(account=account, kind=kind, new_status=status, reason_codes=["score_drop"], decided_by="policy")
    page = signed_in.get(reverse("closure_start", args=[account.pk])).content.decode()
    assert message in page
    assert reverse("credit_history", args=[account.pk]) in page
    assert 'name="kind"' not in page
    signed_in.post(reverse("closure_start", args=[account.pk]), {"kind": "close"})
    assert not ClosureRequest.objects.exists()


def submit_via_services(borrower, account, kind="close"):
    closure_request = services.closure_request_draft_create(user=borrower, account=account, kind=kind)
    services.closure_request_impact_acknowledge(closure_request=closure_request, user=borrower)
    services.closure_request_reason_set(closure_request=closure_request, user=borrower, reason="other")
    services.closure_verification_code_send(closure_request=closure_request, user=borrower)
    services.closure_request_verify(closure_request=closure_request, user=borrower, code=CODE)
    return services.closure_request_submit(closure_request=closure_request, user=borrower)


def test_withdraw_is_one_click_from_the_receipt_and_a_second_click_is_explained(signed_in, english_borrower, account):
    closure_request = submit_via_services(english_borrower, account)
    receipt = signed_in.get(url("closure_receipt", closure_request)).content.decode()
    assert f'action="{url("closure_withdraw", closure_request)}"' in receipt
    assert signed_in.get(url("closure_withdraw", closure_request)).status_code == 200  # confirmation page
    response = signed_in.post(url("closure_withdraw", closure_request), follow=True)
    assert "is withdrawn. Nothing changes on your credit line." in response.content.decode()
    closure_request.refresh_from_db()
    assert closure_request.status == "withdrawn"
    response = signed_in.post(url("closure_withdraw", closure_request), follow=True)
    assert "so it cannot be withdrawn" in response.content.decode()
    account.refresh_from_db()
    assert account.credit_limit == Decimal("50000.00")


def test_a_submitted_request_sends_the_wizard_to_its_receipt(signed_in, english_borrower, account):
    closure_request = submit_via_services(english_borrower, account)
    assert signed_in.get(reverse("closure_start", args=[account.pk]))["Location"] == url(
        "closure_receipt", closure_request
    )
    assert signed_in.get(url("closure_confirm", closure_request))["Location"] == url("closure_receipt", closure_request)


def test_the_request_list_has_a_bounded_query_count(
    signed_in, english_borrower, account, django_assert_max_num_queries
):
    for _number in range(3):
        closure_request = submit_via_services(english_borrower, account)
        services.closure_request_withdraw(closure_request=closure_request, user=english_borrower)
    with django_assert_max_num_queries(12):
        page = signed_in.get(reverse("closure_request_list", args=[account.pk])).content.decode()
    assert page.count("CR-") == 3
