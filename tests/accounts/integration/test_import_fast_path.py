"""On PostgreSQL a risk-signals CSV whose rows are plainly valid is loaded whole by COPY and
checked set-based; anything else goes row by row. Both paths must leave the same data and
refuse the same rows with the same line and field."""

import pytest
from django.core.management.base import CommandError
from django.db import connection
from django.utils import translation

from accounts.integration.imports import signals_copy
from tests.accounts.integration.support import database_state, run, write

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("world"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path is PostgreSQL's"),
]

PLAIN_CSV = (
    "external_id,account_external_id,kind,value,observed_at\n"
    "SIG-1,ACC-A,linked_overdue,12,2025-06-01T09:00:00+08:00\n"
    "SIG-2,ACC-A,score_update,705,2025-06-01T09:00:00.250000+08:00\n"
    "SIG-3,ACC-B,repayment_speed,-2.50,2025-05-31T02:30:00Z\n"
    "SIG-4,ACC-B,score_update,688.00,2025-05-31T02:30:00+00:00\n"
)


def test_a_plain_file_loads_whole_and_matches_the_row_by_row_path(tmp_path, monkeypatch):
    path = write(tmp_path, "signals.csv", PLAIN_CSV)
    fast = []
    monkeypatch.setattr(signals_copy, "risk_signals_csv_copy", _spy(signals_copy.risk_signals_csv_copy, fast))
    assert "4 rows read, 4 inserted" in run("risk-signals", path)
    assert fast == [4]
    loaded = database_state()

    slow = write(tmp_path, "again.csv", PLAIN_CSV.replace("SIG-", "SLOW-"))
    monkeypatch.setattr(signals_copy, "risk_signals_csv_copy", lambda *args, **kwargs: None)
    run("risk-signals", slow)
    again = database_state()
    assert [row[1:] for row in again["signals"][4:]] == [row[1:] for row in loaded["signals"]]
    assert again["scores"] == loaded["scores"]


@pytest.mark.parametrize(
    ("change", "line", "field"),
    [
        (("SIG-3,ACC-B", "SIG-1,ACC-B"), 4, "external_id"),  # refused set-based, on the COPY path
        (("SIG-4,ACC-B", "SIG-4,ACC-NOPE"), 5, "account_external_id"),
        (("688.00", "688.5"), 5, "value"),  # refused row by row
        (("2025-05-31T02:30:00Z", "2025-05-31T24:30:00Z"), 4, "observed_at"),
        (("2025-05-31T02:30:00Z", "2099-05-31T02:30:00Z"), 4, "observed_at"),
    ],
)
def test_a_bad_row_is_named_whichever_path_finds_it(tmp_path, change, line, field):
    path = write(tmp_path, "signals.csv", PLAIN_CSV.replace(*change))
    before = database_state()
    with translation.override("en"), pytest.raises(CommandError) as refused:
        run("risk-signals", path)
    assert (refused.value.__cause__.line, refused.value.__cause__.field) == (line, field)
    assert database_state() == before


def test_a_quoted_line_break_goes_row_by_row(tmp_path, monkeypatch):
    # A line break is a control character, refused in any value (issue 21): by the row-by-row
    # path, which names the line the record starts on.
    content = PLAIN_CSV.replace("SIG-2,ACC-A,score_update,705,", 'SIG-2,ACC-A,score_update,"705\n",')
    fast = []
    monkeypatch.setattr(signals_copy, "risk_signals_csv_copy", _spy(signals_copy.risk_signals_csv_copy, fast))
    with translation.override("en"), pytest.raises(CommandError) as refused:
        run("risk-signals", write(tmp_path, "signals.csv", content))
    assert (refused.value.__cause__.line, refused.value.__cause__.field) == (3, "value")
    assert fast == [None]


def _spy(function, calls):
    def spy(*args, **kwargs):
        calls.append(function(*args, **kwargs))
        return calls[-1]

    return spy
