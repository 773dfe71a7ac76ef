"""An English-speaking borrower whose limit was cut while their saved language was Chinese reads
the notice on a phone, in English: what changed, why, what to do, the way back and how to appeal,
and every link on the page works. The same notice then reads in Chinese. Screenshots of the
notice at 390 and 1280 px in both languages are saved under ``test-artifacts/``."""

import re

import pytest

from accounts.credit.services import limit_change_apply
from portal.models import Notification
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import CHINESE, ENGLISH, expect, path_of
from tests.factories import PASSWORD, BorrowerFactory, credit_account

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _cut_while_chinese():
    borrower = BorrowerFactory(preferred_language=CHINESE)
    account = credit_account(customer=borrower.customer, credit_limit="50000.00", outstanding_balance="12000.00")
    limit_change_apply(
        account=account,
        kind="risk_reduction",
        new_limit="30000",
        reason_codes=["score_drop", "linked_overdue"],
        decided_by="policy",
    )
    return borrower, Notification.objects.get(recipient=borrower)


def _screenshots(visitor, language):
    ARTIFACTS.mkdir(exist_ok=True)
    for name, size in (("390", PHONE), ("1280", DESKTOP)):
        visitor.page.set_viewport_size(size)
        visitor.page.screenshot(path=ARTIFACTS / f"notice-limit-cut-{language}-{name}.png", full_page=True)


def _links_answer(visitor, at_least=5):
    """Every link in the page's main content is a real link that answers 200."""
    hrefs = visitor.page.locator("main a[href]").evaluate_all("links => links.map(link => link.getAttribute('href'))")
    assert len(hrefs) >= at_least
    for href in hrefs:
        assert href.startswith("/"), href
        assert visitor.page.request.get(href).status == 200, href


def test_an_english_reader_on_a_phone_reads_why_what_to_do_and_how_to_appeal(open_visitor):
    borrower, notice = _cut_while_chinese()
    assert "您的信用额度" in notice.title  # written (and emailed) in Chinese
    visitor = open_visitor(ENGLISH)
    visitor.page.set_viewport_size(PHONE)
    visitor.sign_in(borrower.email, PASSWORD)
    visitor.switch_language(ENGLISH)

    visitor.goto("/notifications/")
    title = "Your credit limit changed from ¥50,000.00 to ¥30,000.00"
    visitor.click_to_navigate(visitor.page.get_by_role("link", name=title))
    expect(visitor.heading()).to_have_text(title)
    expect(visitor.page).to_have_title(re.compile(rf"^{re.escape(title)} · "))
    main = visitor.page.locator("main")
    for heading in ("What changed", "Why (most important first)", "The way back", "Appeal"):
        expect(main.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    expect(main).to_contain_text("Your credit score fell")
    expect(main).to_contain_text("What you can do")
    expect(main).to_contain_text("you can appeal this decision until")
    expect(main.get_by_role("link", name="Read more: Your credit score fell")).to_be_visible()
    assert visitor.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _links_answer(visitor)
    _screenshots(visitor, ENGLISH)

    visitor.page.set_viewport_size(PHONE)
    visitor.click_to_navigate(main.get_by_role("link", name="Appeal this decision"))
    assert path_of(visitor.page).startswith("/appeals/new/")
    expect(visitor.heading()).to_be_visible()


def test_the_same_notice_reads_in_chinese_after_switching_back(open_visitor):
    borrower, notice = _cut_while_chinese()
    visitor = open_visitor(ENGLISH)
    visitor.sign_in(borrower.email, PASSWORD)
    visitor.switch_language(ENGLISH)
    visitor.goto(f"/notifications/{notice.pk}/")
    expect(visitor.heading()).to_have_text("Your credit limit changed from ¥50,000.00 to ¥30,000.00")

    visitor.switch_language(CHINESE)

    expect(visitor.heading()).to_have_text(notice.title)
    main = visitor.page.locator("main")
    for heading in ("变更内容", "原因（按重要程度排序）", "如何恢复额度", "申诉"):
        expect(main.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    _links_answer(visitor)
    _screenshots(visitor, CHINESE)


def test_a_clearance_notice_says_what_clearance_is_in_both_languages(open_visitor):
    borrower = BorrowerFactory(preferred_language=CHINESE)
    account = credit_account(customer=borrower.customer, credit_limit="40000.00", outstanding_balance="6000.00")
    limit_change_apply(
        account=account,
        kind="clearance",
        new_limit="0",
        new_status="cleared",
        reason_codes=["fraud_suspicion"],
        decided_by="staff",
    )
    notice = Notification.objects.get(recipient=borrower)
    visitor = open_visitor(ENGLISH)
    visitor.page.set_viewport_size(PHONE)
    visitor.sign_in(borrower.email, PASSWORD)
    visitor.switch_language(ENGLISH)

    visitor.goto(f"/notifications/{notice.pk}/")
    main = visitor.page.locator("main")
    expect(visitor.heading()).to_have_text(f"Your credit line {account.external_id} has been cleared")
    expect(main.get_by_role("heading", name="What clearance means", exact=True)).to_be_visible()
    expect(main).to_contain_text("closed for new borrowing for good")
    expect(main).not_to_contain_text("for now")
    _links_answer(visitor, at_least=3)
    ARTIFACTS.mkdir(exist_ok=True)
    visitor.page.screenshot(path=ARTIFACTS / "notice-clearance-en-390.png", full_page=True)

    visitor.switch_language(CHINESE)
    expect(main).to_contain_text("账户清退")
    expect(main).not_to_contain_text("结清")
    expect(main).not_to_contain_text("暂时")
    visitor.page.screenshot(path=ARTIFACTS / "notice-clearance-zh-hans-390.png", full_page=True)
