"""``manage.py import_core_data``: the core system's CSV and JSON Lines files, all or nothing.

On PostgreSQL balances, repayment schedules, score updates and risk signals go through COPY and
a staging table; on SQLite through the ORM. The same tests hold for both."""

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.management.base import CommandError
from django.db import connection
from django.utils import translation

from accounts.identity import national_id
from accounts.models import (
    BalanceMovement,
    CreditAccount,
    CreditScore,
    CustomerRecord,
    LimitChange,
    RepaymentInstallment,
    RiskSignal,
)
from accounts.risk import services as risk
from portal.models import AuditEvent, Notification
from tests.accounts.integration.support import database_state, id_number, run, write
from tests.factories import RepaymentInstallmentFactory

pytestmark = pytest.mark.django_db

SIGNALS_CSV = """external_id,account_external_id,kind,value,observed_at
SIG-1,ACC-A,linked_overdue,12,2025-06-01T09:00:00+08:00
SIG-2,ACC-A,score_update,705,2025-06-01T09:00:00+08:00
SIG-3,ACC-B,repayment_speed,-2.5,2025-05-31 18:30:00
"""
BALANCES_CSV = """account_external_id,outstanding_balance
ACC-A,1500.00
ACC-B,0
"""
INSTALLMENTS_CSV = """external_id,account_external_id,due_date,amount_due,amount_paid,paid_at,status
INST-1,ACC-A,2025-06-10,1200.00,,,scheduled
INST-2,ACC-A,2025-05-10,1200.00,1200.00,2025-05-09T20:00:00+08:00,paid
"""


def jsonl(*rows):
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


SCORES_JSONL = jsonl(
    {
        "external_id": "SCORE-1",
        "account_external_id": "ACC-A",
        "score": 710,
        "observed_at": "2025-05-01T08:00:00+08:00",
    },
    {
        "external_id": "SCORE-2",
        "account_external_id": "ACC-A",
        "score": 655,
        "observed_at": "2025-06-01T08:00:00+08:00",
    },
)
CUSTOMERS_JSONL = jsonl(
    {"external_id": "CUST-N1", "legal_name": "李雷", "national_id_number": id_number(1)},
    {"external_id": "CUST-N2", "legal_name": "韩梅梅", "national_id_number": id_number(2)},
)
ACCOUNTS_JSONL = jsonl(
    {
        "external_id": "ACC-N1",
        "customer_external_id": "CUST-B",
        "product_code": "revolving",
        "credit_limit": 6000,
        "opened_at": "2025-03-01T10:00:00+08:00",
    },
    {
        "external_id": "ACC-A",
        "customer_external_id": "CUST-A",
        "product_code": "revolving",
        "credit_limit": 42000.00,
        "opened_at": "2025-01-01T10:00:00+08:00",
        "reason_codes": ["slow_repayment"],
        "source_reference": "CORE-9",
    },
)

FILES = {
    "risk-signals": ("signals.csv", SIGNALS_CSV),
    "balances": ("balances.csv", BALANCES_CSV),
    "repayment-schedules": ("installments.csv", INSTALLMENTS_CSV),
    "score-updates": ("scores.jsonl", SCORES_JSONL),
    "customers": ("customers.jsonl", CUSTOMERS_JSONL),
    "accounts": ("accounts.jsonl", ACCOUNTS_JSONL),
}


def test_a_risk_signals_csv_is_imported_for_the_next_policy_run(tmp_path, world):
    output = run("risk-signals", write(tmp_path, "signals.csv", SIGNALS_CSV))
    assert "3 rows read, 3 inserted, 0 updated, 0 unchanged" in output
    assert sorted(RiskSignal.objects.values_list("external_id", "account__external_id", "value")) == [
        ("SIG-1", "ACC-A", Decimal("12.00")),
        ("SIG-2", "ACC-A", Decimal("705.00")),
        ("SIG-3", "ACC-B", Decimal("-2.50")),
    ]
    assert risk.risk_evaluation_run_start().accounts == 2
    # A time without an offset is read in Shanghai time.
    assert RiskSignal.objects.get(external_id="SIG-3").observed_at == datetime(2025, 5, 31, 10, 30, tzinfo=UTC)
    assert list(CreditScore.objects.values_list("account__external_id", "score")) == [("ACC-A", 705)]
    summary = AuditEvent.objects.get(action="integration.risk-signals")
    assert summary.after == {"created": 3, "updated": 0, "unchanged": 0}
    assert "signals.csv" in summary.summary


def test_a_balances_csv_sets_balances(tmp_path, world):
    output = run("balances", write(tmp_path, "balances.csv", BALANCES_CSV))
    assert "2 rows read, 0 inserted, 1 updated, 1 unchanged" in output
    assert CreditAccount.objects.get(external_id="ACC-A").outstanding_balance == Decimal("1500.00")


