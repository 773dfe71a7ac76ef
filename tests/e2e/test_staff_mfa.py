"""A staff member who skipped the authenticator set-up, in a real browser: signed in with the
password alone, they can read nothing about any borrower, neither in the admin nor through an
evidence link; the admin sends them to set up their authenticator."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from appeals.services import appeal_submit
from tests.appeals.conftest import PNG, reduction
from tests.e2e.helpers import ENGLISH, expect
from tests.factories import PASSWORD, BorrowerFactory, StaffFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_reviewer_without_an_authenticator_reads_nothing_about_a_borrower(open_visitor, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    borrower = BorrowerFactory()
    appeal = appeal_submit(
        user=borrower,
        limit_change=reduction(borrower.customer),
        grounds="data_wrong",
        statement="My score fell because of a reporting error.",
        desired_outcome="restore",
        files=[SimpleUploadedFile("letter.png", PNG, content_type="image/png")],
    )
    reviewer = StaffFactory(group="Appeals reviewer", mfa=False, preferred_language=ENGLISH)

    visitor = open_visitor(ENGLISH)
    visitor.goto(reverse("account_login"))
    visitor.page.locator("#id_login").fill(reviewer.email)
    visitor.page.locator("#id_password").fill(PASSWORD)
    visitor.click_to_navigate(visitor.page.get_by_role("button", name=visitor.t("Sign In"), exact=True))
    # Signed in, the reviewer is sent from the admin to set up the authenticator (password first).
    set_up = f"{reverse('account_reauthenticate')}?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F"
    expect(visitor.page).to_have_url(visitor.base_url + set_up)

    assert visitor.goto(reverse("appeals:evidence", args=[appeal.evidence.get().pk])).status == 403
    review = reverse("admin:appeals_appeal_review", args=[appeal.pk])
    visitor.goto(review)
    expect(visitor.page).not_to_have_url(visitor.base_url + review)
    assert appeal.reference not in visitor.page.content()
    assert borrower.customer.masked_name not in visitor.page.content()
