"""A borrower lowers their limit from the dashboard in five screens, in a real browser at phone
width, in both languages: the password again and an emailed code, a receipt that agrees with the
email, a one-click withdrawal, and a second request (closing the line) that the beat task
completes once the cooling-off period has passed. Every page is checked with axe."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import formats, timezone, translation

from accounts.closure import services as closure_services
from accounts.models import ClosureRequest, CreditAccount, LimitChange
from accounts.tasks import closure_requests_process
from portal.models import AuditEvent, Notification
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import CHINESE, ENGLISH, expect, t
from tests.factories import PASSWORD, BorrowerFactory, credit_account

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CODE = "246810"


def _label(language, choice):
    with translation.override(language):
        return str(choice.label)


def _when(language, moment):
    with translation.override(language):
        return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _step(visitor, number, language):
    expect(visitor.page.locator("#wizard-progress")).to_have_text(
        t(language, "Step %(number)s of %(count)s") % {"number": number, "count": 5}
    )
    ARTIFACTS.mkdir(exist_ok=True)
    visitor.page.screenshot(path=ARTIFACTS / f"closure-step-{number}-{language}.png", full_page=True)


def _button(visitor, name):
    return visitor.page.get_by_role("main").get_by_role("button", name=visitor.t(name), exact=True)


# One user story from start to finish in one browser session, as the person lives it; cut into
# parts it would repeat the sign-in and setup and lose the story (hence longer than 60 lines).
@pytest.mark.parametrize("language", [CHINESE, ENGLISH])
def test_a_borrower_lowers_the_limit_withdraws_then_closes_the_line_after_cooling_off(
    open_visitor, mailoutbox, monkeypatch, language
):
    monkeypatch.setattr(closure_services.secrets, "randbelow", lambda _limit: int(CODE))
    borrower = BorrowerFactory(preferred_language=language)
    account = credit_account(customer=borrower.customer, credit_limit="50000.00", outstanding_balance="12000.00")

    visitor = open_visitor(language)
    visitor.page.set_viewport_size({"width": 390, "height": 844})
    visitor.sign_in(borrower.email, PASSWORD)
    visitor.expect_path("/")

    # Step 1, from the dashboard card.
    card = visitor.page.locator(f"section[aria-labelledby='account-{account.pk}-heading']")
    visitor.click_to_navigate(card.get_by_role("link", name=visitor.t("Manage my limit")))
    visitor.expect_path(f"/credit/{account.pk}/manage/")
    _step(visitor, 1, language)
    visitor.page.get_by_label(_label(language, ClosureRequest.Kind.LOWER)).check()
    visitor.page.locator("#id_target_limit").fill("20050")
    visitor.click_to_navigate(_button(visitor, "Continue"))
    expect(visitor.page.locator("#id_target_limit_errors")).to_contain_text(
        t(language, "Choose an amount in steps of %(step)s, for example %(example)s.")
        % {"step": "¥100.00", "example": "¥20,000.00"}
    )
    assert not ClosureRequest.objects.exists()
    visitor.page.locator("#id_target_limit").fill("20000")
    visitor.click_to_navigate(_button(visitor, "Continue"))
    closure_request = ClosureRequest.objects.get(account=account)
    base = f"/credit/{account.pk}/manage/{closure_request.pk}"

    # Step 2: what changes, what does not; the balance stays and is repaid as scheduled.
    visitor.expect_path(f"{base}/impact/")
    _step(visitor, 2, language)
    expect(visitor.page.get_by_role("main")).to_contain_text("¥12,000.00")
    visitor.page.locator("#id_understood").check()
    visitor.click_to_navigate(_button(visitor, "Continue"))

    # Step 3: a neutral reason.
    visitor.expect_path(f"{base}/reason/")
    _step(visitor, 3, language)
    visitor.page.get_by_label(_label(language, ClosureRequest.Reason.LOWER_RISK_APPETITE)).check()
    visitor.click_to_navigate(_button(visitor, "Continue"))

    # Step 4: the password again (the sign-in a minute ago does not count), then an emailed code.
    visitor.expect_path(f"{base}/verify/")
    _step(visitor, 4, language)
    visitor.click_to_navigate(visitor.page.get_by_role("link", name=visitor.t("Enter my password")))
    visitor.page.locator("#id_password").fill(PASSWORD)
    visitor.click_to_navigate(visitor.page.get_by_role("main").locator("button[type=submit]"))
    visitor.expect_path(f"{base}/verify/")
    visitor.click_to_navigate(_button(visitor, "Email me a code"))
    code_mail = mailoutbox[-1]
    assert code_mail.to == [borrower.email] and CODE in code_mail.body
    visitor.page.locator("#id_code").fill("000000")
    visitor.click_to_navigate(_button(visitor, "Verify"))
    expect(visitor.page.locator("#id_code_errors")).to_contain_text(
        t(language, "That code is not right. Tries left: %(left)s.") % {"left": 4}
    )
    visitor.page.locator("#id_code").fill(CODE)
    visitor.click_to_navigate(_button(visitor, "Verify"))

    # Step 5: the summary and one button.
    visitor.expect_path(f"{base}/confirm/")
    _step(visitor, 5, language)
    expect(visitor.page.get_by_role("main")).to_contain_text("¥20,000.00")
    visitor.click_to_navigate(_button(visitor, "Submit my request"))

    # The receipt, and the same receipt by email.
    closure_request.refresh_from_db()
    receipt_path = f"/credit/{account.pk}/manage/requests/{closure_request.pk}/"
    visitor.expect_path(receipt_path)
    expect(visitor.heading()).to_contain_text(closure_request.reference)
    ends = _when(language, closure_request.cooling_off_ends_at)
    expect(visitor.page.locator("[data-field=cooling-off]")).to_have_text(ends)
    expect(visitor.page.locator("[data-field=limit]")).to_have_text("¥50,000.00 → ¥20,000.00")
    visitor.page.screenshot(path=ARTIFACTS / f"closure-receipt-{language}.png", full_page=True)
    receipt_mail = mailoutbox[-1]
    assert receipt_mail.subject == settings.EMAIL_SUBJECT_PREFIX + t(
        language, "We received your request %(reference)s"
    ) % {"reference": closure_request.reference}
    assert t(language, "Reference: %(reference)s") % {"reference": closure_request.reference} in receipt_mail.body
    assert ends in receipt_mail.body
    assert "¥50,000.00 → ¥20,000.00" in receipt_mail.body
    assert Notification.objects.filter(recipient=borrower, kind="closure_submitted").count() == 1

    # Withdraw in one click: nothing changes.
    visitor.click_to_navigate(_button(visitor, "Withdraw this request"))
    visitor.expect_path(receipt_path)
    expect(visitor.page.locator("[data-field=status]")).to_contain_text(
        _label(language, ClosureRequest.Status.WITHDRAWN).capitalize()
    )
    expect(_button(visitor, "Withdraw this request")).to_have_count(0)
    account.refresh_from_db()
    assert account.credit_limit == Decimal("50000.00")

    # A second request, to close the line, through the same services; the beat task completes
    # it once the cooling-off period has passed.
    second = closure_services.closure_request_draft_create(user=borrower, account=account, kind="close")
    closure_services.closure_request_impact_acknowledge(closure_request=second, user=borrower)
    closure_services.closure_request_reason_set(closure_request=second, user=borrower, reason="no_longer_needed")
    closure_services.closure_verification_code_send(closure_request=second, user=borrower)
    closure_services.closure_request_verify(closure_request=second, user=borrower, code=CODE)
    closure_services.closure_request_submit(closure_request=second, user=borrower)
    assert closure_requests_process() == {"expired": 0, "completed": 0, "closed": 0}
    ClosureRequest.objects.filter(pk=second.pk).update(cooling_off_ends_at=timezone.now() - timedelta(minutes=1))
    assert closure_requests_process.delay().get()["completed"] == 1

    account.refresh_from_db()
    change = LimitChange.objects.filter(account=account).latest("sequence")
    assert (account.credit_limit, account.status) == (Decimal("0.00"), CreditAccount.Status.ACTIVE)
    assert (change.kind, change.decided_by, change.reason_codes) == (
        "voluntary_closure",
        "borrower",
        ["borrower_request"],
    )
    assert AuditEvent.objects.filter(action="closure_request.completed", target_id=str(second.pk)).exists()

    visitor.goto("/")
    card = visitor.page.locator(f"section[aria-labelledby='account-{account.pk}-heading']")
    term = card.locator("dt").filter(has_text=re.compile(rf"^\s*{re.escape(visitor.t('Credit limit'))}\s*$"))
    expect(term.locator("xpath=following-sibling::dd[1]")).to_have_text("¥0.00")
    latest = visitor.page.get_by_role("region", name=visitor.t("Latest notices"))
    expect(latest.get_by_role("link").first).to_have_attribute("href", f"/notifications/{change.notice_id}/")

    # The wizard now explains that the line closes once repaid.
    visitor.click_to_navigate(card.get_by_role("link", name=visitor.t("Manage my limit")))
    expect(visitor.page.get_by_role("alert")).to_have_text(
        t(language, "This credit line has no limit left and closes once the balance is repaid.")
    )
