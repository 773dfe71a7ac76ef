"""A staff member who skipped the authenticator set-up, in a real browser: signed in with the
password alone, they can read nothing about any borrower, neither in the admin nor through an
evidence link; the admin sends them to set up their authenticator."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from appeals.services import appeal_submit
from tests.appeals.conftest import PNG, reduction
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import CHINESE, ENGLISH, expect
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


def _code(secret):
    return format_hotp_value(hotp_value(secret, int(timezone.now().timestamp()) // 30))


def _shots(visitor, name):
    """The page at phone and desktop widths, for people to look at (test-artifacts/)."""
    for width in (390, 1280):
        visitor.page.set_viewport_size({"width": width, "height": 900})
        visitor.page.screenshot(path=ARTIFACTS / f"staff-{name}-{visitor.language}-{width}.png", full_page=True)
    visitor.page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.parametrize("language", [CHINESE, ENGLISH])
def test_staff_sign_in_on_the_admin_page_and_cancel_goes_back(open_visitor, language):
    """Issue 16 (4): the admin's own sign-in page (no sign-up), the two-factor step, whose
    cancel is a link back to that page, then the admin."""
    secret = generate_totp_secret()
    analyst = StaffFactory(group="Risk analyst", mfa=False, preferred_language=language)
    TOTP.activate(analyst, secret)
    visitor = open_visitor(language)
    runs = reverse("admin:accounts_riskevaluationrun_changelist")
    visitor.goto(runs)
    expect(visitor.page.locator("h1")).to_have_text(visitor.t("Staff sign-in"))
    expect(visitor.page.locator(f"a[href='{reverse('account_signup')}']")).to_have_count(0)
    expect(visitor.page.locator(".staff-sign-in-help")).to_contain_text(visitor.t("No authenticator yet?"))
    _shots(visitor, "sign-in")

    for attempt in ("cancel", "finish"):
        visitor.page.locator("#id_login").fill(analyst.email)
        visitor.page.locator("#id_password").fill(PASSWORD)
        visitor.click_to_navigate(visitor.page.get_by_role("button", name=visitor.t("Sign in"), exact=True))
        expect(visitor.page.locator("#id_code")).to_be_visible()
        if attempt == "cancel":
            _shots(visitor, "two-factor")
            visitor.click_to_navigate(visitor.page.get_by_role("link", name=visitor.t("Cancel")))
            expect(visitor.page.locator("h1")).to_have_text(visitor.t("Staff sign-in"))
    visitor.page.locator("#id_code").fill(_code(secret))
    visitor.click_to_navigate(visitor.page.get_by_role("button", name=visitor.t("Sign In"), exact=True))
    visitor.expect_path(runs)
