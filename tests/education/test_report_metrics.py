"""The health report's metrics: hand-computed examples and properties over numbers."""

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from education.services import report_metrics as metrics
from education.services.report_texts import TIPS

OCTOBER = date(2026, 10, 1)
AS_OF = date(2026, 11, 1)


def installment(due, paid_on=None, amount="1000.00", paid=None, pk=1):
    paid = paid if paid is not None else (amount if paid_on else "0.00")
    status = "paid" if paid_on else "scheduled"
    return metrics.Installment(pk, due, Decimal(amount), Decimal(paid), paid_on, status)


HISTORY = [
    installment(date(2025, 10, 10), paid_on=date(2025, 10, 9)),  # before the 12-month window
    installment(date(2026, 8, 10), paid_on=date(2026, 8, 9)),  # on time
    installment(date(2026, 9, 10), paid_on=date(2026, 9, 12)),  # two days late
    installment(date(2026, 10, 10)),  # unpaid: overdue
    installment(date(2026, 11, 10), amount="800.00"),  # upcoming
    installment(date(2026, 12, 10)),  # beyond the next 30 days
]


def test_utilisation_is_balance_over_limit():
    assert metrics.utilisation(balance=Decimal("12000.00"), limit=Decimal("50000.00")) == Decimal("0.2400")
    assert metrics.utilisation(balance=Decimal("60000"), limit=Decimal("50000")) == Decimal("1.2000")
    assert metrics.utilisation(balance=Decimal("100"), limit=Decimal("0")) is None


def test_punctuality_counts_only_repayments_due_in_the_window():
    rate, due, on_time, by_month = metrics.repayment_punctuality(installments=HISTORY, as_of=AS_OF, last_month=OCTOBER)

    assert (rate, due, on_time) == (Decimal("0.3333"), 3, 1)
    assert len(by_month) == 12
    assert by_month[0] == ("2025-11", 0, 0)
    assert by_month[-3:] == [("2026-08", 1, 1), ("2026-09", 1, 0), ("2026-10", 1, 0)]


def test_no_repayment_due_means_no_rate():
    assert metrics.repayment_punctuality(installments=[], as_of=AS_OF, last_month=OCTOBER)[0] is None


def test_overdue_and_upcoming():
    assert [item.due_date for item in metrics.overdue_installments(installments=HISTORY, as_of=AS_OF)] == [
        date(2026, 10, 10)
    ]
    assert [item.due_date for item in metrics.upcoming_dues(installments=HISTORY, as_of=AS_OF)] == [date(2026, 11, 10)]


def test_score_points_keep_the_last_score_of_each_month():
    scores = [(date(2026, 9, 20), 690), (date(2026, 9, 3), 700), (date(2026, 10, 5), 680), (date(2025, 10, 31), 760)]

    assert metrics.score_points(scores=scores, last_month=OCTOBER) == [("2026-09", 690), ("2026-10", 680)]


def test_grade_examples():
    best = {"score": 760, "utilisation": Decimal("0.2"), "on_time_rate": Decimal("1"), "overdue_count": 0}
    worst = {"score": 680, "utilisation": Decimal("0.24"), "on_time_rate": Decimal("0.3333"), "overdue_count": 1}

    assert metrics.health_grade(**best) == "A"
    assert metrics.health_points(**worst) == 3
    assert metrics.health_grade(**worst) == "E"
    assert metrics.health_grade(score=None, utilisation=None, on_time_rate=None, overdue_count=0) == "C"


def test_tips_for_an_overdue_borrower_start_with_hardship():
    tips = metrics.tips_choose(
        score_change=-20,
        utilisation=Decimal("0.8"),
        on_time_rate=Decimal("0.5"),
        overdue_count=1,
        upcoming_count=1,
        adverse_changes=0,
        open_appeals=0,
    )

    assert tips == ["handling-financial-hardship", "repaying-on-time", "understanding-utilisation"]


