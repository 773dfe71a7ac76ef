"""A reviewer on their first day, signed in with two factors, works from the appeal queue: asks
one borrower for information and decides two appeals, in Chinese and in English, without
anything going to the wrong person (issue 16). Each staff page is saved at 1280 px under
test-artifacts/ and checked with axe."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.utils import timezone

from accounts.credit.services import limit_change_apply
from accounts.models import CreditAccount, LimitChange
from appeals import services
from appeals.models import Appeal, AppealMessage
from portal.models import Notification
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import CHINESE, ENGLISH, expect
from tests.factories import PASSWORD, BorrowerFactory, StaffFactory, credit_account

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SECRET = "JBSWY3DPEHPK3PXP"


def _appeal(days_left, language):
    borrower = BorrowerFactory(preferred_language=language)
    account = credit_account(customer=borrower.customer, credit_limit="50000.00")
    change = limit_change_apply(
        account=account,
        kind=LimitChange.Kind.RISK_REDUCTION,
        new_limit=Decimal("42000.00"),
        reason_codes=["score_drop"],
        decided_by=LimitChange.DecidedBy.POLICY,
    )
    appeal = services.appeal_submit(
        user=borrower,
        limit_change=change,
        grounds="data_wrong",
        statement="The bureau listed a loan that is not mine.",
        desired_outcome="restore",
    )
    Appeal.objects.filter(pk=appeal.pk).update(due_at=timezone.now() + timedelta(days=days_left))
    return Appeal.objects.get(pk=appeal.pk)


def _sign_in(visitor, user, next_path):
    visitor.goto(next_path)  # the admin sends staff through the login with its two-factor step
    visitor.sign_in(user.email, PASSWORD)
    code = format_hotp_value(hotp_value(SECRET, int(timezone.now().timestamp()) // 30))
    visitor.page.locator("#id_code").fill(code)
    visitor.click_to_navigate(visitor.page.get_by_role("button", name=visitor.t("Sign In"), exact=True))
    expect(visitor.page.locator("#id_code")).to_have_count(0)
    visitor.goto(next_path)  # (the staff sign-in may land on the admin's index first)
    visitor.expect_path(next_path)


def _shot(visitor, name, phone=False):
    """The page at 1280 px (and, with ``phone``, at 390 px too)."""
    ARTIFACTS.mkdir(exist_ok=True)
    visitor.page.screenshot(path=ARTIFACTS / f"appeal-workbench-{visitor.language}-{name}.png", full_page=True)
    if phone:
        visitor.page.set_viewport_size({"width": 390, "height": 844})
        visitor.page.screenshot(path=ARTIFACTS / f"appeal-workbench-{visitor.language}-{name}-390.png", full_page=True)
        visitor.page.set_viewport_size({"width": 1280, "height": 900})


def _open_from_queue(visitor, appeal):
    row = visitor.page.locator("#result_list tr", has_text=appeal.reference)
    visitor.click_to_navigate(row.get_by_role("link", name=visitor.t("Open")))
    visitor.expect_path(f"/admin/appeals/appeal/{appeal.pk}/review/")


def _decide(visitor, appeal, outcome, reason, limit=None):
    page = visitor.page
    page.locator("#id_decide-outcome").select_option(outcome)
    if limit:
        page.locator("#id_decide-restored_limit").fill(limit)
    page.locator("#id_decide-reason").fill(reason)
    visitor.click_to_navigate(page.get_by_role("button", name=visitor.t("Preview what the borrower will be told")))
    expect(page.locator("#decision-preview")).to_contain_text(reason)
    expect(page.locator("#decision-preview")).to_contain_text(appeal.reference)
    _shot(visitor, f"preview-{outcome}")
    visitor.click_to_navigate(page.get_by_role("button", name=visitor.t("Record the decision and tell the borrower")))
    expect(page.locator(".messagelist")).to_contain_text(visitor.t("Decision recorded and the borrower told."))


# One reviewer's morning from the queue to two decisions, in one browser session (a story: longer
# than 60 lines would be cut into parts that repeat the sign-in and lose the thread).
@pytest.mark.parametrize("language", [CHINESE, ENGLISH])
def test_a_new_reviewer_works_through_the_queue(open_visitor, language):
    reviewer = StaffFactory(group="Appeals reviewer", mfa=False, preferred_language=language)
    TOTP.activate(reviewer, SECRET)
    asked, upheld, partly = _appeal(0.5, language), _appeal(2, language), _appeal(9, language)
    staff = open_visitor(language)
    _sign_in(staff, reviewer, "/admin/appeals/appeal/")

    # The team queue, most urgent first, with time left in words.
    staff.click_to_navigate(staff.page.get_by_role("link", name=staff.t("Team queue (all open)")))
    rows = staff.page.locator("#result_list tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text(asked.reference)
    expect(rows.nth(0)).to_contain_text(staff.t("Due within a day"))
    expect(rows.nth(2)).to_contain_text(staff.t("On time") if language == ENGLISH else "按时")
    _shot(staff, "queue", phone=True)

    # The most urgent: ask the borrower for the bureau's letter (the decision form is there already).
    _open_from_queue(staff, asked)
    expect(staff.page.locator("#id_decide-outcome")).to_be_visible()
    _shot(staff, "review", phone=True)
    form = staff.page.locator("#form-request_information")
    form.locator("textarea").fill("Please send the bureau's letter confirming the error.")
    form.get_by_label(staff.t("Send this request to the borrower")).check()
    staff.click_to_navigate(form.get_by_role("button", name=staff.t("Request information")))
    expect(staff.page.locator(".messagelist")).to_contain_text(
        staff.t("Information requested; the clock is paused until the borrower answers.")
    )
    expect(staff.page.locator(".thread-message-public")).to_contain_text("bureau's letter")
    _shot(staff, "information-requested")

    # The next two: upheld, and partly overturned (under the four-eyes amount).
    staff.goto("/admin/appeals/appeal/?queue=team")
    _open_from_queue(staff, upheld)
    _decide(staff, upheld, "upheld", "The bureau confirmed the loan is yours.")
    staff.goto("/admin/appeals/appeal/?queue=team")
    _open_from_queue(staff, partly)
    _decide(staff, partly, "partly_overturned", "One of the two loans was reported in error.", limit="46000")
    _shot(staff, "decided")

    staff.goto("/admin/appeals/appeal/?queue=mine")
    expect(staff.page.locator("#result_list tbody tr")).to_have_count(1)  # the one waiting for an answer
    _shot(staff, "my-queue")

    statuses = dict(Appeal.objects.values_list("pk", "status"))
    assert statuses == {asked.pk: "information_requested", upheld.pk: "decided", partly.pk: "decided"}
    assert CreditAccount.objects.get(pk=partly.account.pk).credit_limit == Decimal("46000.00")
    assert not AppealMessage.objects.filter(visibility="internal").exists()
    told = Notification.objects.filter(kind__startswith="appeal.decided").values_list("recipient_id", flat=True)
    assert sorted(told) == sorted([upheld.submitted_by_id, partly.submitted_by_id])


@pytest.mark.parametrize("language", [CHINESE, ENGLISH])
def test_a_supervisor_hands_appeals_to_a_reviewer_and_exports_the_queue(open_visitor, language):
    supervisor = StaffFactory(group="Supervisor", mfa=False, preferred_language=language)
    TOTP.activate(supervisor, SECRET)
    reviewer = StaffFactory(group="Appeals reviewer", preferred_language=language)
    first, second = _appeal(1, language), _appeal(4, language)
    staff = open_visitor(language)
    _sign_in(staff, supervisor, "/admin/appeals/appeal/")
    staff.page.locator("#action-toggle").check()
    staff.page.locator("select[name=action]").select_option("assign_to_reviewer")
    staff.click_to_navigate(staff.page.locator("button[name=index]"))
    expect(staff.page.locator("#content-main")).to_contain_text(first.reference)
    _shot(staff, "assign-to-reviewer")
    staff.page.locator("#id_assignee").select_option(str(reviewer.pk))
    staff.click_to_navigate(staff.page.locator("input[name=apply]"))
    expect(staff.page.locator(".messagelist")).to_contain_text("2")
    assert set(Appeal.objects.values_list("assignee_id", flat=True)) == {reviewer.pk}
    _shot(staff, "assigned")
    with staff.page.expect_download() as download:
        staff.page.get_by_role("link", name=staff.t("Export this list as CSV")).click()
    assert download.value.suggested_filename.startswith("appeals-queue-")
    assert second.reference in Path(download.value.path()).read_text(encoding="utf-8-sig")
