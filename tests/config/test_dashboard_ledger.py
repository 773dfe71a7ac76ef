"""The dashboard reads the ledger and the requests' status only, and puts what can be borrowed
now first (issue 15, finding 3). Golden pages in both languages for an active line, a line cut
this month, a frozen line, a cleared line and a line whose closure is in cooling-off."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import factory
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.credit.services import limit_change_apply
from accounts.models import ClosureRequest, LimitChange
from tests.education.factories import HealthReportFactory
from tests.factories import BorrowerFactory, StaffFactory, credit_account

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)
CHANGED_AT = datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI)


class CoolingOffClosureFactory(factory.django.DjangoModelFactory):
    """A closure request submitted an hour ago, its 24-hour cooling-off still running."""

    class Meta:
        model = ClosureRequest

    kind = ClosureRequest.Kind.CLOSE
    status = ClosureRequest.Status.SUBMITTED
    reference = factory.Sequence(lambda number: f"CR-H15R-{number:04d}")
    submitted_at = NOW - timedelta(hours=1)
    cooling_off_ends_at = NOW + timedelta(hours=23)
    previous_limit = factory.LazyAttribute(lambda request: request.account.credit_limit)
    previous_status = "active"


@pytest.fixture(autouse=True)
def december_first(time_machine):
    time_machine.move_to(NOW, tick=False)


def line(language, *, report_grade="B"):
    """A borrower with a ¥50,000 line, ¥5,000 owed, and October's report graded ``report_grade``."""
    borrower = BorrowerFactory(preferred_language=language)
    account = credit_account(
        customer=borrower.customer,
        credit_limit="50000.00",
        outstanding_balance="5000.00",
        opened_at=NOW - timedelta(days=400),
    )
    HealthReportFactory(user=borrower, month=date(2026, 10, 1), grade=report_grade)
    return borrower, account


def cut(account):
    limit_change_apply(
        account=account,
        kind=LimitChange.Kind.RISK_REDUCTION,
        new_limit="35000.00",
        reason_codes=["score_drop"],
        decided_by=LimitChange.DecidedBy.POLICY,
        effective_at=CHANGED_AT,
    )


def freeze(account):
    limit_change_apply(
        account=account,
        kind=LimitChange.Kind.RISK_FREEZE,
        new_status="frozen",
        reason_codes=["linked_overdue"],
        decided_by=LimitChange.DecidedBy.POLICY,
        effective_at=CHANGED_AT,
    )


def clear(account):
    limit_change_apply(
        account=account,
        kind=LimitChange.Kind.CLEARANCE,
        new_limit="0.00",
        new_status="cleared",
        reason_codes=["fraud_suspicion"],
        decided_by=LimitChange.DecidedBy.STAFF,
        decided_by_user=StaffFactory(),
        effective_at=CHANGED_AT,
    )


def pending_closure(account):
    CoolingOffClosureFactory(account=account, requested_by=account.customer.user)


def dashboard(client, borrower):
    client.force_login(borrower)
    return client.get("/").content.decode()


STORIES = {"active": None, "cut": cut, "frozen": freeze, "cleared": clear, "pending": pending_closure}

