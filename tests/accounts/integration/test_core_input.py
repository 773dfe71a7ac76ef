"""Issue 21: every bad value from the core system is a row error naming the row and the field,
on both paths (the API and ``import_core_data``), never a 500, a traceback or a poisoned row:
numbers with huge exponents, control characters in text, dates outside the stated window."""

import json

import pytest
from django.core.management.base import CommandError
from django.utils import translation

from accounts.integration import fields
from accounts.integration.services import ROW_KINDS
from tests.accounts.integration.support import VALID_ROWS, database_state, push, run, write

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("world")]

# Every field of every kind filled in, so each can be spoilt in turn.
FULL_ROWS = {
    **VALID_ROWS,
    "accounts": {
        **VALID_ROWS["accounts"],
        "outstanding_balance": "10.00",
        "reason_codes": ["score_drop"],
        "source_reference": "CORE-1",
        "repayment_source_masked": "招商银行 ****1234",
    },
    "repayment-schedules": {
        **VALID_ROWS["repayment-schedules"],
        "amount_paid": "0.00",
        "paid_at": "2025-05-09T20:00:00+08:00",
    },
}


def fields_of(*types):
    return [
        (kind, name)
        for kind, row_kind in ROW_KINDS.items()
        for name, parser in row_kind.fields.items()
        if isinstance(parser, types)
    ]


def spoilt(kind, name, value):
    return {**FULL_ROWS[kind], name: value}


def control_text(kind, name):
    value = FULL_ROWS[kind][name]
    return [value[0] + "\x00"] if isinstance(value, list) else value[:3] + "\x00" + value[3:]


def year_one(kind, name):
    return "0001-01-01" if isinstance(ROW_KINDS[kind].fields[name], fields.Day) else "0001-01-01T00:00:00+14:00"


NUMBERS = fields_of(fields.Number, fields.WholeNumber)
TEXTS = fields_of(fields.Text, fields.Choice, fields.CodeList, fields.NationalIdNumber)
DATES = fields_of(fields.Moment, fields.Day)
CASES = (
    [pytest.param(kind, name, "1e999999999", id=f"exponent-{kind}-{name}") for kind, name in NUMBERS]
    + [pytest.param(kind, name, control_text(kind, name), id=f"nul-{kind}-{name}") for kind, name in TEXTS]
    + [pytest.param(kind, name, year_one(kind, name), id=f"year-one-{kind}-{name}") for kind, name in DATES]
)


def test_every_kind_of_field_is_covered():
    assert (len(NUMBERS), len(TEXTS), len(DATES)) == (7, 18, 5)


def test_the_full_rows_are_valid(core_client):
    for kind, row in FULL_ROWS.items():
        assert push(core_client, kind, [row]).status_code == 200, kind


@pytest.mark.parametrize(("kind", "name", "value"), CASES)
def test_the_api_refuses_the_value_naming_row_and_field(core_client, kind, name, value):
    before = database_state()
    good = {**FULL_ROWS[kind]}
    response = push(core_client, kind, [good, spoilt(kind, name, value)])
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert (1, name) in {(error["row"], error["field"]) for error in response.json()["errors"]}
    assert database_state() == before


@pytest.mark.parametrize(("kind", "name", "value"), CASES)
def test_the_import_refuses_the_value_naming_line_and_field(tmp_path, kind, name, value):
    path = write(tmp_path, "rows.jsonl", json.dumps(spoilt(kind, name, value)) + "\n")
    before = database_state()
    with translation.override("en"), pytest.raises(CommandError) as refused:
        run(kind, path)
    assert (refused.value.__cause__.line, refused.value.__cause__.field) == (1, name)
    assert f"line 1, field “{name}”" in str(refused.value)
    assert database_state() == before


