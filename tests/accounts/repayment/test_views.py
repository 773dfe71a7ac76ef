"""The borrower's repayment pages: each action through a summary to a receipt, scoped to the
borrower, without JavaScript."""

from datetime import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import ClosureRequest, RepaymentInstruction, RepaymentQuote
from accounts.repayment import services
from tests.accounts.repayment.conftest import SHANGHAI
from tests.factories import BorrowerFactory, StaffFactory, credit_account

pytestmark = pytest.mark.django_db

Status = RepaymentInstruction.Status


@pytest.fixture(autouse=True)
def _english_pages(borrower):
    """Pages are read in English here (the borrower's language wins over the default)."""
    borrower.preferred_language = "en"
    borrower.save(update_fields=["preferred_language"])


def url(name, account, *args):
    return reverse(name, args=[account.pk, *args])


def test_the_repayments_page_links_to_the_options(borrower_client, account):
    response = borrower_client.get(reverse("credit_repayments", args=[account.pk]))

    assert url("repayment_options", account).encode() in response.content


def test_closing_a_line_with_a_balance_links_to_the_early_repayment_quote(borrower_client, account):
    borrower_client.post(reverse("closure_start", args=[account.pk]), {"kind": "close"})
    closure_request = ClosureRequest.objects.get(account=account)

    response = borrower_client.get(
        reverse("closure_impact", kwargs={"account_id": account.pk, "request_id": closure_request.pk})
    )

    assert url("repayment_early", account).encode() in response.content


def test_options_page_lists_instructions_within_a_bounded_number_of_queries(
    borrower, borrower_client, account, django_assert_max_num_queries
):
    for day in (10, 15):
        instruction = services.due_day_change_request(user=borrower, account_id=account.pk, due_day=day)
        services.repayment_outcome_record(
            kind=instruction.kind, subject_reference=str(instruction.reference), outcome="refused", detail="", data={}
        )

    with django_assert_max_num_queries(12):
        response = borrower_client.get(url("repayment_options", account))

    assert response.status_code == 200
    assert response.content.count(b"<h1") == 1
    assert response.content.count(b"repayment/instructions/") == 2


def test_early_repayment_quote_then_confirm_then_receipt(borrower_client, account):
    response = borrower_client.post(url("repayment_early", account), {"how_much": "full"})
    quote = RepaymentQuote.objects.get(account=account)
    assert response.status_code == 302
    assert response["Location"] == url("repayment_quote", account, quote.reference)

    page = borrower_client.get(response["Location"])
    assert "¥12,096.00" in page.content.decode()
    assert "¥1,104.00" in page.content.decode()

    receipt = borrower_client.post(response["Location"], follow=True)
    instruction = RepaymentInstruction.objects.get(account=account)
    assert receipt.redirect_chain[-1][0] == url("repayment_instruction", account, instruction.reference)
    assert str(instruction.reference) in receipt.content.decode()
    assert instruction.status == Status.SENT


def test_an_expired_quote_is_refused_on_the_page(borrower_client, account, time_machine, settings):
    settings.REPAYMENT_QUOTE_MINUTES = 30
    borrower_client.post(url("repayment_early", account), {"how_much": "full"})
    quote = RepaymentQuote.objects.get(account=account)
    time_machine.move_to(datetime(2026, 12, 1, 10, 31, tzinfo=SHANGHAI), tick=False)

    response = borrower_client.post(url("repayment_quote", account, quote.reference))

    assert response.status_code == 409
    assert "has expired" in response.content.decode()
    assert not RepaymentInstruction.objects.exists()


def test_partial_repayment_without_an_amount_is_refused(borrower_client, account):
    response = borrower_client.post(url("repayment_early", account), {"how_much": "partial", "amount": ""})

    assert response.status_code == 400
    assert "Enter the amount you want to repay." in response.content.decode()
    assert not RepaymentQuote.objects.exists()


def test_due_day_is_confirmed_on_a_summary_before_it_is_sent(borrower_client, account):
    summary = borrower_client.post(url("repayment_due_day", account), {"due_day": "15"})
    assert summary.status_code == 200
    assert b'name="confirm" value="1"' in summary.content
    assert not RepaymentInstruction.objects.exists()

    receipt = borrower_client.post(url("repayment_due_day", account), {"due_day": "15", "confirm": "1"})
    instruction = RepaymentInstruction.objects.get(account=account)
    assert receipt["Location"] == url("repayment_instruction", account, instruction.reference)
    assert instruction.parameters["due_day"] == 15


