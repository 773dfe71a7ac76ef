"""A cleared borrower in a real browser: they still sign in and see their balance, read the
clearance notice with its reasons and appeal deadline, and reach the appeal form from it."""

import pytest

from accounts.clearance import services as clearance_services
from tests.e2e.helpers import ENGLISH, expect
from tests.factories import PASSWORD, BorrowerFactory, StaffFactory, credit_account

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_cleared_borrower_reads_the_notice_and_can_appeal(open_visitor):
    borrower = BorrowerFactory(preferred_language=ENGLISH)
    account = credit_account(customer=borrower.customer, credit_limit="30000.00", outstanding_balance="4000.00")
    case = clearance_services.clearance_propose(
        account=account,
        actor=StaffFactory(group="Support agent"),
        grounds="malicious_overdue",
        evidence=["overdue_90_days", "collection_contacts_logged"],
        statement="120 days overdue, no answer to collection contacts.",
    )
    case = clearance_services.clearance_approve(
        case=case, actor=StaffFactory(group="Compliance officer"), legal_review_note="Confirmed."
    )

    visitor = open_visitor(ENGLISH)
    visitor.sign_in(borrower.email, PASSWORD)
    visitor.expect_path("/")
    expect(visitor.page.get_by_text("¥4,000.00").first).to_be_visible()
    navigation = visitor.page.get_by_role("navigation", name=visitor.t("Main"))
    expect(navigation.get_by_role("link", name="My appeals")).to_be_visible()

    visitor.goto(f"/notifications/{case.limit_change.notice_id}/")
    expect(visitor.heading()).to_have_text(f"Your credit line {account.external_id} has been cleared")
    expect(visitor.page.get_by_text("closed for new borrowing for good")).to_be_visible()
    visitor.click_to_navigate(visitor.page.get_by_role("link", name="Appeal this decision"))
    visitor.expect_path(f"/appeals/new/{case.limit_change.pk}/")
    expect(visitor.heading()).to_have_text("Appeal this decision")
