"""A borrower opens their latest financial health report from the dashboard and reads it: the
grade and its reason, three server-drawn charts (score trend, utilisation, punctuality) each
with a text table, and three tips linked to articles; then the archive and the email
preferences. In both languages, at phone width; every page is checked with axe."""

import pytest

from education.services import reports as services
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import CHINESE, ENGLISH, expect
from tests.education.conftest import OCTOBER, RUN_AT, borrower_with_history
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.parametrize("language", [CHINESE, ENGLISH])
def test_a_borrower_reads_the_latest_health_report_with_its_charts(open_visitor, language):
    borrower = borrower_with_history(preferred_language=language)
    report = services.health_report_generate(user=borrower, month=OCTOBER, now=RUN_AT)

    visitor = open_visitor(language)
    visitor.page.set_viewport_size({"width": 390, "height": 844})
    visitor.sign_in(borrower.email, PASSWORD)
    visitor.expect_path("/")

    card = visitor.page.locator("section[aria-labelledby='health-report-heading']")
    visitor.click_to_navigate(card.get_by_role("link", name=visitor.t("Read my report")))
    visitor.expect_path(f"/reports/{report.pk}/")
    visitor.expect_language(language)
    expect(visitor.heading()).to_have_count(1)

    main = visitor.page.get_by_role("main")
    expect(main.locator("svg[role=img]")).to_have_count(3)
    for chart in ("report-score-trend", "report-utilisation", "report-punctuality"):
        expect(visitor.page.locator(f"#{chart}-title")).to_have_count(1)
    tables = main.locator("details")
    expect(tables).to_have_count(3)
    tables.first.locator("summary").click()
    expect(tables.first.locator("table")).to_be_visible()
    expect(tables.first.locator("tbody tr")).to_have_count(12)
    expect(main).to_contain_text("684")
    expect(main.locator("a[href='/learn/repaying-on-time/']")).to_have_count(1)
    visitor.check()
    ARTIFACTS.mkdir(exist_ok=True)
    visitor.page.screenshot(path=ARTIFACTS / f"health-report-{language}.png", full_page=True)

    visitor.goto("/reports/latest/")
    visitor.expect_path(f"/reports/{report.pk}/")
    visitor.goto("/reports/")
    expect(visitor.page.locator(f"a[href='/reports/{report.pk}/']")).to_have_count(1)
    visitor.click_to_navigate(visitor.page.get_by_role("main").get_by_role("link", name=visitor.t("Email preferences")))
    visitor.expect_path("/reports/preferences/")