@pytest.mark.parametrize("due_day", ["0", "29", "x"])
def test_due_day_out_of_range_is_refused_on_the_form(borrower_client, account, due_day):
    response = borrower_client.post(url("repayment_due_day", account), {"due_day": due_day, "confirm": "1"})

    assert response.status_code == 400
    assert "between 1 and 28" in response.content.decode()
    assert (
        'aria-describedby="id_due_day_errors"' in response.content.decode() or "id_due_day" in response.content.decode()
    )
    assert not RepaymentInstruction.objects.exists()


def test_hardship_request_with_evidence_ends_on_a_receipt(borrower_client, account, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    evidence = SimpleUploadedFile("letter.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, content_type="image/png")

    response = borrower_client.post(
        url("repayment_hardship", account),
        {"mode": "lower_payments", "months": "3", "reason": "Short of money after an illness.", "evidence": evidence},
    )

    instruction = RepaymentInstruction.objects.get(account=account)
    assert response["Location"] == url("repayment_instruction", account, instruction.reference)
    assert instruction.status == Status.REQUESTED


def test_offered_plan_shows_the_schedule_and_accepting_sends_it(borrower, borrower_client, account):
    request = services.hardship_request(
        user=borrower, account_id=account.pk, mode="lower_payments", months=3, reason="Illness."
    )
    offered = services.hardship_decide(
        actor=StaffFactory(group="Support agent"), instruction_id=request.pk, approve=True
    )

    page = borrower_client.get(url("repayment_instruction", account, offered.reference))
    assert "Accept the new schedule" in page.content.decode()
    assert page.content.decode().count("<tr>") >= 13

    borrower_client.post(url("repayment_hardship_answer", account, offered.reference, "accept"))
    offered.refresh_from_db()
    assert offered.status == Status.SENT


def test_another_borrowers_line_and_instructions_are_404(borrower, client, account):
    instruction = services.due_day_change_request(user=borrower, account_id=account.pk, due_day=15)
    stranger = BorrowerFactory()
    own_line = credit_account(customer=stranger.customer, outstanding_balance="100.00")
    client.force_login(stranger)

    assert client.get(url("repayment_options", account)).status_code == 404
    assert client.post(url("repayment_due_day", account), {"due_day": "3", "confirm": "1"}).status_code == 404
    assert client.get(url("repayment_instruction", account, instruction.reference)).status_code == 404
    assert client.get(url("repayment_instruction", own_line, instruction.reference)).status_code == 404
    assert RepaymentInstruction.objects.count() == 1


def test_a_guessed_quote_reference_is_404(borrower_client, account):
    guessed = "00000000-0000-4000-8000-000000000000"

    assert borrower_client.get(url("repayment_quote", account, guessed)).status_code == 404


def test_autopay_page_without_a_source_explains_why(borrower_client, account):
    response = borrower_client.get(url("repayment_autopay", account))

    assert "has not told us which account to repay from" in response.content.decode()
    assert b'name="enabled"' not in response.content


def test_autopay_is_confirmed_on_its_page_and_ends_on_a_receipt(borrower_client, account):
    account.repayment_source_masked = "招商银行 ****1234"
    account.save(update_fields=["repayment_source_masked"])

    page = borrower_client.get(url("repayment_autopay", account))
    assert "招商银行 ****1234" in page.content.decode()
    response = borrower_client.post(url("repayment_autopay", account), {"enabled": "1"})

    instruction = RepaymentInstruction.objects.get(account=account)
    assert response["Location"] == url("repayment_instruction", account, instruction.reference)


def test_the_options_page_reads_in_chinese(borrower, client, account):
    borrower.preferred_language = "zh-hans"
    borrower.save(update_fields=["preferred_language"])
    client.force_login(borrower)

    response = client.get(url("repayment_options", account))

    assert "还款选项" in response.content.decode()
    assert "更改还款日" in response.content.decode()


def test_a_script_posing_as_evidence_is_refused_beside_the_file_field(borrower_client, account):
    upload = SimpleUploadedFile("payslip.pdf", b"<script>alert(1)</script>", content_type="application/pdf")

    response = borrower_client.post(
        url("repayment_hardship", account),
        {"mode": "longer_term", "months": "3", "reason": "Illness.", "evidence": upload},
    )

    assert response.status_code == 400
    assert "is not a PDF, JPEG or PNG file" in response.content.decode()
    assert "id_evidence_errors" in response.content.decode()
    assert not RepaymentInstruction.objects.exists()