GOLDEN = {
    ("active", "en"): [
        '<p class="display-6 fw-semibold mb-1" data-field="available" aria-labelledby="available-',
        ">¥45,000.00</p>",
        "Your limit of ¥50,000.00 less the ¥5,000.00 you owe.",
        "Overall: B — Good, with room to improve",
    ],
    ("active", "zh-hans"): [
        ">¥45,000.00</p>",
        "额度 ¥50,000.00 减去待还 ¥5,000.00。",
        "综合等级：B —— 良好，仍有提升空间",
    ],
    ("cut", "en"): [
        ">¥30,000.00</p>",
        "Your limit of ¥35,000.00 less the ¥5,000.00 you owe.",
        "Your limit was lowered from ¥50,000.00 to ¥35,000.00 on 28 Nov 2026 after a risk review.",
        "<li>Your credit score fell</li>",
        "You can appeal until",
        "Overall: C — Fair",
        "It explains the reason we gave for lowering your limit: Your credit score fell.",
    ],
    ("cut", "zh-hans"): [
        ">¥30,000.00</p>",
        "经风险审查，您的额度已于 2026年11月28日 从 ¥50,000.00 调低至 ¥35,000.00。",
        "<li>信用评分下降</li>",
        "综合等级：C —— 一般",
    ],
    ("frozen", "en"): [
        ">¥0.00</p>",
        "New borrowing is paused while this line is frozen. You can still repay.",
        "Your line was frozen on 28 Nov 2026 after a risk review.",
        "<li>A linked account is overdue</li>",
        "Overall: D — Needs attention",
    ],
    ("frozen", "zh-hans"): [
        ">¥0.00</p>",
        "经风险审查，您的额度已于 2026年11月28日 被冻结。",
        "综合等级：D —— 需要关注",
    ],
    ("cleared", "en"): [
        ">¥0.00</p>",
        "This line has been cleared: new borrowing has stopped. You can still sign in, repay and appeal.",
        "Your account was cleared on 28 Nov 2026: its limit is now zero.",
        "<li>Possible fraud on the account</li>",
        "Overall: E — Needs attention now",
        "It explains the reason we gave for clearing your account: Possible fraud on the account.",
    ],
    ("cleared", "zh-hans"): [
        ">¥0.00</p>",
        "该账户已被清退，已停止新的借款。",
        "您的账户已于 2026年11月28日 被清退，额度现为零。",
        "综合等级：E —— 需要立即关注",
        "这篇文章解释了我们清退您账户的原因：疑似欺诈风险。",
    ],
    ("pending", "en"): [">¥45,000.00</p>", 'data-field="pending-change"', "This line will be closed on"],
    ("pending", "zh-hans"): [">¥45,000.00</p>", 'data-field="pending-change"'],
}

# What each page must not say: a good grade for a line in trouble, a generic "reason" for advice.
NEVER = {
    "cut": ["Overall: B", "综合等级：B", 'data-field="pending-change"'],
    "frozen": ["Overall: B", "综合等级：B", "¥45,000.00</p>"],
    "cleared": ["Overall: B", "综合等级：B", "a reason we gave for your latest limit change", "¥45,000.00</p>"],
    "active": ['data-field="lender-change"', 'data-field="pending-change"'],
    "pending": ['data-field="lender-change"'],
}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("story", list(STORIES))
def test_the_dashboard_tells_each_lines_story_from_the_ledger(client, story, language):
    borrower, account = line(language)
    if STORIES[story]:
        STORIES[story](account)

    page = dashboard(client, borrower)

    for text in GOLDEN[(story, language)]:
        assert text in page
    for text in NEVER[story]:
        assert text not in page


def test_what_can_be_borrowed_comes_first_then_the_next_payment_notices_and_learning(client):
    borrower, _account = line("en")

    page = dashboard(client, borrower)

    order = ['data-field="available"', 'data-field="next-payment"', 'id="notices-heading"', 'id="learning-heading"']
    positions = [page.index(marker) for marker in order]
    assert positions == sorted(positions)


def test_the_borrowers_own_reduction_is_not_shown_as_a_lenders_change(client):
    borrower, account = line("en")
    limit_change_apply(
        account=account,
        kind=LimitChange.Kind.VOLUNTARY_REDUCTION,
        new_limit="20000.00",
        decided_by=LimitChange.DecidedBy.BORROWER,
        effective_at=CHANGED_AT,
    )

    page = dashboard(client, borrower)

    assert ">¥15,000.00</p>" in page
    assert 'data-field="lender-change"' not in page
    assert "Overall: B — Good, with room to improve" in page


def dashboard_queries(client, borrower):
    client.force_login(borrower)
    with CaptureQueriesContext(connection) as context:
        client.get("/")
    return len(context.captured_queries)


def test_the_ledger_figures_cost_no_query_per_line(client):
    one, account = line("en")
    cut(account)
    three, first = line("en")
    cut(first)
    for _ in range(2):
        clear(credit_account(customer=three.customer, credit_limit="50000.00", outstanding_balance="0.00"))

    # Each further line costs only its next payment and score trend (the credit selectors').
    assert dashboard_queries(client, three) - dashboard_queries(client, one) <= 2 * 2
