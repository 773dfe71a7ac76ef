"""One borrower's report from plain data (no database): the stored columns agree with the
snapshot, totals add up, and the stored snapshot reads back as the same figures."""

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from education.models import HealthReport
from education.services.reports import health_report_compute, health_report_figures
from education.services.reports.compute import NO_APPEALS, user_id_bounds
from tests.education.test_report_metrics import AS_OF, OCTOBER, installment

money = st.decimals(min_value=0, max_value=1_000_000, places=2, allow_nan=False, allow_infinity=False)
accounts = st.lists(st.tuples(st.integers(1, 10_000), money, money, st.just("CNY")), max_size=3)
amounts = st.decimals(min_value=1, max_value=50_000, places=2, allow_nan=False, allow_infinity=False)
installments = st.lists(
    st.builds(
        lambda days, amount, pk: installment(AS_OF + timedelta(days=days), amount=str(amount), pk=pk),
        st.integers(-60, 60),
        amounts,
        st.integers(1, 10_000),
    ),
    max_size=8,
)
scores = st.lists(
    st.tuples(st.dates(min_value=date(2025, 11, 1), max_value=date(2026, 10, 31)), st.integers(300, 950)), max_size=6
)


def compute(*, accounts=(), scores=(), installments=(), changes=()):
    return health_report_compute(
        month=OCTOBER,
        as_of=AS_OF,
        accounts=list(accounts),
        scores=list(scores),
        installments=list(installments),
        changes=list(changes),
        appeals=NO_APPEALS,
    )


@given(accounts=accounts, scores=scores, installments=installments)
def test_the_stored_columns_are_the_snapshots_figures(accounts, scores, installments):
    columns, snapshot = compute(accounts=accounts, scores=scores, installments=installments)
    assert columns["grade"] == snapshot["grade"]
    assert columns["score"] == snapshot["score"]
    assert columns["score_change"] == snapshot["score_change"]
    # str() of None and of a string are themselves: the same comparison with or without a value.
    assert str(columns["utilisation"]) == str(snapshot["utilisation"])
    assert str(columns["on_time_rate"]) == str(snapshot["on_time_rate"])


@given(accounts=accounts, installments=installments)
def test_totals_add_up(accounts, installments):
    _columns, snapshot = compute(accounts=accounts, installments=installments)
    assert Decimal(snapshot["credit_limit"]) == sum((row[1] for row in accounts), Decimal(0))
    assert Decimal(snapshot["balance"]) == sum((row[2] for row in accounts), Decimal(0))
    assert Decimal(snapshot["upcoming_total"]) == sum((Decimal(item["amount"]) for item in snapshot["upcoming"]), 0)


@given(accounts=accounts, scores=scores, installments=installments)
def test_the_figures_read_back_from_the_snapshot(accounts, scores, installments):
    _columns, snapshot = compute(accounts=accounts, scores=scores, installments=installments)
    figures = health_report_figures(HealthReport(month=OCTOBER, snapshot=snapshot))
    assert figures["balance"] == Decimal(snapshot["balance"])
    assert figures["upcoming_total"] == sum((item["amount"] for item in figures["upcoming"]), Decimal(0))
    assert [(row["month"], int(row["score"])) for row in figures["score_rows"]] == figures["score_points"]
    assert figures["as_of"] == AS_OF


def test_a_borrower_without_data_gets_the_default_figures():
    columns, snapshot = compute()
    assert (columns["currency"], snapshot["credit_limit"], snapshot["score"], snapshot["overdue"]) == (
        "CNY",
        "0.00",
        None,
        [],
    )


@given(user_ids=st.lists(st.integers(1, 10**9), min_size=1, max_size=20))
def test_the_id_bounds_hold_every_id_of_the_chunk(user_ids):
    bounds = user_id_bounds(user_ids)
    assert all(bounds["user_id__gte"] <= user_id <= bounds["user_id__lte"] for user_id in user_ids)


def test_an_empty_chunk_has_an_empty_range():
    bounds = user_id_bounds([])
    assert bounds["user_id__gte"] > bounds["user_id__lte"]