@pytest.mark.parametrize(
    ("value", "field"),
    [("1e999999999", "value"), ("12\x00", "value"), ("0001-01-01T00:00:00+14:00", "observed_at")],
)
def test_a_csv_file_is_refused_the_same_way(tmp_path, value, field):
    content = (
        "external_id,account_external_id,kind,value,observed_at\n"
        "SIG-1,ACC-A,linked_overdue,12,2025-06-01T09:00:00+08:00\n"
        f"SIG-2,ACC-A,linked_overdue,{value if field == 'value' else 3},"
        f"{value if field == 'observed_at' else '2025-06-01T09:00:00+08:00'}\n"
    )
    before = database_state()
    with translation.override("en"), pytest.raises(CommandError) as refused:
        run("risk-signals", write(tmp_path, "signals.csv", content))
    assert (refused.value.__cause__.line, refused.value.__cause__.field) == (3, field)
    assert database_state() == before


def test_a_year_one_signal_is_refused_and_its_correction_then_applies(core_client):
    row = {**VALID_ROWS["risk-signals"], "observed_at": "0001-01-01T00:00:00+14:00"}
    assert push(core_client, "risk-signals", [row]).status_code == 400
    corrected = push(core_client, "risk-signals", [VALID_ROWS["risk-signals"]])
    assert corrected.status_code == 200
    assert corrected.json()["created"] == 1
    assert push(core_client, "risk-signals", [VALID_ROWS["risk-signals"]]).json()["unchanged"] == 1


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("1999-12-31T23:59:59+08:00", False),  # before INTEGRATION_EARLIEST_DATE (2000-01-01)
        ("1969-12-31T23:59:59Z", False),
        ("2000-01-01T00:00:00+08:00", True),
        ("2025-06-01T12:04:00+08:00", True),  # 4 minutes ahead of the frozen clock: clocks differ
        ("2025-06-01T12:06:00+08:00", False),
        ("9999-12-31T23:59:59-14:00", False),
    ],
)
def test_observations_lie_in_the_window(core_client, value, accepted):
    response = push(core_client, "risk-signals", [{**VALID_ROWS["risk-signals"], "observed_at": value}])
    assert response.status_code == (200 if accepted else 400)


@pytest.mark.parametrize(
    ("value", "accepted"), [("1999-12-31", False), ("2065-06-01", True), ("2065-06-02", False), ("9999-12-31", False)]
)
def test_due_dates_lie_in_the_window(core_client, value, accepted):
    response = push(core_client, "repayment-schedules", [{**VALID_ROWS["repayment-schedules"], "due_date": value}])
    assert response.status_code == (200 if accepted else 400)


def test_the_earliest_date_is_a_setting_but_never_before_1970(core_client, settings):
    settings.INTEGRATION_EARLIEST_DATE = "1900-01-01"
    assert fields.earliest_date().isoformat() == "1970-01-01"
    row = {**VALID_ROWS["accounts"], "opened_at": "1980-01-01T00:00:00+08:00"}
    assert push(core_client, "accounts", [row]).status_code == 200


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("12345678.99", True),
        ("0001234567890.10", True),  # leading zeros are no digits
        ("1.500", True),  # nor are trailing decimal zeros
        (12.5, True),
        ("12345678901", False),
        ("1.005", False),
        ("1e3", False),
        (" 12", False),
        ("-0", False),
        ("-1", False),
        ("NaN", False),
        ("Infinity", False),
        ("1e-999999999", False),
        (1e300, False),
    ],
)
def test_amounts_are_checked_by_their_digits(core_client, value, accepted):
    response = push(core_client, "balances", [{**VALID_ROWS["balances"], "outstanding_balance": value}])
    assert response.status_code == (200 if accepted else 400), response.json()


def test_a_whole_number_of_thousands_of_digits_is_a_row_error(core_client):
    response = push(core_client, "score-updates", [{**VALID_ROWS["score-updates"], "score": "9" * 5000}])
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "score"


def test_an_unknown_field_with_a_control_character_is_named_printably(core_client):
    response = push(core_client, "balances", [{**VALID_ROWS["balances"], "no\x00te": "x"}])
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "no\\u0000te"