def test_a_balances_file_records_each_changed_balance_as_a_movement(tmp_path, world):
    # Anomaly features count draws from these movements, on the COPY path as on the plain one.
    before = CreditAccount.objects.get(external_id="ACC-A").outstanding_balance

    run("balances", write(tmp_path, "balances.csv", BALANCES_CSV))

    account = CreditAccount.objects.get(external_id="ACC-A")
    assert list(BalanceMovement.objects.values_list("account_id", "amount", "balance_after")) == [
        (account.pk, Decimal("1500.00") - before, Decimal("1500.00"))
    ]


def test_a_repayment_schedule_csv_creates_then_updates_installments(tmp_path, world):
    run("repayment-schedules", write(tmp_path, "installments.csv", INSTALLMENTS_CSV))
    changed = INSTALLMENTS_CSV.replace(
        "INST-1,ACC-A,2025-06-10,1200.00,,,scheduled", "INST-1,ACC-A,2025-06-10,1200.00,200,,partial"
    )
    output = run("repayment-schedules", write(tmp_path, "installments-2.csv", changed))
    assert "2 rows read, 0 inserted, 1 updated, 1 unchanged" in output
    assert list(RepaymentInstallment.objects.order_by("external_id").values_list("status", "amount_paid")) == [
        ("partial", Decimal("200.00")),
        ("paid", Decimal("1200.00")),
    ]


def test_a_score_updates_jsonl_records_signals_and_scores(tmp_path, world):
    output = run("score-updates", write(tmp_path, "scores.jsonl", SCORES_JSONL))
    assert "2 rows read, 2 inserted, 0 updated, 0 unchanged" in output
    assert list(RiskSignal.objects.order_by("external_id").values_list("kind", "value")) == [
        ("score_update", Decimal("710.00")),
        ("score_update", Decimal("655.00")),
    ]
    assert list(CreditScore.objects.order_by("scored_at").values_list("score", flat=True)) == [710, 655]


def test_a_customers_jsonl_creates_records_without_keeping_the_number(tmp_path, world):
    output = run("customers", write(tmp_path, "customers.jsonl", CUSTOMERS_JSONL))
    assert "2 rows read, 2 inserted, 0 updated, 0 unchanged" in output
    record = CustomerRecord.objects.get(external_id="CUST-N1")
    assert (record.legal_name, record.national_id_last4) == ("李雷", id_number(1)[-4:])
    assert record.national_id_hash == national_id.keyed_hash(id_number(1))


def test_an_accounts_jsonl_opens_accounts_and_changes_limits_through_the_ledger(tmp_path, world):
    output = run("accounts", write(tmp_path, "accounts.jsonl", ACCOUNTS_JSONL))
    assert "2 rows read, 1 inserted, 1 updated, 0 unchanged" in output
    assert CreditAccount.objects.get(external_id="ACC-N1").credit_limit == Decimal("6000.00")
    change = LimitChange.objects.filter(account=world["account_a"]).order_by("-sequence").first()
    assert (change.kind, change.new_limit, change.reason_codes, change.source_reference) == (
        "core_sync",
        Decimal("42000.00"),
        ["slow_repayment"],
        "CORE-9",
    )
    assert Notification.objects.get(recipient=world["borrower"]).kind == "limit_change.core_sync"


@pytest.mark.parametrize("kind", sorted(FILES))
def test_importing_the_same_file_again_changes_nothing(tmp_path, world, kind):
    name, content = FILES[kind]
    path = write(tmp_path, name, content)
    run(kind, path)
    before = database_state()
    output = run(kind, path)
    rows = len(content.strip().splitlines()) - name.endswith(".csv")
    assert f"{rows} rows read, 0 inserted, 0 updated, {rows} unchanged" in output
    assert database_state() == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_on_postgresql_the_high_volume_kinds_load_through_copy(tmp_path, world):
    for kind in ("risk-signals", "balances", "repayment-schedules", "score-updates"):
        name, content = FILES[kind]
        assert f"({kind}, copy)" in run(kind, write(tmp_path, name, content))


@pytest.mark.skipif(connection.vendor == "postgresql", reason="PostgreSQL uses COPY")
def test_elsewhere_the_import_uses_the_orm_in_chunks(tmp_path, world):
    assert "(risk-signals, orm)" in run("risk-signals", write(tmp_path, "signals.csv", SIGNALS_CSV))


def test_chunks_do_not_change_the_outcome(tmp_path, world):
    output = run("risk-signals", write(tmp_path, "signals.csv", SIGNALS_CSV), "--chunk-size", "2")
    assert "3 rows read, 3 inserted" in output
    assert RiskSignal.objects.count() == 3


# A bad file: the command names file, line and field, and the database is as it was.

