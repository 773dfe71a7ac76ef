"""Schedule arithmetic: pure functions on Decimal amounts and dates, no database.

Interest is simple daily interest on the outstanding principal. Each instalment is its share of
the principal plus the interest of its period, rounded to the fen once (the instalment's amount);
the principal shares add up to the principal exactly, the last one taking what rounding left."""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
ZERO = Decimal("0.00")

LOWER_PAYMENTS = "lower_payments"
LONGER_TERM = "longer_term"
# During a lower-payments period the borrower pays this share of the principal part (plus interest).
LOWER_PAYMENT_SHARE = Decimal("0.5")


def fen(amount):
    return Decimal(amount).quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Instalment:
    due_date: date
    principal: Decimal  # this instalment's share of the principal, exact to the fen
    interest: Decimal  # the amount minus the principal share
    amount_due: Decimal

    def as_data(self):
        """JSON-plain, as the core system's contract carries a schedule."""
        return {"due_date": self.due_date.isoformat(), "amount_due": str(self.amount_due)}


def day_in_month(year, month, day):
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def add_months(year, month, months):
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def monthly_due_dates(*, after, due_day, count):
    """``count`` due dates on ``due_day`` (1–28) of successive months, the first after ``after``."""
    year, month = after.year, after.month
    first = day_in_month(year, month, due_day)
    if first <= after:
        year, month = add_months(year, month, 1)
    dates = []
    for offset in range(count):
        y, m = add_months(year, month, offset)
        dates.append(day_in_month(y, m, due_day))
    return dates


def accrued_interest(*, principal, daily_rate, since, today):
    """Interest accrued on ``principal`` from ``since`` to ``today``, rounded to the fen."""
    days = max((today - since).days, 0)
    return fen(Decimal(principal) * Decimal(daily_rate) * days)


def instalments(*, principal, daily_rate, start, due_dates, principal_shares=None):
    """The instalments repaying ``principal`` on ``due_dates`` with interest accruing from
    ``start``. ``principal_shares`` are weights for each instalment's share of the principal
    (equal by default); the last instalment takes whatever is left, so the shares are exact."""
    principal = Decimal(principal)
    count = len(due_dates)
    if count == 0:
        return []
    weights = [Decimal(weight) for weight in principal_shares] if principal_shares else [Decimal(1)] * count
    total_weight = sum(weights)
    remaining = principal
    previous = start
    result = []
    for index, (due_date, weight) in enumerate(zip(due_dates, weights, strict=True)):
        last = index == count - 1
        share = remaining if last else min(fen(principal * weight / total_weight), remaining)
        days = max((due_date - previous).days, 0)
        exact_interest = remaining * Decimal(daily_rate) * days
        amount = fen(share + exact_interest)  # rounded once, here
        result.append(Instalment(due_date=due_date, principal=share, interest=amount - share, amount_due=amount))
        remaining -= share
        previous = due_date
    return result


def hardship_schedule(*, principal, daily_rate, today, due_day, remaining_count, mode, months):
    """The new schedule of a hardship plan from ``today``.

    ``lower_payments``: for ``months`` instalments the borrower pays half the usual principal part
    (plus interest); the rest is spread over the remaining instalments, so the plan ends when the
    schedule did (``remaining_count`` instalments). ``longer_term``: the principal is spread over
    ``months`` more instalments, so the plan ends ``months`` months later."""
    if mode == LOWER_PAYMENTS:
        count = remaining_count
        if months >= count:
            raise ValueError("the lower-payment period must be shorter than the remaining term")
        normal = (Decimal(count) - LOWER_PAYMENT_SHARE * months) / (count - months)
        weights = [LOWER_PAYMENT_SHARE] * months + [normal] * (count - months)
    elif mode == LONGER_TERM:
        count = remaining_count + months
        weights = None
    else:
        raise ValueError(f"unknown hardship mode {mode!r}")
    dates = monthly_due_dates(after=today, due_day=due_day, count=count)
    return instalments(
        principal=principal, daily_rate=daily_rate, start=today, due_dates=dates, principal_shares=weights
    )


def due_day_moved(*, due_dates, due_day):
    """Each date moved to ``due_day`` of its own month."""
    return [day_in_month(d.year, d.month, due_day) for d in due_dates]


@dataclass(frozen=True)
class EarlyRepaymentFigures:
    principal: Decimal
    accrued_interest: Decimal
    owed_today: Decimal
    amount: Decimal
    interest_saved: Decimal


def early_repayment_figures(*, principal, daily_rate, since, today, scheduled_total, remaining_dates, amount=None):
    """What repaying early costs today. ``amount`` None repays everything (owed today: the
    principal and the interest accrued since ``since``). ``scheduled_total`` is what the open
    schedule would still collect; a full repayment saves the difference. A partial repayment pays
    the accrued interest first, then principal, and saves the interest that principal would have
    cost over the rest of the schedule (``remaining_dates``)."""
    principal = fen(principal)
    accrued = accrued_interest(principal=principal, daily_rate=daily_rate, since=since, today=today)
    owed = principal + accrued
    if amount is None:
        saved = max(fen(scheduled_total) - owed, ZERO)
        return EarlyRepaymentFigures(principal, accrued, owed, owed, saved)
    amount = fen(amount)
    if amount <= 0 or amount >= owed:
        raise ValueError("a partial repayment is more than nothing and less than everything owed")
    principal_repaid = max(amount - accrued, ZERO)
    before = _interest_total(principal, daily_rate, today, remaining_dates)
    after = _interest_total(principal - principal_repaid, daily_rate, today, remaining_dates)
    return EarlyRepaymentFigures(principal, accrued, owed, amount, max(before - after, ZERO))


def _interest_total(principal, daily_rate, start, due_dates):
    rows = instalments(principal=principal, daily_rate=daily_rate, start=start, due_dates=due_dates)
    return sum((row.interest for row in rows), ZERO)


def last_due_before(*, due_dates, today, fallback):
    """The latest of ``due_dates`` on or before ``today`` (interest accrues from there)."""
    past = [d for d in due_dates if d <= today]
    return max(past) if past else fallback


def one_year_before(moment):
    return moment - timedelta(days=365)