def test_month_arithmetic_crosses_years():
    assert metrics.month_add(date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert metrics.month_labels(last_month=date(2026, 2, 1), months=3) == ["2025-12", "2026-01", "2026-02"]


money = st.decimals(min_value=0, max_value=10_000_000, places=2, allow_nan=False, allow_infinity=False)
rates = st.decimals(min_value=0, max_value=1, places=4, allow_nan=False, allow_infinity=False)
scores = st.integers(min_value=300, max_value=950)
utilisations = st.decimals(min_value=0, max_value=3, places=4, allow_nan=False, allow_infinity=False)
overdue_counts = st.integers(min_value=0, max_value=12)


@given(balance=money, limit=money)
def test_utilisation_is_never_negative(balance, limit):
    value = metrics.utilisation(balance=balance, limit=limit)
    assert value is None or value >= 0


@st.composite
def repayment_histories(draw):
    count = draw(st.integers(min_value=0, max_value=30))
    items = []
    for index in range(count):
        due = date(2025, 10, 1) + timedelta(days=draw(st.integers(min_value=0, max_value=420)))
        lateness = draw(st.none() | st.integers(min_value=-10, max_value=40))
        paid_on = None if lateness is None else due + timedelta(days=lateness)
        items.append(installment(due, paid_on=paid_on, pk=index))
    return items


@given(history=repayment_histories())
def test_on_time_rate_is_between_zero_and_one(history):
    rate, due, on_time, by_month = metrics.repayment_punctuality(installments=history, as_of=AS_OF, last_month=OCTOBER)
    assert rate is None or Decimal(0) <= rate <= Decimal(1)
    assert 0 <= on_time <= due == sum(month[1] for month in by_month)


def _rank(grade):
    return "ABCDE".index(grade)


@given(low=scores, high=scores, utilisation=utilisations, rate=rates, overdue=overdue_counts)
def test_a_higher_score_never_worsens_the_grade(low, high, utilisation, rate, overdue):
    low, high = sorted((low, high))
    grade = {"utilisation": utilisation, "on_time_rate": rate, "overdue_count": overdue}
    assert _rank(metrics.health_grade(score=high, **grade)) <= _rank(metrics.health_grade(score=low, **grade))


@given(score=scores, less=utilisations, more=utilisations, rate=rates, overdue=overdue_counts)
def test_more_utilisation_never_improves_the_grade(score, less, more, rate, overdue):
    less, more = sorted((less, more))
    grade = {"score": score, "on_time_rate": rate, "overdue_count": overdue}
    assert _rank(metrics.health_grade(utilisation=more, **grade)) >= _rank(
        metrics.health_grade(utilisation=less, **grade)
    )


@given(score=scores, utilisation=utilisations, worse=rates, better=rates, overdue=overdue_counts)
def test_a_better_on_time_rate_never_worsens_the_grade(score, utilisation, worse, better, overdue):
    worse, better = sorted((worse, better))
    grade = {"score": score, "utilisation": utilisation, "overdue_count": overdue}
    assert _rank(metrics.health_grade(on_time_rate=better, **grade)) <= _rank(
        metrics.health_grade(on_time_rate=worse, **grade)
    )


@given(score=scores, utilisation=utilisations, rate=rates, fewer=overdue_counts, more=overdue_counts)
def test_more_overdue_repayments_never_improve_the_grade(score, utilisation, rate, fewer, more):
    fewer, more = sorted((fewer, more))
    grade = {"score": score, "utilisation": utilisation, "on_time_rate": rate}
    assert _rank(metrics.health_grade(overdue_count=more, **grade)) >= _rank(
        metrics.health_grade(overdue_count=fewer, **grade)
    )


@given(
    change=st.none() | st.integers(min_value=-300, max_value=300),
    utilisation=st.none() | utilisations,
    rate=st.none() | rates,
    overdue=overdue_counts,
    upcoming=st.integers(min_value=0, max_value=5),
    adverse=st.integers(min_value=0, max_value=3),
    appeals=st.integers(min_value=0, max_value=3),
)
def test_always_three_distinct_tips_with_an_article(change, utilisation, rate, overdue, upcoming, adverse, appeals):
    tips = metrics.tips_choose(
        score_change=change,
        utilisation=utilisation,
        on_time_rate=rate,
        overdue_count=overdue,
        upcoming_count=upcoming,
        adverse_changes=adverse,
        open_appeals=appeals,
    )
    assert len(tips) == len(set(tips)) == 3
    assert set(tips) <= set(TIPS)
