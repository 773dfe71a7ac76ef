"""Who may see what, in a real browser: a login without a verified identity sees no portal page,
and a borrower sees only their own record and notices."""

import pytest

from portal.models import Notification
from tests.e2e.helpers import expect
from tests.factories import PASSWORD, BorrowerFactory, CustomerRecordFactory, UserFactory, valid_national_id

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_login_without_verified_identity_is_always_sent_to_identity_binding(open_visitor):
    user = UserFactory()
    visitor = open_visitor()
    visitor.sign_in(user.email, PASSWORD)
    visitor.expect_path("/identity/")
    expect(visitor.heading()).to_have_text(visitor.t("Verify your identity"))

    for path in ("/", "/notifications/"):
        visitor.goto(path)
        visitor.expect_path("/identity/")
        expect(visitor.page.locator("#id_national_id_number")).to_be_visible()
    # Nor does the header offer the pages it cannot open.
    navigation = visitor.page.get_by_role("navigation", name=visitor.t("Main"))
    expect(navigation.get_by_role("link", name=visitor.t("Account settings"))).to_be_visible()
    expect(navigation.get_by_role("link", name=visitor.t("Notices"))).to_have_count(0)


def test_a_borrower_sees_only_their_own_record_and_notices(open_visitor):
    mine = BorrowerFactory(customer=CustomerRecordFactory(national_id_number=valid_national_id(121)))
    theirs = BorrowerFactory(customer=CustomerRecordFactory(national_id_number=valid_national_id(232)))
    assert mine.customer.masked_national_id != theirs.customer.masked_national_id
    Notification.objects.create(recipient=mine, kind="test", title="Notice for me", body="Mine.")
    Notification.objects.create(recipient=theirs, kind="test", title="Notice for someone else", body="Not mine.")

    visitor = open_visitor()
    visitor.sign_in(mine.email, PASSWORD)
    visitor.expect_path("/")
    expect(visitor.heading()).to_have_text(visitor.t("My dashboard"))
    expect(visitor.page.locator("dd.masked").filter(has_text=mine.customer.masked_national_id)).to_have_count(1)
    expect(visitor.page.get_by_text("Notice for me")).to_be_visible()
    page_html = visitor.page.content()
    assert theirs.customer.masked_national_id not in page_html
    assert theirs.customer.national_id_last4 not in page_html
    assert "Notice for someone else" not in page_html
    assert theirs.email not in page_html

    visitor.click_to_navigate(
        visitor.page.get_by_role("navigation", name=visitor.t("Main")).get_by_role("link", name=visitor.t("Notices"))
    )
    visitor.expect_path("/notifications/")
    expect(visitor.page.get_by_role("heading", level=2, name="Notice for me")).to_be_visible()
    page_html = visitor.page.content()
    assert "Notice for someone else" not in page_html
    assert theirs.customer.masked_national_id not in page_html
