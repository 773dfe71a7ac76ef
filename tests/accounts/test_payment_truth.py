"""The next payment agrees with what is owed (issue 15, point 3): with nothing outstanding there is
no payment due; an instalment is due only while unpaid and not stale; the amount never exceeds the
balance. Checked in the selector every page reads, and on the page the borrower sees, in both
languages."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.credit.selectors import next_installment_due
from tests.factories import BorrowerFactory, RepaymentInstallmentFactory, credit_account

pytestmark = pytest.mark.django_db


def _borrower_with_line(balance, language="en"):
    borrower = BorrowerFactory(preferred_language=language)
    account = credit_account(customer=borrower.customer, credit_limit="10000.00", outstanding_balance=balance)
    return borrower, account


def _days(n):
    return timezone.localdate() + timedelta(days=n)


def test_a_new_borrower_owing_nothing_has_no_payment_due_whatever_the_schedule_lists():
    _borrower, account = _borrower_with_line("0.00")
    RepaymentInstallmentFactory(account=account, due_date=_days(5), amount_due="1050.00")

    assert next_installment_due(account=account) is None


@pytest.mark.parametrize(
    ("status", "due_in_days", "paid"),
    [
        ("paid", 5, "1050.00"),  # marked paid
        ("scheduled", 5, "1050.00"),  # paid in full, status not yet updated
        ("scheduled", -3, "0.00"),  # in the past, yet not marked overdue: stale
        ("partial", -3, "500.00"),  # in the past, yet not marked overdue: stale
    ],
)
def test_an_instalment_that_is_paid_or_stale_is_not_due(status, due_in_days, paid):
    _borrower, account = _borrower_with_line("5000.00")
    RepaymentInstallmentFactory(
        account=account, due_date=_days(due_in_days), amount_due="1050.00", amount_paid=paid, status=status
    )

    assert next_installment_due(account=account) is None


def test_an_overdue_instalment_comes_first_with_what_is_left_of_it():
    _borrower, account = _borrower_with_line("5000.00")
    RepaymentInstallmentFactory(account=account, due_date=_days(-10), amount_due="1050.00", status="scheduled")
    overdue = RepaymentInstallmentFactory(
        account=account, due_date=_days(-3), amount_due="1050.00", amount_paid="50.00", status="overdue"
    )
    RepaymentInstallmentFactory(account=account, due_date=_days(20), amount_due="1050.00")

    due = next_installment_due(account=account)

    assert (due.installment_id, due.due_date, due.amount_due, due.status) == (
        overdue.pk,
        overdue.due_date,
        Decimal("1000.00"),
        "overdue",
    )


def test_the_amount_due_never_exceeds_the_outstanding_balance():
    _borrower, account = _borrower_with_line("300.00")
    RepaymentInstallmentFactory(account=account, due_date=_days(5), amount_due="1050.00")

    assert next_installment_due(account=account).amount_due == Decimal("300.00")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_dashboard_of_a_borrower_owing_nothing_shows_no_payment(client, language):
    borrower, account = _borrower_with_line("0.00", language)
    RepaymentInstallmentFactory(account=account, due_date=_days(5), amount_due="1050.00")
    client.force_login(borrower)

    page = client.get("/").content.decode()

    assert "¥1,050.00" not in page


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_dashboard_shows_at_most_the_balance_as_the_next_payment(client, language):
    borrower, account = _borrower_with_line("300.00", language)
    RepaymentInstallmentFactory(account=account, due_date=_days(5), amount_due="1050.00")
    client.force_login(borrower)

    page = client.get("/").content.decode()

    assert "¥1,050.00" not in page
    assert "¥300.00 · " in page


@pytest.mark.parametrize(("language", "text"), [("en", "Nothing to repay"), ("zh-hans", "无需还款")])
def test_the_next_payment_line_says_nothing_to_repay_when_nothing_is_owed(language, text):
    _borrower, account = _borrower_with_line("0.00")
    RepaymentInstallmentFactory(account=account, due_date=_days(5), amount_due="1050.00")

    with translation.override(language):
        line = render_to_string(
            "includes/next_payment.html", {"account": account, "next_due": next_installment_due(account=account)}
        )

    assert text in line
    assert "¥" not in line


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_next_payment_line_shows_the_capped_amount_and_its_date(language):
    _borrower, account = _borrower_with_line("300.00")
    RepaymentInstallmentFactory(account=account, due_date=_days(5), amount_due="1050.00")

    with translation.override(language):
        line = render_to_string(
            "includes/next_payment.html", {"account": account, "next_due": next_installment_due(account=account)}
        )

    assert "¥300.00 · " in line
    assert "¥1,050.00" not in line
