"""The integration API's date and time fields read ISO 8601 and refuse anything else, in words."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from accounts.integration.fields import Day, Moment, Number, RowValueError, Text
from tests.accounts.integration.support import NOW

# The window (settings): from INTEGRATION_EARLIEST_DATE (2000-01-01), due dates up to 40 years ahead.
EARLIEST, LATEST_DUE = date(2000, 1, 1), date(2065, 5, 28)


@given(day=st.dates(min_value=EARLIEST, max_value=LATEST_DUE), padding=st.sampled_from(["", " ", "\t"]))
def test_a_day_in_iso_8601_reads_as_itself(day, padding):
    assert Day().parse(f"{padding}{day.isoformat()}{padding}", now=NOW) == day


@given(
    moment=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=NOW.replace(tzinfo=None), timezones=st.just(UTC)
    ).filter(lambda moment: moment >= datetime(1999, 12, 31, 16, tzinfo=UTC))
)
def test_a_past_moment_in_iso_8601_reads_as_itself(moment):
    assert Moment().parse(moment.isoformat(), now=NOW) == moment


@given(day=st.dates(max_value=date(1999, 12, 31)) | st.dates(min_value=date(2065, 6, 2)))
def test_a_day_outside_the_window_is_refused(day):
    with translation.override("en"), pytest.raises(RowValueError, match="before 2000-01-01|after 2065-06-01"):
        Day().parse(day.isoformat(), now=NOW)


@given(moment=st.datetimes(max_value=datetime(1999, 12, 31, 1, 59), timezones=st.timezones()))
def test_a_moment_before_the_window_is_refused_in_any_zone(moment):
    with translation.override("en"), pytest.raises(RowValueError, match="before 2000-01-01"):
        Moment().parse(moment.isoformat(), now=NOW)


@given(
    number=st.decimals(allow_nan=True, allow_infinity=True)
    | st.from_regex(r"\A-?[0-9]{0,3}(\.[0-9]*)?[eE][+-]?[0-9]{1,12}\Z")
    | st.floats()
    | st.integers(),
    parser=st.sampled_from([Number(), Number(min_value=Decimal(0)), Number(max_digits=10)]),
)
def test_any_number_is_read_or_refused_never_an_arithmetic_error(number, parser):
    try:
        value = parser.parse(number if not isinstance(number, Decimal) else str(number), now=NOW)
    except RowValueError:
        return
    assert value.as_tuple().exponent == -parser.decimal_places
    assert abs(value) < Decimal(10) ** (parser.max_digits - parser.decimal_places)


@given(text=st.text(min_size=1).filter(lambda text: any(ord(c) < 32 or 127 <= ord(c) < 160 for c in text)))
def test_text_with_a_control_character_is_refused(text):
    with translation.override("en"), pytest.raises(RowValueError, match="control character"):
        Text().parse(text, now=NOW)


@given(
    parser=st.sampled_from([Day(), Moment()]),
    value=st.one_of(st.none(), st.integers(), st.floats(), st.lists(st.text(), max_size=2)),
)
def test_a_day_or_moment_that_is_not_text_is_refused_as_such(parser, value):
    with translation.override("en"), pytest.raises(RowValueError, match="as text"):
        parser.parse(value, now=NOW)


@given(parser=st.sampled_from([Day(), Moment()]), text=st.text(alphabet="abcXYZ:/ ", max_size=12))
def test_text_that_is_no_iso_8601_date_is_refused_with_an_example(parser, text):
    with translation.override("en"), pytest.raises(RowValueError, match="ISO 8601, e.g. 2025-03-31"):
        parser.parse(text, now=NOW)
