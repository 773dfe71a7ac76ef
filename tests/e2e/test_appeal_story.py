"""A borrower appeals a passive reduction with a PDF; a reviewer asks for more in the admin; the
borrower answers; the reviewer overturns; a supervisor approves (four eyes); the borrower sees
the restored limit and the final notice. Every page is checked with axe."""

from decimal import Decimal

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.utils import timezone

from accounts.credit.services import limit_change_apply
from accounts.models import CreditAccount, LimitChange
from appeals.models import Appeal
from tests.appeals.conftest import PDF
from tests.e2e.helpers import ENGLISH, expect
from tests.factories import PASSWORD, BorrowerFactory, StaffFactory, credit_account

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _staff(group, secret):
    user = StaffFactory(group=group, mfa=False, preferred_language=ENGLISH)
    TOTP.activate(user, secret)
    return user


def _totp(secret):
    return format_hotp_value(hotp_value(secret, int(timezone.now().timestamp()) // 30))


def _staff_sign_in(visitor, user, secret, next_path):
    visitor.goto(next_path)  # the admin sends staff to its own sign-in page, then the code (MFA)
    visitor.page.locator("#id_login").fill(user.email)
    visitor.page.locator("#id_password").fill(PASSWORD)
    visitor.click_to_navigate(visitor.page.get_by_role("button", name=visitor.t("Sign in"), exact=True))
    visitor.page.locator("#id_code").fill(_totp(secret))
    visitor.click_to_navigate(visitor.page.get_by_role("button", name=visitor.t("Sign In"), exact=True))
    visitor.expect_path(next_path)


def _review_action(visitor, name, body=None, form=None):
    """Press a button of the review page; a text action fills its own form and ticks its confirmation."""
    if form is not None:
        visitor.page.locator(f"#id_{form}-body").fill(body)
        visitor.page.locator(f"#id_{form}-confirm").check()
    visitor.click_to_navigate(visitor.page.get_by_role("button", name=visitor.t(name)))


# One user story from start to finish in one browser session, as the person lives it; cut into
# parts it would repeat the sign-in and setup and lose the story (hence longer than 60 lines).
def test_appeal_overturned_with_four_eyes(open_visitor, tmp_path, settings):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    borrower = BorrowerFactory(preferred_language=ENGLISH)
    account = credit_account(customer=borrower.customer, credit_limit="50000.00")
    decision = limit_change_apply(
        account=account,
        kind=LimitChange.Kind.RISK_REDUCTION,
        new_limit=Decimal("30000.00"),
        reason_codes=["score_drop"],
        decided_by=LimitChange.DecidedBy.POLICY,
    )
    reviewer_secret, supervisor_secret = "JBSWY3DPEHPK3PXP", "KRSXG5CTMVRXEZLU"
    reviewer = _staff("Appeals reviewer", reviewer_secret)
    supervisor = _staff("Supervisor", supervisor_secret)
    evidence = tmp_path / "bank-letter.pdf"
    evidence.write_bytes(PDF)

    # The borrower finds the decision in their limit history and appeals it with a PDF.
    person = open_visitor(ENGLISH)
    person.sign_in(borrower.email, PASSWORD)
    person.goto(f"/credit/{account.pk}/history/")
    person.click_to_navigate(person.page.get_by_role("link", name=person.t("Appeal this decision")).first)
    person.expect_path(f"/appeals/new/{decision.pk}/")
    expect(person.page.get_by_role("main")).to_contain_text("¥30,000.00")
    person.page.get_by_label(person.t("The data behind the decision is wrong")).check()
    person.page.locator("#id_statement").fill("My score fell because the bureau listed a loan that is not mine.")
    person.page.get_by_label(person.t("Restore my previous limit")).check()
    person.page.locator("#id_files").set_input_files(str(evidence))
    person.click_to_navigate(person.page.get_by_role("button", name=person.t("Send my appeal")))
    appeal = Appeal.objects.get()
    person.expect_path(f"/appeals/{appeal.pk}/")
    expect(person.heading()).to_contain_text(appeal.reference)
    expect(person.page.get_by_role("link", name="bank-letter.pdf")).to_be_visible()

    # The reviewer takes it and asks for more information, in the admin.
    review_path = f"/admin/appeals/appeal/{appeal.pk}/review/"
    staff = open_visitor(ENGLISH, locale="en-US")
    _staff_sign_in(staff, reviewer, reviewer_secret, review_path)
    _review_action(staff, "Assign to me")
    _review_action(
        staff, "Request information", "Please send the bureau's letter confirming the error.", "request_information"
    )
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.INFORMATION_REQUESTED

    # The borrower answers on the appeal's page.
    person.goto(f"/appeals/{appeal.pk}/")
    expect(person.page.locator("#next-step")).to_contain_text(person.t("We need more information from you")[:20])
    person.page.locator("#id_body").fill("The bureau's letter is attached.")
    person.page.locator("#id_files").set_input_files(str(evidence))
    person.click_to_navigate(person.page.get_by_role("button", name=person.t("Send"), exact=True))
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.UNDER_REVIEW

    # The reviewer overturns; the restoration is above the threshold, so it waits for a supervisor.
    staff.goto(review_path)
    staff.page.locator("#id_decide-outcome").select_option("overturned")
    staff.page.locator("#id_decide-reason").fill("The bureau confirmed the loan was reported in error.")
    _review_action(staff, "Preview what the borrower will be told")
    _review_action(staff, "Record the decision and tell the borrower")
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.AWAITING_APPROVAL
    assert CreditAccount.objects.get().credit_limit == Decimal("30000.00")

    # A supervisor other than the decider approves.
    boss = open_visitor(ENGLISH, locale="en-US")
    _staff_sign_in(boss, supervisor, supervisor_secret, review_path)
    boss.page.locator("#id_note").fill("Checked the bureau letter.")
    _review_action(boss, "Approve")
    assert CreditAccount.objects.get().credit_limit == Decimal("50000.00")

    # The borrower sees the decision, the restored limit and the final notice.
    person.goto(f"/appeals/{appeal.pk}/")
    expect(person.page.locator("#appeal-status")).to_contain_text(person.t("overturned"), ignore_case=True)
    expect(person.page.get_by_role("main")).to_contain_text("¥50,000.00")
    person.goto("/notifications/")
    notice_link = person.page.get_by_role("link", name=f"Decision on your appeal {appeal.reference}").first
    person.click_to_navigate(notice_link)
    expect(person.page.get_by_role("main")).to_contain_text("The bureau confirmed the loan was reported in error.")
    person.goto(f"/credit/{account.pk}/history/")
    expect(person.page.get_by_role("main")).to_contain_text(person.t("restored"))
