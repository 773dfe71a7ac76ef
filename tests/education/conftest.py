"""Fixtures for the health report tests: a borrower with a year of history, on a frozen clock."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from accounts.models import CreditScore
from tests.factories import BorrowerFactory, RepaymentInstallmentFactory, credit_account

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The monthly run: 1 November 2026, 09:00 in Shanghai; it reports on October.
RUN_AT = datetime(2026, 11, 1, 9, 0, tzinfo=SHANGHAI)
OCTOBER = date(2026, 10, 1)


@pytest.fixture
def run_clock(time_machine):
    time_machine.move_to(RUN_AT, tick=False)
    return time_machine


def borrower_with_history(**borrower_kwargs):
    """Limit 50,000, balance 12,000; twelve monthly scores 742→684; repayments on the 10th of each
    month, all on time except September (two days late); November's 800 still to pay."""
    borrower = BorrowerFactory(**borrower_kwargs)
    account = credit_account(
        customer=borrower.customer,
        credit_limit="50000.00",
        outstanding_balance="12000.00",
        opened_at=RUN_AT - timedelta(days=500),
    )
    # Scores on the 15th of each month, November 2025 … October 2026.
    monthly = [742, 748, 751, 755, 753, 749, 740, 731, 718, 702, 690, 684]
    CreditScore.objects.bulk_create(
        CreditScore(
            account=account,
            score=score,
            scored_at=datetime(2025 + (10 + index) // 12, (10 + index) % 12 + 1, 15, 12, tzinfo=SHANGHAI),
        )
        for index, score in enumerate(monthly)
    )
    for index in range(12):
        year, month = 2025 + (10 + index) // 12, (10 + index) % 12 + 1
        due = date(year, month, 10)
        late = (year, month) == (2026, 9)
        paid_at = datetime(year, month, 12 if late else 9, 10, tzinfo=SHANGHAI)
        RepaymentInstallmentFactory(
            account=account, due_date=due, amount_due="1000.00", amount_paid="1000.00", paid_at=paid_at, status="paid"
        )
    RepaymentInstallmentFactory(account=account, due_date=date(2026, 11, 10), amount_due="800.00")
    return borrower


@pytest.fixture
def history_borrower(db, run_clock):
    return borrower_with_history()


@pytest.fixture
def borrower(db):
    """These tests read the English wording; the Chinese catalogue is checked for completeness
    elsewhere and the browser stories run in both languages."""
    return BorrowerFactory(preferred_language="en")
