"""Schedule arithmetic: Decimal, one rounding to the fen per instalment, and the plan's end."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounts.repayment import schedule

principals = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500000"), places=2)
rates = st.decimals(min_value=Decimal("0"), max_value=Decimal("0.001"), places=6)
days = st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31))
due_days = st.integers(min_value=1, max_value=28)


@given(principal=principals, rate=rates, today=days, due_day=due_days, count=st.integers(1, 36))
def test_instalments_sum_to_principal_plus_interest_and_none_is_negative(principal, rate, today, due_day, count):
    dates = schedule.monthly_due_dates(after=today, due_day=due_day, count=count)
    rows = schedule.instalments(principal=principal, daily_rate=rate, start=today, due_dates=dates)
    assert sum(row.principal for row in rows) == principal
    assert sum(row.amount_due for row in rows) == principal + sum(row.interest for row in rows)
    assert all(row.amount_due >= 0 and row.principal >= 0 and row.interest >= 0 for row in rows)
    assert all(row.amount_due == row.amount_due.quantize(Decimal("0.01")) for row in rows)


def _plan(*, principal, rate, today, due_day, remaining, mode, months):
    return schedule.hardship_schedule(
        principal=principal,
        daily_rate=rate,
        today=today,
        due_day=due_day,
        remaining_count=remaining,
        mode=mode,
        months=months,
    )


@given(principal=principals, rate=rates, today=days, due_day=due_days, data=st.data())
def test_lower_payments_plan_ends_when_the_schedule_did(principal, rate, today, due_day, data):
    remaining = data.draw(st.integers(2, 36))
    months = data.draw(st.integers(1, remaining - 1))
    rows = _plan(
        principal=principal,
        rate=rate,
        today=today,
        due_day=due_day,
        remaining=remaining,
        mode="lower_payments",
        months=months,
    )
    original_end = schedule.monthly_due_dates(after=today, due_day=due_day, count=remaining)[-1]
    assert len(rows) == remaining
    assert rows[-1].due_date == original_end
    assert sum(row.principal for row in rows) == principal
    assert all(row.amount_due >= 0 for row in rows)


@given(
    principal=principals,
    rate=rates,
    today=days,
    due_day=due_days,
    remaining=st.integers(0, 36),
    months=st.integers(1, 12),
)
def test_longer_term_plan_ends_the_stated_months_later(principal, rate, today, due_day, remaining, months):
    rows = _plan(
        principal=principal,
        rate=rate,
        today=today,
        due_day=due_day,
        remaining=remaining,
        mode="longer_term",
        months=months,
    )
    first = schedule.monthly_due_dates(after=today, due_day=due_day, count=1)[0]
    year, month = schedule.add_months(first.year, first.month, remaining + months - 1)
    assert len(rows) == remaining + months
    assert rows[-1].due_date == date(year, month, due_day)
    assert sum(row.principal for row in rows) == principal
    assert all(row.amount_due >= 0 for row in rows)


@given(principal=st.decimals(min_value=Decimal("100"), max_value=Decimal("500000"), places=2), months=st.integers(1, 5))
def test_lower_payments_are_lower_during_the_period(principal, months):
    today = date(2026, 12, 1)
    plain = schedule.instalments(
        principal=principal,
        daily_rate=Decimal("0"),
        start=today,
        due_dates=schedule.monthly_due_dates(after=today, due_day=15, count=6),
    )
    plan = schedule.hardship_schedule(
        principal=principal,
        daily_rate=Decimal("0"),
        today=today,
        due_day=15,
        remaining_count=6,
        mode=schedule.LOWER_PAYMENTS,
        months=months,
    )
    assert all(new.amount_due < old.amount_due for new, old in zip(plan[:months], plain[:months], strict=True))


def test_lower_payments_as_long_as_the_remaining_term_are_refused():
    with pytest.raises(ValueError):
        schedule.hardship_schedule(
            principal=Decimal("1000"),
            daily_rate=Decimal("0"),
            today=date(2026, 12, 1),
            due_day=15,
            remaining_count=3,
            mode=schedule.LOWER_PAYMENTS,
            months=3,
        )


def test_full_early_repayment_quote_is_exact():
    figures = schedule.early_repayment_figures(
        principal=Decimal("10000.00"),
        daily_rate=Decimal("0.0005"),
        since=date(2026, 11, 15),
        today=date(2026, 12, 1),
        scheduled_total=Decimal("10600.00"),
        remaining_dates=[date(2026, 12, 15)],
    )
    # 16 days at 0.05 % a day on 10,000.00 is 80.00.
    assert figures.accrued_interest == Decimal("80.00")
    assert figures.owed_today == Decimal("10080.00")
    assert figures.amount == Decimal("10080.00")
    assert figures.interest_saved == Decimal("520.00")


def test_partial_early_repayment_saves_the_interest_of_the_principal_repaid():
    figures = schedule.early_repayment_figures(
        principal=Decimal("10000.00"),
        daily_rate=Decimal("0.0005"),
        since=date(2026, 12, 1),
        today=date(2026, 12, 1),
        scheduled_total=Decimal("10000.00"),
        remaining_dates=[date(2026, 12, 31)],
        amount=Decimal("4000.00"),
    )
    # 4,000.00 of principal for 30 days at 0.05 % a day.
    assert figures.interest_saved == Decimal("60.00")


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-5"), Decimal("10080.00"), Decimal("20000")])
def test_partial_amount_outside_nothing_and_everything_is_refused(amount):
    with pytest.raises(ValueError):
        schedule.early_repayment_figures(
            principal=Decimal("10000.00"),
            daily_rate=Decimal("0.0005"),
            since=date(2026, 11, 15),
            today=date(2026, 12, 1),
            scheduled_total=Decimal("10600.00"),
            remaining_dates=[date(2026, 12, 15)],
            amount=amount,
        )


def test_monthly_due_dates_start_after_the_given_day():
    assert schedule.monthly_due_dates(after=date(2026, 12, 15), due_day=15, count=2) == [
        date(2027, 1, 15),
        date(2027, 2, 15),
    ]
    assert schedule.monthly_due_dates(after=date(2026, 12, 14), due_day=15, count=1) == [date(2026, 12, 15)]
