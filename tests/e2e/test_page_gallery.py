"""The page gallery (issue 15, "Done when"): every borrower page, the repayment options and an
offer included, at 390 and 1280 px in both languages, saved as
``test-artifacts/gallery-<page>-<lang>-<width>.png``. Each page must be in
the requested language (html lang, its section marked in the navigation, the footer's heading),
have one h1, never scroll sideways, and pass axe (every visit is checked)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.credit import offers
from accounts.credit.services import limit_change_apply
from accounts.models import CreditAccount, LimitChange, LimitOffer
from appeals.services import appeal_submit
from education.services import reports as report_services
from portal.models import Notification
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import CHINESE, ENGLISH, expect, html_lang
from tests.education.conftest import OCTOBER, RUN_AT, borrower_with_history
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WIDTHS = (390, 1280)


def _borrower_with_everything(language):
    """A borrower with a score history, a limit cut (and its notice), an appeal against it and a
    health report: enough for every borrower page to show real content."""
    borrower = borrower_with_history(preferred_language=language)
    account = CreditAccount.objects.get(customer=borrower.customer)
    change = limit_change_apply(
        account=account,
        kind=LimitChange.Kind.RISK_REDUCTION,
        new_limit=Decimal("30000.00"),
        reason_codes=["score_drop"],
        decided_by=LimitChange.DecidedBy.POLICY,
    )
    appeal = appeal_submit(
        user=borrower,
        limit_change=change,
        grounds="data_wrong",
        statement="My score fell because of a reporting error.",
        desired_outcome="restore",
    )
    report = report_services.health_report_generate(user=borrower, month=OCTOBER, now=RUN_AT)
    CreditAccount.objects.filter(pk=account.pk).update(repayment_source_masked="招商银行 ****1234")
    offers.limit_offer_make(
        account=account,
        offered_limit=Decimal("36000.00"),
        reason_zh="过去 90 天内您的信用评分上升了 45 分。",
        reason_en="Your credit score rose 45 points in the last 90 days.",
        source=LimitOffer.Source.POLICY,
    )
    return borrower, account, appeal, report


def _pages(account, appeal, report, notice):
    """(name, path, the navigation section it belongs to, or None for pages outside the menu)."""
    return [
        ("dashboard", "/", "Home"),
        ("limit-history", reverse("credit_history", args=[account.pk]), None),
        ("repayments", reverse("credit_repayments", args=[account.pk]), None),
        ("notices", reverse("notification_list"), "Notices"),
        ("notice", reverse("notification_detail", args=[notice.pk]), "Notices"),
        ("appeals", reverse("appeals:list"), "My appeals"),
        ("appeal", reverse("appeals:detail", args=[appeal.pk]), "My appeals"),
        ("wizard", reverse("closure_start", args=[account.pk]), None),
        ("learn", reverse("education:article_list"), "Learn"),
        ("article", "/learn/repaying-on-time/", "Learn"),
        ("reports", reverse("health_report_list"), "Health reports"),
        ("report", reverse("health_report_detail", args=[report.pk]), "Health reports"),
        ("repayment-options", reverse("repayment_options", args=[account.pk]), None),
        ("repayment-early", reverse("repayment_early", args=[account.pk]), None),
        ("repayment-due-day", reverse("repayment_due_day", args=[account.pk]), None),
        ("repayment-autopay", reverse("repayment_autopay", args=[account.pk]), None),
        ("repayment-hardship", reverse("repayment_hardship", args=[account.pk]), None),
        ("offer", reverse("credit_offer", args=[account.pk, LimitOffer.objects.get(account=account).pk]), None),
        ("settings", reverse("account_settings"), "Account settings"),
        ("preferences", reverse("communication_preferences"), "Health reports"),
    ]


def _no_sideways_scroll(page):
    return page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")


@pytest.mark.parametrize("language", [CHINESE, ENGLISH])
def test_every_borrower_page_in_both_languages_at_phone_and_desktop_width(open_visitor, language):
    borrower, account, appeal, report = _borrower_with_everything(language)
    notices = Notification.objects.filter(recipient=borrower, in_centre=True)
    notice = notices.filter(kind__icontains="limit").first() or notices.order_by("-pk").first()
    visitor = open_visitor(language)
    visitor.sign_in(borrower.email, PASSWORD)
    visitor.expect_path("/")
    ARTIFACTS.mkdir(exist_ok=True)
    tag = "zh" if language == CHINESE else "en"
    sideways = []
    for width in WIDTHS:
        visitor.page.set_viewport_size({"width": width, "height": 900})
        for name, path, section in _pages(account, appeal, report, notice):
            response = visitor.goto(path)
            assert response.status == 200, f"{name}: {path} answered {response.status}"
            expect(visitor.page.locator("html")).to_have_attribute("lang", html_lang(language))
            expect(visitor.heading()).to_have_count(1)
            expect(visitor.page.locator("footer h2")).to_have_text(visitor.t("Talk to us"))
            if section:
                current = visitor.page.locator("header nav a[aria-current=page]")
                expect(current).to_have_count(1)
                expect(current).to_contain_text(visitor.t(section))
            if not _no_sideways_scroll(visitor.page):
                sideways.append(f"{name} at {width}px")
            visitor.page.screenshot(path=ARTIFACTS / f"gallery-{name}-{tag}-{width}.png", full_page=True)
    assert sideways == [], "pages that scroll sideways: " + ", ".join(sideways)
