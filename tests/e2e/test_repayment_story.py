"""A borrower on a phone moves her due day to the 15th and, short of money, asks for three months
of lower payments; a support agent agrees, and she sees the new schedule before she accepts it.
The core system is the built-in simulator, answering at once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import RepaymentInstruction
from accounts.repayment import services
from accounts.repayment.schedule import monthly_due_dates
from tests.e2e.helpers import ENGLISH, expect
from tests.factories import PASSWORD, BorrowerFactory, StaffFactory, credit_account, installment_schedule

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 390, "height": 844}


def _borrower_with_a_schedule():
    borrower = BorrowerFactory(preferred_language=ENGLISH)
    account = credit_account(customer=borrower.customer, credit_limit="20000.00", outstanding_balance="12000.00")
    first_due = monthly_due_dates(after=timezone.localdate() + timedelta(days=10), due_day=20, count=1)[0]
    installment_schedule(account, first_due=first_due, count=12, amount_due="1100.00")
    return borrower, account


def test_move_the_due_day_then_see_a_lower_payments_plan_before_agreeing(open_visitor, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CORE_SYSTEM_URL = ""
    borrower, account = _borrower_with_a_schedule()
    visitor = open_visitor(ENGLISH)
    visitor.page.set_viewport_size(PHONE)
    visitor.sign_in(borrower.email, PASSWORD)

    visitor.goto(f"/credit/{account.pk}/repayments/")
    visitor.click_to_navigate(visitor.page.get_by_role("link", name="Repayment options", exact=False))
    expect(visitor.heading()).to_contain_text("Repayment options")

    visitor.click_to_navigate(visitor.page.get_by_role("link", name="Change your due day"))
    visitor.page.get_by_label("New due day (1–28)").fill("15")
    visitor.click_to_navigate(visitor.page.get_by_role("button", name="Continue"))
    expect(visitor.heading()).to_have_text("Check your new due day")
    visitor.click_to_navigate(visitor.page.get_by_role("button", name="Confirm the new due day"))
    expect(visitor.page.locator("[data-status]")).to_have_attribute("data-status", "confirmed")
    assert {row.due_date.day for row in account.installments.all()} == {15}

    visitor.goto(f"/credit/{account.pk}/repayment/hardship/")
    visitor.page.get_by_label("Lower payments for a while").check()
    visitor.page.get_by_label("For how many months").select_option("3")
    visitor.page.get_by_label("Why repaying is hard right now").fill("My salary was cut for three months.")
    visitor.click_to_navigate(visitor.page.get_by_role("button", name="Send my request"))
    expect(visitor.page.locator("[data-status]")).to_have_attribute("data-status", "requested")

    request = RepaymentInstruction.objects.get(kind="hardship_plan")
    services.hardship_decide(actor=StaffFactory(group="Support agent"), instruction_id=request.pk, approve=True)

    visitor.goto(f"/credit/{account.pk}/repayment/instructions/{request.reference}/")
    expect(visitor.page.get_by_role("heading", name="The new schedule")).to_be_visible()
    expect(visitor.page.locator("table tbody tr")).to_have_count(12)
    assert visitor.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    visitor.click_to_navigate(visitor.page.get_by_role("button", name="Accept the new schedule"))
    expect(visitor.page.locator("[data-status]")).to_have_attribute("data-status", "confirmed")
    request.refresh_from_db()
    assert [row["amount_due"] for row in request.proposed_schedule] == [
        str(amount) for amount in account.installments.order_by("due_date").values_list("amount_due", flat=True)
    ]


def test_paying_off_early_shows_an_exact_quote_to_confirm(open_visitor, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CORE_SYSTEM_URL = ""
    borrower, account = _borrower_with_a_schedule()
    visitor = open_visitor(ENGLISH)
    visitor.page.set_viewport_size(PHONE)
    visitor.sign_in(borrower.email, PASSWORD)

    visitor.goto(f"/credit/{account.pk}/repayment/")
    visitor.click_to_navigate(visitor.page.get_by_role("link", name="Repay early, in full or in part"))
    visitor.page.get_by_label("Everything I owe").check()
    visitor.click_to_navigate(visitor.page.get_by_role("button", name="Get a quote"))
    expect(visitor.heading()).to_contain_text("Your early repayment quote")
    expect(visitor.page.locator("main")).to_contain_text("Interest you save")
    visitor.click_to_navigate(visitor.page.get_by_role("button", name="Confirm early repayment"))
    expect(visitor.page.locator("[data-status]")).to_have_attribute("data-status", "confirmed")

    visitor.goto(f"/credit/{account.pk}/repayment/autopay/")
    expect(visitor.page.locator("main")).to_contain_text("has not told us which account to repay from")