BAD_FILES = [
    ("risk-signals", "signals.csv", SIGNALS_CSV.replace("score_update,705", "score_update,abc"), 3, "value"),
    ("risk-signals", "signals.csv", SIGNALS_CSV.replace("SIG-2,ACC-A", "SIG-2,ACC-NOPE"), 3, "account_external_id"),
    ("risk-signals", "signals.csv", SIGNALS_CSV.replace("SIG-2,", "SIG-1,"), 3, "external_id"),
    (
        "risk-signals",
        "signals.csv",
        SIGNALS_CSV.replace("705,2025-06-01T09:00", "705,2025-06-01T12:06"),
        3,
        "observed_at",
    ),
    ("risk-signals", "signals.csv", SIGNALS_CSV.replace("score_update", "mood"), 3, "kind"),
    ("risk-signals", "signals.csv", SIGNALS_CSV.replace("kind,value", "kind,valeur"), 1, "valeur"),
    ("balances", "balances.csv", BALANCES_CSV.replace("ACC-B,0", "ACC-B,-10.00"), 3, "outstanding_balance"),
    ("balances", "balances.csv", BALANCES_CSV.replace("ACC-B,0", "ACC-A,0"), 3, "account_external_id"),
    (
        "repayment-schedules",
        "installments.csv",
        INSTALLMENTS_CSV.replace("1200.00,1200.00", "-1.00,0"),
        3,
        "amount_due",
    ),
    ("score-updates", "scores.jsonl", SCORES_JSONL.replace('"score": 655', '"score": 951'), 2, "score"),
    (
        "customers",
        "customers.jsonl",
        "\n" + CUSTOMERS_JSONL.replace(id_number(2), id_number(2)[:-1] + "Y"),
        3,
        "national_id_number",
    ),
    ("accounts", "accounts.jsonl", "\n" + ACCOUNTS_JSONL.replace("slow_repayment", "bad_luck"), 3, "reason_codes"),
]


@pytest.mark.parametrize(("kind", "name", "content", "line", "field"), BAD_FILES)
def test_a_bad_line_stops_the_import_names_file_line_and_field_and_keeps_nothing(
    tmp_path, world, kind, name, content, line, field
):
    path = write(tmp_path, name, content)
    before = database_state()
    # One row per chunk: the good rows before the bad one are written, then rolled back.
    with translation.override("en"), pytest.raises(CommandError) as refused:
        run(kind, path, "--chunk-size", "1")
    message = str(refused.value)
    assert str(path) in message
    assert f"line {line}" in message
    assert f"“{field}”" in message
    assert (refused.value.__cause__.line, refused.value.__cause__.field) == (line, field)
    assert database_state() == before


def test_a_line_that_is_not_json_is_refused_by_its_number(tmp_path, world):
    path = write(tmp_path, "scores.jsonl", "\n\n" + SCORES_JSONL.replace('"score": 655,', '"score": 655'))
    before = database_state()
    with translation.override("en"), pytest.raises(CommandError, match="line 4") as refused:
        run("score-updates", path, "--chunk-size", "1")
    assert "not valid JSON" in str(refused.value)
    assert database_state() == before


def test_a_line_that_is_not_utf8_is_refused_by_its_number(tmp_path, world):
    path = tmp_path / "signals.csv"
    path.write_bytes(SIGNALS_CSV.encode() + "SIG-4,ACC-A,linked_overdue,1,2025-06-01T09:00:00+08:00\n".encode("utf-16"))
    before = database_state()
    with translation.override("en"), pytest.raises(CommandError, match="line 5") as refused:
        run("risk-signals", path)
    assert "UTF-8" in str(refused.value)
    assert database_state() == before


def test_a_signal_changed_since_its_first_import_is_refused(tmp_path, world):
    run("risk-signals", write(tmp_path, "signals.csv", SIGNALS_CSV))
    before = database_state()
    changed = write(tmp_path, "signals-2.csv", SIGNALS_CSV.replace("linked_overdue,12", "linked_overdue,40"))
    with pytest.raises(CommandError) as refused:
        run("risk-signals", changed)
    assert (refused.value.__cause__.line, refused.value.__cause__.field) == (2, "value")
    assert database_state() == before


def test_an_installment_moved_to_another_account_is_refused(tmp_path, world):
    RepaymentInstallmentFactory(account=world["account_b"], external_id="INST-2")
    with pytest.raises(CommandError) as refused:
        run("repayment-schedules", write(tmp_path, "installments.csv", INSTALLMENTS_CSV))
    assert (refused.value.__cause__.line, refused.value.__cause__.field) == (3, "account_external_id")


def test_a_file_without_a_known_extension_is_refused(tmp_path, world):
    with pytest.raises(CommandError, match="signals.txt"):
        run("risk-signals", write(tmp_path, "signals.txt", SIGNALS_CSV))


def test_a_missing_file_is_refused(tmp_path, world):
    with pytest.raises(CommandError, match="nowhere.csv"):
        run("risk-signals", tmp_path / "nowhere.csv")
