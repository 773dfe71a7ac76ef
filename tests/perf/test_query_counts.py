"""Queries per page do not grow with the borrower's history (issue 17).

Every borrower page is requested for a borrower with a short history and for one with a long one
(more ledger rows, repayments, notices, appeals, reports and articles read), and must issue the
same number of queries for both. The same holds for the busiest staff admin pages (the appeal
queue, the risk decisions) with few and many rows, and for each integration import endpoint
writing to an account with a short and a long history. A page that reads one query per row
would show here as a difference, with the queries it added."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.credit.services import limit_change_apply
from accounts.models import LimitChange
from appeals.models import Appeal
from education.models import ArticleRead
from portal.models import Notification
from tests.appeals.conftest import file_appeal
from tests.appeals.factories import RiskDecisionFactory
from tests.education.factories import HealthReportFactory
from tests.factories import (
    BorrowerFactory,
    CreditScoreFactory,
    RepaymentInstallmentFactory,
    StaffFactory,
    UserFactory,
    credit_account,
)

pytestmark = pytest.mark.django_db

SHORT, LONG = 1, 6
READ_SLUGS = ["budgeting-basics", "how-limits-are-set", "what-moves-a-credit-score", "repaying-on-time"]


def _ledger(account, size):
    """``size`` risk reductions, each appealed, each followed by a core-system sync (lower still:
    no limit goes up without the borrower's consent), so every line's newest row is a sync."""
    changes = []
    for _ in range(size):
        account.refresh_from_db(fields=["credit_limit"])
        limit = account.credit_limit
        change = limit_change_apply(
            account=account,
            kind=LimitChange.Kind.RISK_REDUCTION,
            new_limit=limit - Decimal("1000.00"),
            reason_codes=["score_drop"],
            decided_by=LimitChange.DecidedBy.POLICY,
        )
        changes.append(change)
        limit_change_apply(
            account=account,
            kind=LimitChange.Kind.CORE_SYNC,
            new_limit=limit - Decimal("2000.00"),
            reason_codes=["macro_tightening"],
            decided_by=LimitChange.DecidedBy.CORE_SYSTEM,
        )
    return changes


def _history(borrower, size):
    """A borrower's account with ``size`` of everything a borrower page lists."""
    account = credit_account(customer=borrower.customer, credit_limit="50000.00", outstanding_balance="10000.00")
    for change in _ledger(account, size):
        file_appeal(borrower, change)
    today = timezone.localdate()
    for months in range(size):
        due = today - datetime.timedelta(days=30 * (months + 1))
        RepaymentInstallmentFactory(account=account, due_date=due, amount_paid="1200.00", status="paid")
        scored_at = timezone.now() - datetime.timedelta(days=30 * months)
        CreditScoreFactory(account=account, score=700 + months, scored_at=scored_at)
        HealthReportFactory(user=borrower, month=datetime.date(2026 - months // 12, 12 - months % 12, 1))
        Notification.objects.create(recipient=borrower, kind="test", title=f"Notice {months}", body="Body.")
    for slug in READ_SLUGS:  # the same for both sizes: which article comes next is not history
        ArticleRead.objects.create(user=borrower, article_slug=slug, first_read_at=timezone.now())
    return account


def _pages(borrower, account):
    notice = Notification.objects.filter(recipient=borrower, in_centre=True).latest("created_at", "pk")
    appeal = Appeal.objects.filter(submitted_by=borrower).latest("created_at", "pk")
    report = borrower.health_reports.order_by("-month").first()
    return {
        "dashboard": reverse("dashboard"),
        "history": reverse("credit_history", args=[account.pk]),
        "repayments": reverse("credit_repayments", args=[account.pk]),
        "notifications": reverse("notification_list"),
        "notification": reverse("notification_detail", args=[notice.pk]),
        "appeals": reverse("appeals:list"),
        "appeal": reverse("appeals:detail", args=[appeal.pk]),
        "wizard start": reverse("closure_start", args=[account.pk]),
        "learn": reverse("education:article_list"),
        "article": reverse("education:article_detail", args=["budgeting-basics"]),
        "reports": reverse("health_report_list"),
        "report": reverse("health_report_detail", args=[report.pk]),
        "settings": reverse("account_settings"),
    }


def _queries(client, path, **extra):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, **extra)
    return response.status_code, [query["sql"] for query in captured.captured_queries]


def _difference(short, long):
    """The queries the long history added, for the failure message."""
    extra = list(long)
    for sql in short:
        if sql in extra:
            extra.remove(sql)
    return "\n".join(sql[:300] for sql in extra[:10])


@pytest.fixture
def borrowers(client):
    """Two borrowers, the same situation, a short and a long history; ``client`` signs in as each."""
    short, long = BorrowerFactory(preferred_language="en"), BorrowerFactory(preferred_language="en")
    return {"short": (short, _history(short, SHORT)), "long": (long, _history(long, LONG))}


PAGES = [
    "dashboard",
    "history",
    "repayments",
    "notifications",
    "notification",
    "appeals",
    "appeal",
    "wizard start",
    "learn",
    "article",
    "reports",
    "report",
    "settings",
]


@pytest.mark.parametrize("page", PAGES)
def test_borrower_page_queries_do_not_grow_with_history(client, borrowers, page):
    counts = {}
    for size, (borrower, account) in borrowers.items():
        client.force_login(borrower)
        path = _pages(borrower, account)[page]
        client.get(path)  # the first request fills what a warm process keeps (the catalogue)
        status, counts[size] = _queries(client, path)
        assert status == 200, f"{page} ({size} history) answered {status}"
    assert len(counts["long"]) == len(counts["short"]), (
        f"{page}: {len(counts['short'])} queries with a short history, {len(counts['long'])} with a long one; "
        f"added:\n{_difference(counts['short'], counts['long'])}"
    )


# At most this many queries per page for a signed-in borrower with a warm process, session and
# user included (issue 17: the dashboard was 13, a notice 5, an article 8; the history
# page's 7 include the limit-offer reads; reason codes come from each process's copy). Lower a
# bound when a page gets cheaper.
MAX_QUERIES = {
    "dashboard": 10,
    "history": 7,
    "repayments": 5,
    "notifications": 5,
    "notification": 4,
    "appeals": 5,
    "appeal": 7,
    "wizard start": 5,
    "learn": 5,
    "article": 6,
    "reports": 5,
    "report": 4,
    "settings": 6,
}


@pytest.mark.parametrize("page", PAGES)
def test_borrower_page_queries_stay_within_their_bound(client, borrowers, page):
    borrower, account = borrowers["long"]
    client.force_login(borrower)
    path = _pages(borrower, account)[page]
    client.get(path)  # a warm process
    status, queries = _queries(client, path)
    assert status == 200
    assert len(queries) <= MAX_QUERIES[page], f"{page}: {len(queries)} queries:\n" + "\n".join(
        sql[:200] for sql in queries
    )


def _appeals(count):
    for _ in range(count):
        person = BorrowerFactory()
        account = credit_account(customer=person.customer, credit_limit="50000.00")
        file_appeal(person, _ledger(account, 1)[0])


def _risk_decisions(count):
    for _ in range(count):
        person = BorrowerFactory()
        account = credit_account(customer=person.customer, credit_limit="50000.00")
        RiskDecisionFactory(limit_change=_ledger(account, 1)[0])


STAFF_PAGES = {
    "appeal queue": ("admin:appeals_appeal_changelist", _appeals),
    "risk decisions": ("admin:accounts_riskdecision_changelist", _risk_decisions),
}


@pytest.mark.parametrize("page", list(STAFF_PAGES))
def test_busiest_staff_pages_queries_do_not_grow_with_rows(client, page):
    url_name, make = STAFF_PAGES[page]
    client.force_login(StaffFactory(group="Supervisor", preferred_language="en"))
    path = reverse(url_name)
    counts = {}
    for size, count in (("short", SHORT + 1), ("long", LONG + 3)):
        make(count)
        client.get(path)
        status, counts[size] = _queries(client, path)
        assert status == 200, f"{page} answered {status}"
    assert len(counts["long"]) == len(counts["short"]), (
        f"{page}: {len(counts['short'])} queries with few rows, {len(counts['long'])} with many; "
        f"added:\n{_difference(counts['short'], counts['long'])}"
    )


IMPORT_ROWS = {
    "balances": lambda account: {"account_external_id": account.external_id, "outstanding_balance": "1234.50"},
    "accounts": lambda account: {
        "external_id": account.external_id,
        "customer_external_id": account.customer.external_id,
        "product_code": account.product.code,
        "credit_limit": "30000.00",  # below every history's limit: a raise needs consent
        "reason_codes": ["macro_tightening"],
        "opened_at": account.opened_at.isoformat(),
    },
    "repayment-schedules": lambda account: {
        "external_id": f"INST-IMPORT-{account.pk}",
        "account_external_id": account.external_id,
        "due_date": (timezone.localdate() + datetime.timedelta(days=20)).isoformat(),
        "amount_due": "1200.00",
        "status": "scheduled",
    },
    "score-updates": lambda account: {
        "external_id": f"SIG-SCORE-{account.pk}",
        "account_external_id": account.external_id,
        "score": 690,
        "observed_at": timezone.now().isoformat(),
    },
    "risk-signals": lambda account: {
        "external_id": f"SIG-RISK-{account.pk}",
        "account_external_id": account.external_id,
        "kind": "linked_overdue",
        "value": "12",
        "observed_at": timezone.now().isoformat(),
    },
}


@pytest.fixture
def core_client(db):
    from django.contrib.auth.models import Group

    user = UserFactory(email="core-system@lender.example")
    user.groups.add(Group.objects.get(name="Core system integration"))
    return APIClient(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")


@pytest.mark.parametrize("kind", list(IMPORT_ROWS))
def test_integration_import_queries_do_not_grow_with_the_accounts_history(core_client, kind):
    warm = IMPORT_ROWS[kind](credit_account(customer=BorrowerFactory().customer, credit_limit="50000.00"))
    core_client.post(f"/api/integration/v1/{kind}/", {"rows": [warm]}, format="json")  # a warm process
    counts = {}
    for size, history in (("short", SHORT), ("long", LONG)):
        borrower = BorrowerFactory(preferred_language="en")
        row = IMPORT_ROWS[kind](_history(borrower, history))
        with CaptureQueriesContext(connection) as captured:
            response = core_client.post(f"/api/integration/v1/{kind}/", {"rows": [row]}, format="json")
        assert response.status_code == 200, response.content
        assert not response.json()["errors"], response.json()
        counts[size] = [query["sql"] for query in captured.captured_queries]
    assert len(counts["long"]) == len(counts["short"]), (
        f"{kind}: {len(counts['short'])} queries for a short history, {len(counts['long'])} for a long one; "
        f"added:\n{_difference(counts['short'], counts['long'])}"
    )
