"""What a closure request does to a credit line, decided once (accounts.closure.outcome): the pure
rule over any limit, status, balance and ledger history, and carrying it out through the ledger."""

from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from accounts.closure.outcome import (
    LEDGER_KIND,
    REASON_CODE,
    ClosureOutcome,
    closure_outcome_apply,
    closure_outcome_decide,
    closure_outcome_for,
    line_paused_by_borrower,
)
from accounts.credit.services import limit_change_apply
from accounts.models import ClosureRequest, CreditAccount, LimitChange
from tests.factories import credit_account

Kind, Status = ClosureRequest.Kind, CreditAccount.Status

amounts = st.decimals(min_value=0, max_value=1_000_000, places=2, allow_nan=False, allow_infinity=False)
targets = st.decimals(min_value=Decimal("0.01"), max_value=1_000_000, places=2, allow_nan=False, allow_infinity=False)
statuses = st.sampled_from(Status.values)
ledger_kinds = st.none() | st.sampled_from(LimitChange.Kind.values)


@st.composite
def lines(draw, kind=None):
    """The arguments of closure_outcome_decide for one request on one line."""
    return {
        "kind": kind or draw(st.sampled_from(Kind.values)),
        "target_limit": draw(targets),
        "credit_limit": draw(amounts),
        "status": draw(statuses),
        "outstanding_balance": draw(amounts),
        "latest_ledger_kind": draw(ledger_kinds),
    }


@given(line=lines())
def test_no_request_ever_raises_a_limit(line):
    assert closure_outcome_decide(**line).new_limit <= line["credit_limit"]


@given(line=lines())
def test_a_refused_outcome_changes_nothing_and_an_applied_one_changes_something(line):
    outcome = closure_outcome_decide(**line)
    unchanged = (outcome.new_limit, outcome.new_status) == (line["credit_limit"], line["status"])
    assert unchanged == (not outcome.applies)


@given(line=lines())
def test_every_outcome_is_recorded_under_the_ledger_kind_of_its_request(line):
    assert closure_outcome_decide(**line).ledger_kind == LEDGER_KIND[line["kind"]]


@given(line=lines(), status=st.sampled_from([Status.CLOSED, Status.CLEARED]))
def test_a_closed_or_cleared_line_refuses_every_request(line, status):
    assert not closure_outcome_decide(**{**line, "status": status}).applies


@given(line=lines(kind=Kind.LOWER))
def test_a_lowering_applies_exactly_when_the_target_is_below_an_open_line_limit(line):
    outcome = closure_outcome_decide(**line)
    open_line = line["status"] not in (Status.CLOSED, Status.CLEARED)
    assert outcome.applies == (open_line and line["target_limit"] < line["credit_limit"])
    assert outcome.new_status == line["status"]


@given(line=lines(kind=Kind.PAUSE))
def test_a_pause_freezes_an_active_line_and_keeps_its_limit(line):
    outcome = closure_outcome_decide(**line)
    assert outcome.applies == (line["status"] == Status.ACTIVE)
    assert outcome.new_limit == line["credit_limit"]
    assert outcome.new_status in (line["status"], Status.FROZEN)


@given(line=lines(kind=Kind.RESUME))
def test_a_resume_is_possible_exactly_when_the_borrower_paused_the_line(line):
    outcome = closure_outcome_decide(**line)
    paused = line_paused_by_borrower(status=line["status"], latest_ledger_kind=line["latest_ledger_kind"])
    assert outcome.applies == paused
    assert outcome.new_limit == line["credit_limit"]
    assert outcome.new_status in (line["status"], Status.ACTIVE)


@given(line=lines(kind=Kind.CLOSE))
def test_a_closure_ends_at_limit_zero_and_is_closed_exactly_when_nothing_is_owed(line):
    outcome = closure_outcome_decide(**{**line, "status": Status.ACTIVE, "credit_limit": line["credit_limit"] + 1})
    assert outcome.applies
    assert outcome.new_limit == 0
    assert (outcome.new_status == Status.CLOSED) == (line["outstanding_balance"] <= 0)


@given(status=statuses, latest_ledger_kind=ledger_kinds)
def test_only_a_frozen_line_whose_newest_row_is_the_borrowers_pause_counts_as_paused(status, latest_ledger_kind):
    paused = line_paused_by_borrower(status=status, latest_ledger_kind=latest_ledger_kind)
    assert paused == (status == Status.FROZEN and latest_ledger_kind == LimitChange.Kind.VOLUNTARY_PAUSE)


@pytest.mark.parametrize(
    ("kind", "status", "limit", "message"),
    [
        ("lower", "active", "20000.00", "The limit was already at or below the amount you asked for."),
        ("pause", "frozen", "50000.00", "The line was no longer active, so there was nothing to pause."),
        ("resume", "active", "50000.00", "The line was no longer paused at your request, so it could not be resumed."),
        ("close", "cleared", "0.00", "The line was already closed or cleared."),
        ("close", "active", "0.00", "The line was already as you asked, so there was nothing to change."),
    ],
)
def test_a_refusal_tells_the_borrower_why(kind, status, limit, message):
    with translation.override("en"):
        outcome = closure_outcome_decide(
            kind=kind,
            target_limit=Decimal("20000.00"),
            credit_limit=Decimal(limit),
            status=status,
            outstanding_balance=Decimal("100.00"),
            latest_ledger_kind=LimitChange.Kind.RISK_FREEZE,
        )
    assert outcome == ClosureOutcome(
        new_limit=Decimal(limit), new_status=status, ledger_kind=LEDGER_KIND[kind], refusal=message
    )


@pytest.mark.django_db
def test_the_outcome_reads_the_newest_ledger_row_to_allow_a_resume(borrower):
    account = credit_account(customer=borrower.customer, credit_limit="30000.00")
    limit_change_apply(
        account=account, kind="voluntary_pause", new_status="frozen", reason_codes=[REASON_CODE], decided_by="borrower"
    )
    account.refresh_from_db()
    outcome = closure_outcome_for(closure_request=ClosureRequest(kind="resume"), account=account)
    assert outcome == ClosureOutcome(
        new_limit=Decimal("30000.00"), new_status="active", ledger_kind=LimitChange.Kind.RESTORATION
    )


@pytest.mark.django_db
def test_applying_an_outcome_writes_one_ledger_row_with_the_borrowers_reason(borrower):
    account = credit_account(customer=borrower.customer, credit_limit="30000.00", outstanding_balance="500.00")
    outcome = closure_outcome_for(closure_request=ClosureRequest(kind="close"), account=account)
    change = closure_outcome_apply(
        account=account,
        outcome=outcome,
        decided_by=LimitChange.DecidedBy.BORROWER,
        decided_by_user=borrower,
        source_reference="CR-2026-000001",
    )
    account.refresh_from_db()
    assert (account.credit_limit, account.status) == (Decimal("0.00"), "active")
    assert (change.kind, change.reason_codes, change.source_reference, change.decided_by_user) == (
        "voluntary_closure",
        [REASON_CODE],
        "CR-2026-000001",
        borrower,
    )


@pytest.mark.django_db
def test_a_refused_outcome_cannot_be_applied(borrower):
    account = credit_account(customer=borrower.customer, credit_limit="30000.00")
    outcome = closure_outcome_for(closure_request=ClosureRequest(kind="resume"), account=account)
    with pytest.raises(ValueError):
        closure_outcome_apply(
            account=account, outcome=outcome, decided_by="borrower", decided_by_user=borrower, source_reference=""
        )
    assert LimitChange.objects.filter(account=account).count() == 1
