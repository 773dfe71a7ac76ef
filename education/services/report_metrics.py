"""The health report's figures, as pure functions over plain data (no database, no clock).

Each takes numbers, dates and tuples and returns numbers or codes, so it can be checked against
hand-computed examples and property tests. ``education.services.reports`` feeds them from the
database in bulk."""

from collections import namedtuple
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

RATE_PLACES = Decimal("0.0001")

# One scheduled repayment as the metrics see it. ``paid_on`` is the local date it was paid in
# full (None while unpaid).
Installment = namedtuple("Installment", "id due_date amount_due amount_paid paid_on status")


def month_start(day):
    return day.replace(day=1)


def month_add(first_day, months):
    """The first day of the month ``months`` after (or before) ``first_day``'s month."""
    index = first_day.year * 12 + first_day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_labels(*, last_month, months=12):
    """``YYYY-MM`` labels of the ``months`` months ending with ``last_month``, oldest first."""
    return [month_add(month_start(last_month), offset).strftime("%Y-%m") for offset in range(1 - months, 1)]


def utilisation(*, balance, limit):
    """Outstanding balance over credit limit, 4 places (0.25 = 25 %). None when there is no limit
    to measure against. Never negative."""
    balance, limit = Decimal(balance), Decimal(limit)
    if limit <= 0:
        return None
    return (max(balance, Decimal(0)) / limit).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def score_points(*, scores, last_month, months=12):
    """Monthly points ``[(YYYY-MM, score)]``: the last score seen in each month, over the
    ``months`` months ending with ``last_month``; months without a score are left out.
    ``scores`` are ``(local_date, score)`` pairs in any order."""
    labels = set(month_labels(last_month=last_month, months=months))
    latest = {}
    for day, score in sorted(scores):
        label = day.strftime("%Y-%m")
        if label in labels:
            latest[label] = score
    return sorted(latest.items())


def is_on_time(installment):
    return installment.paid_on is not None and installment.paid_on <= installment.due_date


def _is_settled(installment):
    return installment.status == "paid" or Decimal(installment.amount_paid) >= Decimal(installment.amount_due)


def repayment_punctuality(*, installments, as_of, last_month, months=12):
    """How repayments fell due over the ``months`` months ending with ``last_month``.

    Counts only installments already due (due date before ``as_of``). One is on time when paid in
    full on or before its due date. Returns ``(rate, due, on_time, by_month)`` where ``rate`` is a
    Decimal in [0, 1] (None when nothing fell due) and ``by_month`` is
    ``[(YYYY-MM, due, on_time)]`` for every month of the window, oldest first."""
    labels = month_labels(last_month=last_month, months=months)
    first_day = date.fromisoformat(f"{labels[0]}-01")
    counts = {label: [0, 0] for label in labels}
    for installment in installments:
        if not (first_day <= installment.due_date < as_of):
            continue
        label = installment.due_date.strftime("%Y-%m")
        if label not in counts:
            continue
        counts[label][0] += 1
        counts[label][1] += is_on_time(installment)
    due = sum(count[0] for count in counts.values())
    on_time = sum(count[1] for count in counts.values())
    rate = (Decimal(on_time) / Decimal(due)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP) if due else None
    return rate, due, on_time, [(label, counts[label][0], counts[label][1]) for label in labels]


def overdue_installments(*, installments, as_of):
    """Installments past their due date and not paid in full, oldest first."""
    return sorted(
        (item for item in installments if item.due_date < as_of and not _is_settled(item)),
        key=lambda item: item.due_date,
    )


def upcoming_dues(*, installments, as_of, days=30):
    """Installments not yet paid in full that fall due within ``days`` days from ``as_of``."""
    horizon = as_of + timedelta(days=days)
    return sorted(
        (item for item in installments if as_of <= item.due_date <= horizon and not _is_settled(item)),
        key=lambda item: item.due_date,
    )


def _score_points(score):
    if score is None:
        return 2
    return 4 if score >= 750 else 3 if score >= 700 else 2 if score >= 650 else 1 if score >= 600 else 0


def _utilisation_points(value):
    if value is None:
        return 3
    return (
        4
        if value <= Decimal("0.30")
        else 3
        if value <= Decimal("0.50")
        else 2
        if value <= Decimal("0.70")
        else (1 if value <= Decimal("0.90") else 0)
    )


def _punctuality_points(rate):
    if rate is None:
        return 3
    return (
        4
        if rate >= 1
        else 3
        if rate >= Decimal("0.95")
        else 2
        if rate >= Decimal("0.85")
        else (1 if rate >= Decimal("0.70") else 0)
    )


def health_points(*, score, utilisation, on_time_rate, overdue_count):
    """0 (worst) to 12 (best). Each part only ever rises with a better input, so the grade is
    monotone: a higher score or on-time rate, or lower utilisation or fewer overdue repayments,
    never makes it worse. Missing data counts as middling, neither praised nor punished."""
    points = _score_points(score) + _utilisation_points(utilisation) + _punctuality_points(on_time_rate)
    penalty = 0 if overdue_count <= 0 else 3 if overdue_count == 1 else 6
    return max(points - penalty, 0)


GRADES = "ABCDE"


def health_grade(*, score, utilisation, on_time_rate, overdue_count):
    """A (in good shape) … E (needs attention now), from ``health_points``."""
    points = health_points(score=score, utilisation=utilisation, on_time_rate=on_time_rate, overdue_count=overdue_count)
    return "A" if points >= 11 else "B" if points >= 9 else "C" if points >= 7 else "D" if points >= 4 else "E"


def grade_reason(*, score, score_change, utilisation, on_time_rate, overdue_count):
    """The code of the single most important thing behind the grade (explained in words by
    ``education.services.report_texts``)."""
    if overdue_count > 0:
        return "overdue"
    if on_time_rate is not None and on_time_rate < Decimal("0.85"):
        return "late_payments"
    if utilisation is not None and utilisation > Decimal("0.70"):
        return "high_utilisation"
    if score_change is not None and score_change <= -30:
        return "score_falling"
    if score is not None and score < 650:
        return "low_score"
    if utilisation is not None and utilisation > Decimal("0.30"):
        return "moderate_utilisation"
    if on_time_rate is not None and on_time_rate < 1:
        return "some_late"
    return "steady"


def tips_choose(
    *, score_change, utilisation, on_time_rate, overdue_count, upcoming_count, adverse_changes, open_appeals, count=3
):
    """``count`` literacy article slugs for this borrower, the most pressing first, no repeats."""
    wanted = []
    if overdue_count > 0:
        wanted += ["handling-financial-hardship", "repaying-on-time"]
    if on_time_rate is not None and on_time_rate < 1:
        wanted.append("repaying-on-time")
    if adverse_changes > 0:
        wanted += ["how-limits-are-set", "how-to-appeal-a-decision"]
    if open_appeals > 0:
        wanted.append("how-to-appeal-a-decision")
    if utilisation is not None and utilisation > Decimal("0.30"):
        wanted += ["understanding-utilisation", "the-cost-of-borrowing-often"]
    if score_change is not None and score_change < 0:
        wanted.append("what-moves-a-credit-score")
    if upcoming_count > 0:
        wanted.append("budgeting-basics")
    wanted += ["building-an-emergency-fund", "protecting-your-account", "spotting-loan-fraud", "budgeting-basics"]
    chosen = []
    for slug in wanted:
        if slug not in chosen:
            chosen.append(slug)
    return chosen[:count]
