from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from tests.factories import RepaymentInstallmentFactory, credit_account, installment_schedule

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 10:00 on 1 December 2026 in Shanghai.
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)
TODAY = date(2026, 12, 1)


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, whatever the catalogue's default language."""
    with translation.override("en"):
        yield


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def account(borrower, now):
    """A line with 12,000.00 owed: last paid on 15 November, then twelve instalments of 1,100.00
    due on the 20th, from 20 December."""
    line = credit_account(customer=borrower.customer, credit_limit="20000.00", outstanding_balance="12000.00")
    RepaymentInstallmentFactory(
        account=line, due_date=date(2026, 11, 15), amount_due="1100.00", amount_paid="1100.00", status="paid"
    )
    installment_schedule(line, first_due=date(2026, 12, 20), count=12, amount_due="1100.00")
    return line
