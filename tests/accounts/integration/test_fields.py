"""The integration API's date and time fields read ISO 8601 and refuse anything else, in words."""

from datetime import UTC

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from accounts.integration.fields import Day, Moment, RowValueError
from tests.accounts.integration.support import NOW


@given(day=st.dates(), padding=st.sampled_from(["", " ", "\t"]))
def test_a_day_in_iso_8601_reads_as_itself(day, padding):
    assert Day().parse(f"{padding}{day.isoformat()}{padding}", now=NOW) == day


@given(moment=st.datetimes(max_value=NOW.replace(tzinfo=None), timezones=st.just(UTC)))
def test_a_past_moment_in_iso_8601_reads_as_itself(moment):
    assert Moment().parse(moment.isoformat(), now=NOW) == moment


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
