"""Issue 21, findings 6 and 9: ``import_core_data`` refuses a file without rows (exit code not 0),
reads GB18030 (and so GBK) files when told ``--encoding gb18030``, and shows its progress: a bar
on a terminal, a plain line every ``--progress-every`` seconds otherwise."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.utils import translation

from accounts.management.commands.import_core_data import Command
from accounts.models import CustomerRecord, RiskSignal
from tests.accounts.integration.support import database_state, id_number, run, write

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("world")]

SIGNALS_HEADER = "external_id,account_external_id,kind,value,observed_at\n"
SIGNAL = "SIG-{n},ACC-A,linked_overdue,{n},2025-06-01T09:00:00+08:00\n"
CUSTOMERS_CSV = (
    f"external_id,legal_name,national_id_number\nCUST-G1,欧阳娜娜,{id_number(7)}\nCUST-G2,龍鳳,{id_number(8)}\n"
)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("signals.csv", ""),
        ("signals.csv", "\n\n  \n\r\n"),
        ("signals.csv", SIGNALS_HEADER),
        ("signals.jsonl", ""),
        ("signals.jsonl", "\n   \n"),
    ],
)
def test_a_file_without_rows_is_refused(tmp_path, name, content):
    before = database_state()
    with translation.override("en"), pytest.raises(CommandError, match="holds no rows"):
        run("risk-signals", write(tmp_path, name, content))
    assert database_state() == before


def test_the_command_exits_non_zero_on_an_empty_file(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(connections, "close_all", lambda: None)  # the test's own connection stays
    path = write(tmp_path, "signals.csv", "")
    with pytest.raises(SystemExit) as exited:  # as from the shell: manage.py's own error handling
        Command().run_from_argv(["manage.py", "import_core_data", "--kind", "risk-signals", str(path)])
    assert exited.value.code != 0
    assert "CommandError" in capsys.readouterr().err


def _gb18030(tmp_path, content, name="customers.csv"):
    path = tmp_path / name
    path.write_bytes(content.encode("gb18030"))
    return path


@pytest.mark.parametrize("encoding", ["gb18030", "GB18030"])
def test_a_gb18030_file_is_read_when_its_encoding_is_named(tmp_path, encoding):
    path = _gb18030(tmp_path, CUSTOMERS_CSV)
    assert "2 rows read, 2 inserted" in run("customers", path, "--encoding", encoding)
    assert sorted(
        CustomerRecord.objects.filter(external_id__startswith="CUST-G").values_list("legal_name", flat=True)
    ) == [
        "欧阳娜娜",
        "龍鳳",
    ]


def test_a_gbk_file_is_read_as_gb18030(tmp_path):
    path = tmp_path / "customers.jsonl"
    path.write_bytes(
        f'{{"external_id": "CUST-K", "legal_name": "张三", "national_id_number": "{id_number(9)}"}}\n'.encode("gbk")
    )
    run("customers", path, "--encoding", "gb18030")
    assert CustomerRecord.objects.get(external_id="CUST-K").legal_name == "张三"


def test_a_gb18030_signals_file_takes_the_fast_path_where_there_is_one(tmp_path):
    content = SIGNALS_HEADER + "".join(SIGNAL.format(n=n) for n in range(1, 4)).replace(
        "linked_overdue", "linked_overdue"
    )
    path = _gb18030(tmp_path, "\ufeff" + content, "signals.csv")
    output = run("risk-signals", path, "--encoding", "gb18030")
    assert "3 rows read, 3 inserted" in output
    assert RiskSignal.objects.count() == 3


def test_without_the_encoding_a_gb18030_file_is_refused_by_line(tmp_path):
    path = _gb18030(tmp_path, CUSTOMERS_CSV)
    before = database_state()
    with translation.override("en"), pytest.raises(CommandError, match="line 2") as refused:
        run("customers", path)
    assert "--encoding" in str(refused.value)
    assert database_state() == before


def test_an_unknown_encoding_is_refused(tmp_path):
    with pytest.raises(CommandError, match="invalid choice"):
        run("customers", _gb18030(tmp_path, CUSTOMERS_CSV), "--encoding", "latin-1")


def test_off_a_terminal_progress_is_a_plain_line(tmp_path):
    path = write(tmp_path, "signals.csv", SIGNALS_HEADER + "".join(SIGNAL.format(n=n) for n in range(1, 31)))
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_core_data",
        "--kind",
        "risk-signals",
        "--chunk-size",
        "10",
        "--progress-every",
        "0",
        str(path),
        stdout=out,
        stderr=err,
    )
    lines = err.getvalue().splitlines()
    assert lines and all("MB read" in line for line in lines)
    assert "100%" in lines[-1]
    assert "30 rows read, 30 inserted, 0 updated, 0 unchanged" in out.getvalue()  # the summary, as before


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_on_a_terminal_progress_is_a_bar(tmp_path):
    path = write(
        tmp_path,
        "signals.jsonl",
        "".join(
            f'{{"external_id": "S{n}", "account_external_id": "ACC-A", "kind": "linked_overdue", "value": 1, '
            f'"observed_at": "2025-06-01T09:00:00+08:00"}}\n'
            for n in range(20)
        ),
    )
    err = Terminal()
    out = io.StringIO()
    call_command("import_core_data", "--kind", "risk-signals", "--chunk-size", "5", str(path), stdout=out, stderr=err)
    assert "risk-signals" in err.getvalue() and "━" in err.getvalue()
    assert "20 rows read, 20 inserted" in out.getvalue()


def test_a_field_past_the_csv_limit_is_refused_by_line(tmp_path):
    content = SIGNALS_HEADER + SIGNAL.format(n=1) + "SIG-2,ACC-A,linked_overdue,1," + '"' + "x" * 200_000 + '"\n'
    with translation.override("en"), pytest.raises(CommandError, match="line 3"):
        run("risk-signals", write(tmp_path, "signals.csv", content))


def test_a_json_number_past_pythons_digit_limit_is_refused_by_line(tmp_path):
    content = (
        '{"external_id": "S", "account_external_id": "ACC-A", "score": '
        + "9" * 5000
        + ', "observed_at": "2025-06-01T09:00:00+08:00"}\n'
    )
    with translation.override("en"), pytest.raises(CommandError, match="line 1"):
        run("score-updates", write(tmp_path, "scores.jsonl", content))
