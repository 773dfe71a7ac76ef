"""The core system's integration API: a service account upserts batches, all or nothing."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from accounts.credit.services import limit_change_apply
from accounts.identity import national_id
from accounts.models import (
    CreditAccount,
    CreditScore,
    CustomerRecord,
    LimitChange,
    RepaymentInstallment,
    RiskSignal,
)
from accounts.risk import services as risk
from portal.models import AuditEvent, Notification
from tests.accounts.integration.support import (
    ENDPOINTS,
    MISTYPED_ID,
    NEW_CUSTOMER_ID,
    VALID_ROWS,
    database_state,
    id_number,
    push,
)
from tests.factories import (
    RepaymentInstallmentFactory,
    RiskSignalFactory,
)

pytestmark = pytest.mark.django_db

# Happy paths


def test_customers_are_created_then_updated_without_keeping_the_id_number(core_client, service_account):
    number = NEW_CUSTOMER_ID
    response = push(core_client, "customers", [VALID_ROWS["customers"]])
    assert response.status_code == 200
    assert response.json() == {"created": 1, "updated": 0, "unchanged": 0, "errors": []}
    record = CustomerRecord.objects.get(external_id="CUST-NEW")
    assert record.national_id_hash == national_id.keyed_hash(number)
    assert record.national_id_last4 == number[-4:]
    assert number not in str(list(CustomerRecord.objects.values()))

    renamed = push(core_client, "customers", [{**VALID_ROWS["customers"], "legal_name": "王晓明"}])
    assert renamed.json() == {"created": 0, "updated": 1, "unchanged": 0, "errors": []}
    assert CustomerRecord.objects.get(external_id="CUST-NEW").legal_name == "王晓明"
    assert AuditEvent.objects.filter(action="customer.updated", actor=service_account).count() == 1


def test_a_new_account_opens_with_its_opening_ledger_row(core_client, world):
    response = push(core_client, "accounts", [{**VALID_ROWS["accounts"], "outstanding_balance": "300.00"}])
    assert response.json() == {"created": 1, "updated": 0, "unchanged": 0, "errors": []}
    account = CreditAccount.objects.get(external_id="ACC-NEW")
    assert (account.customer.external_id, account.credit_limit, account.outstanding_balance) == (
        "CUST-A",
        Decimal("20000.00"),
        Decimal("300.00"),
    )
    assert account.opened_at == datetime(2025, 1, 2, 1, 0, tzinfo=UTC)
    assert list(account.limit_changes.values_list("kind", "new_limit")) == [("opening", Decimal("20000.00"))]


def test_a_limit_change_from_the_core_system_is_a_core_sync_ledger_row_with_a_notice(
    core_client, world, service_account
):
    row = {
        **VALID_ROWS["accounts"],
        "external_id": "ACC-A",
        "credit_limit": "30000.00",
        "reason_codes": ["score_drop", "linked_overdue"],
        "source_reference": "CORE-DECISION-77",
    }
    response = push(core_client, "accounts", [{**row, "opened_at": world["account_a"].opened_at.isoformat()}])
    assert response.json() == {"created": 0, "updated": 1, "unchanged": 0, "errors": []}
    change = LimitChange.objects.filter(account=world["account_a"]).order_by("-sequence").first()
    assert (change.kind, change.decided_by, change.decided_by_user) == ("core_sync", "core_system", service_account)
    assert (change.previous_limit, change.new_limit) == (Decimal("50000.00"), Decimal("30000.00"))
    assert change.reason_codes == ["score_drop", "linked_overdue"]
    assert change.source_reference == "CORE-DECISION-77"
    assert change.appeal_deadline is not None
    notice = Notification.objects.get(recipient=world["borrower"])
    assert (notice.kind, change.notice) == ("limit_change.core_sync", notice)
    audit = AuditEvent.objects.get(action="limit_change.core_sync")
    assert audit.actor == service_account


def test_balance_and_opening_time_of_a_known_account_are_mirrored_without_a_ledger_row(
    core_client, world, service_account
):
    row = {
        **VALID_ROWS["accounts"],
        "external_id": "ACC-A",
        "credit_limit": "50000.00",
        "outstanding_balance": "777.70",
    }
    assert push(core_client, "accounts", [row]).json()["updated"] == 1
    account = CreditAccount.objects.get(external_id="ACC-A")
    assert (account.outstanding_balance, account.opened_at) == (
        Decimal("777.70"),
        datetime(2025, 1, 2, 1, 0, tzinfo=UTC),
    )
    assert account.limit_changes.count() == 1
    assert AuditEvent.objects.get(action="credit_account.synced").actor == service_account


def test_the_masked_repayment_source_of_an_account_is_mirrored(core_client, world):
    # Automatic repayment is offered only from a source account the core system reported.
    row = {**VALID_ROWS["accounts"], "external_id": "ACC-A", "credit_limit": "50000.00"}
    push(core_client, "accounts", [{**row, "repayment_source_masked": "招商银行 ****1234"}])
    assert CreditAccount.objects.get(external_id="ACC-A").repayment_source_masked == "招商银行 ****1234"

    push(core_client, "accounts", [row])
    assert CreditAccount.objects.get(external_id="ACC-A").repayment_source_masked == "招商银行 ****1234"


def test_an_unmasked_repayment_source_is_refused_and_nothing_is_kept(core_client, world):
    row = {**VALID_ROWS["accounts"], "external_id": "ACC-A", "credit_limit": "50000.00"}
    response = push(core_client, "accounts", [{**row, "repayment_source_masked": "6225 8812 3456 7890"}])

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "repayment_source_masked"
    assert CreditAccount.objects.get(external_id="ACC-A").repayment_source_masked == ""


def test_balances_are_set(core_client, world, service_account):
    rows = [VALID_ROWS["balances"], {"account_external_id": "ACC-B", "outstanding_balance": "0"}]
    response = push(core_client, "balances", rows)
    assert response.json() == {"created": 0, "updated": 1, "unchanged": 1, "errors": []}
    assert CreditAccount.objects.get(external_id="ACC-A").outstanding_balance == Decimal("1234.50")
    summary = AuditEvent.objects.get(action="integration.balances")
    assert (summary.actor, summary.after) == (service_account, {"created": 0, "updated": 1, "unchanged": 1})


def test_repayment_schedules_are_created_and_updated(core_client, world):
    existing = RepaymentInstallmentFactory(account=world["account_a"], external_id="INST-OLD", amount_due="500.00")
    rows = [
        VALID_ROWS["repayment-schedules"],
        {
            "external_id": "INST-OLD",
            "account_external_id": "ACC-A",
            "due_date": existing.due_date.isoformat(),
            "amount_due": "500.00",
            "amount_paid": "500.00",
            "paid_at": "2025-05-30T10:00:00+08:00",
            "status": "paid",
        },
    ]
    response = push(core_client, "repayment-schedules", rows)
    assert response.json() == {"created": 1, "updated": 1, "unchanged": 0, "errors": []}
    existing.refresh_from_db()
    assert (existing.status, existing.amount_paid) == ("paid", Decimal("500.00"))
    new = RepaymentInstallment.objects.get(external_id="INST-NEW")
    assert (new.account, new.amount_paid, new.paid_at) == (world["account_a"], Decimal("0.00"), None)


def test_a_score_update_is_a_signal_for_the_next_policy_run_and_a_point_in_the_score_history(core_client, world):
    response = push(core_client, "score-updates", [VALID_ROWS["score-updates"]])
    assert response.json() == {"created": 1, "updated": 0, "unchanged": 0, "errors": []}
    signal = RiskSignal.objects.get(external_id="SIG-SCORE-1")
    assert (signal.account, signal.kind, signal.value) == (world["account_a"], "score_update", Decimal("690.00"))
    assert risk.risk_evaluation_run_start().through_signal_id == signal.pk
    assert list(CreditScore.objects.values_list("account", "score", "scored_at")) == [
        (world["account_a"].pk, 690, datetime(2025, 6, 1, 3, 0, tzinfo=UTC))
    ]


def test_risk_signals_are_recorded_for_the_next_policy_run_and_a_score_signal_records_the_score(core_client, world):
    rows = [
        VALID_ROWS["risk-signals"],
        {**VALID_ROWS["risk-signals"], "external_id": "SIG-SPEED-1", "kind": "repayment_speed", "value": -1.5},
        {**VALID_ROWS["risk-signals"], "external_id": "SIG-SCORE-9", "kind": "score_update", "value": 705},
    ]
    response = push(core_client, "risk-signals", rows)
    assert response.json() == {"created": 3, "updated": 0, "unchanged": 0, "errors": []}
    assert sorted(RiskSignal.objects.values_list("kind", "value")) == [
        ("linked_overdue", Decimal("12.00")),
        ("repayment_speed", Decimal("-1.50")),
        ("score_update", Decimal("705.00")),
    ]
    assert list(CreditScore.objects.values_list("score", flat=True)) == [705]
    assert risk.risk_evaluation_run_start().accounts == 1


def test_an_observation_a_few_minutes_ahead_of_our_clock_is_accepted(core_client, world):
    row = {**VALID_ROWS["risk-signals"], "observed_at": "2025-06-01T12:04:59+08:00"}
    assert push(core_client, "risk-signals", [row]).status_code == 200


def test_a_signal_call_takes_a_bounded_number_of_queries(core_client, world, django_assert_max_num_queries):
    rows = [
        {
            "external_id": f"SIG-{number}",
            "account_external_id": "ACC-A",
            "kind": "score_update",
            "value": 600 + number,
            "observed_at": f"2025-06-01T{8 + number // 60:02d}:{number % 60:02d}:00+08:00",
        }
        for number in range(200)
    ]
    with django_assert_max_num_queries(20):
        response = push(core_client, "risk-signals", rows)
    assert response.json()["created"] == 200


# Idempotency


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_sending_the_same_call_twice_changes_nothing_the_second_time(core_client, world, endpoint):
    first = push(core_client, endpoint, [VALID_ROWS[endpoint]])
    assert first.status_code == 200
    before = database_state()
    second = push(core_client, endpoint, [VALID_ROWS[endpoint]])
    assert second.json() == {"created": 0, "updated": 0, "unchanged": 1, "errors": []}
    assert database_state() == before


def test_a_repeated_limit_change_adds_no_second_ledger_row_or_notice(core_client, world):
    row = {
        **VALID_ROWS["accounts"],
        "external_id": "ACC-A",
        "credit_limit": "30000.00",
        "reason_codes": ["score_drop"],
        "opened_at": world["account_a"].opened_at.isoformat(),
    }
    push(core_client, "accounts", [row])
    before = database_state()
    assert push(core_client, "accounts", [row]).json()["unchanged"] == 1
    assert database_state() == before


# Bad input: the whole call is refused with the row and field named, and nothing changes.

BAD_ROWS = [
    ("customers", {"external_id": "CUST-2", "national_id_number": id_number(2), "legal_name": 123}, "legal_name"),
    ("customers", {"external_id": "CUST-2", "national_id_number": MISTYPED_ID}, "national_id_number"),
    ("customers", {"external_id": "CUST-2", "national_id_number": "12345"}, "national_id_number"),
    ("customers", {"national_id_number": id_number(2)}, "external_id"),
    ("customers", {"external_id": "CUST-2"}, "national_id_number"),
    ("customers", {"external_id": "CUST-2", "national_id_number": id_number(2), "nickname": "小明"}, "nickname"),
    ("accounts", {"external_id": "ACC-2", "customer_external_id": "CUST-NOPE"}, "customer_external_id"),
    ("accounts", {"external_id": "ACC-2", "credit_limit": "-1.00"}, "credit_limit"),
    ("accounts", {"external_id": "ACC-2", "credit_limit": "lots"}, "credit_limit"),
    ("accounts", {"external_id": "ACC-2", "credit_limit": "10.001"}, "credit_limit"),
    ("accounts", {"external_id": "ACC-2", "outstanding_balance": "-0.01"}, "outstanding_balance"),
    ("accounts", {"external_id": "ACC-2", "product_code": "gold"}, "product_code"),
    ("accounts", {"external_id": "ACC-NEW"}, "external_id"),
    ("accounts", {"external_id": "ACC-2", "reason_codes": ["no_such_reason"]}, "reason_codes"),
    ("accounts", {"external_id": "ACC-2", "reason_codes": ["a", "b", "c", "d", "e"]}, "reason_codes"),
    ("accounts", {"external_id": "ACC-B", "customer_external_id": "CUST-B", "credit_limit": "100.00"}, "reason_codes"),
    ("accounts", {"external_id": "ACC-B", "credit_limit": "8000.00"}, "customer_external_id"),
    ("accounts", {"external_id": "ACC-2", "opened_at": "yesterday"}, "opened_at"),
    ("balances", {"account_external_id": "ACC-B", "outstanding_balance": "-5.00"}, "outstanding_balance"),
    ("balances", {"account_external_id": "ACC-NOPE"}, "account_external_id"),
    ("balances", {"account_external_id": "ACC-A"}, "account_external_id"),
    ("balances", {"account_external_id": "ACC-B", "outstanding_balance": True}, "outstanding_balance"),
    ("repayment-schedules", {"external_id": "INST-2", "amount_due": "-1200.00"}, "amount_due"),
    ("repayment-schedules", {"external_id": "INST-2", "amount_paid": "-1.00"}, "amount_paid"),
    ("repayment-schedules", {"external_id": "INST-2", "account_external_id": "ACC-NOPE"}, "account_external_id"),
    ("repayment-schedules", {"external_id": "INST-NEW"}, "external_id"),
    ("repayment-schedules", {"external_id": "INST-2", "due_date": "next week"}, "due_date"),
    ("repayment-schedules", {"external_id": "INST-2", "status": "forgiven"}, "status"),
    ("score-updates", {"external_id": "SIG-2", "score": 951}, "score"),
    ("score-updates", {"external_id": "SIG-2", "score": 299}, "score"),
    ("score-updates", {"external_id": "SIG-2", "score": "high"}, "score"),
    ("score-updates", {"external_id": "SIG-2", "observed_at": "2025-06-01T12:06:00+08:00"}, "observed_at"),
    ("score-updates", {"external_id": "SIG-2", "account_external_id": "ACC-NOPE"}, "account_external_id"),
    ("score-updates", {"external_id": "SIG-SCORE-1", "score": 691}, "external_id"),
    ("score-updates", {"external_id": "SIG-2", "score": 700}, "score"),
    ("risk-signals", {"external_id": "SIG-2", "kind": "mood"}, "kind"),
    ("risk-signals", {"external_id": "SIG-2", "observed_at": "2025-06-01T12:06:00+08:00"}, "observed_at"),
    ("risk-signals", {"external_id": "SIG-2", "value": [12]}, "value"),
    ("risk-signals", {"external_id": "SIG-2", "value": "-3"}, "value"),
    ("risk-signals", {"external_id": "SIG-2", "kind": "score_update", "value": "1000"}, "value"),
    ("risk-signals", {"external_id": "SIG-2", "account_external_id": "ACC-NOPE"}, "account_external_id"),
    ("risk-signals", {"external_id": "SIG-OVERDUE-1"}, "external_id"),
    ("risk-signals", {"external_id": 42}, "external_id"),
]


@pytest.mark.parametrize(("endpoint", "change", "field"), BAD_ROWS)
def test_a_bad_row_refuses_the_whole_call_and_names_row_and_field(core_client, world, endpoint, change, field):
    before = database_state()
    response = push(core_client, endpoint, [VALID_ROWS[endpoint], {**VALID_ROWS[endpoint], **change}])
    assert response.status_code == 400
    body = response.json()
    assert [(error["row"], error["field"]) for error in body["errors"]] == [(1, field)]
    assert body["errors"][0]["message"]
    assert (body["created"], body["updated"], body["unchanged"]) == (0, 0, 0)
    assert database_state() == before


def test_every_bad_row_is_reported_at_once(core_client, world):
    rows = [
        {**VALID_ROWS["risk-signals"], "kind": "mood"},
        VALID_ROWS["risk-signals"] | {"external_id": "SIG-2"},
        {**VALID_ROWS["risk-signals"], "external_id": "SIG-3", "account_external_id": "ACC-NOPE", "value": "x"},
        {**VALID_ROWS["risk-signals"], "external_id": "SIG-4", "account_external_id": "ACC-NOPE"},
    ]
    errors = push(core_client, "risk-signals", rows).json()["errors"]
    assert [(error["row"], error["field"]) for error in errors] == [
        (0, "kind"),
        (2, "value"),
        (3, "account_external_id"),
    ]


def test_a_score_clashing_with_one_already_recorded_at_that_time_is_refused(core_client, world):
    push(core_client, "score-updates", [VALID_ROWS["score-updates"]])
    before = database_state()
    row = {**VALID_ROWS["score-updates"], "external_id": "SIG-SCORE-2", "score": 640}
    response = push(core_client, "score-updates", [row])
    assert [(error["row"], error["field"]) for error in response.json()["errors"]] == [(0, "score")]
    assert database_state() == before


def test_a_signal_once_received_never_changes(core_client, world):
    push(core_client, "risk-signals", [VALID_ROWS["risk-signals"]])
    before = database_state()
    response = push(core_client, "risk-signals", [{**VALID_ROWS["risk-signals"], "value": "30"}])
    assert [(error["row"], error["field"]) for error in response.json()["errors"]] == [(0, "value")]
    assert database_state() == before


def test_the_limit_of_a_cleared_account_does_not_change_through_the_integration(core_client, world):
    limit_change_apply(
        account=world["account_b"],
        kind="clearance",
        new_limit="0",
        new_status="cleared",
        reason_codes=["fraud_suspicion"],
        decided_by="staff",
    )
    before = database_state()
    row = {
        **VALID_ROWS["accounts"],
        "external_id": "ACC-B",
        "customer_external_id": "CUST-B",
        "credit_limit": "8000.00",
        "reason_codes": ["appeal_outcome"],
    }
    response = push(core_client, "accounts", [row])
    assert [(error["row"], error["field"]) for error in response.json()["errors"]] == [(0, "credit_limit")]
    assert database_state() == before


def test_an_installment_cannot_move_to_another_account(core_client, world):
    RepaymentInstallmentFactory(account=world["account_a"], external_id="INST-NEW")
    before = database_state()
    row = {**VALID_ROWS["repayment-schedules"], "account_external_id": "ACC-B"}
    response = push(core_client, "repayment-schedules", [row])
    assert [(error["row"], error["field"]) for error in response.json()["errors"]] == [(0, "account_external_id")]
    assert database_state() == before


def test_an_existing_signal_of_another_account_is_reported_on_the_account_field(core_client, world):
    RiskSignalFactory(account=world["account_b"], external_id="SIG-OVERDUE-1", kind="linked_overdue", value="12")
    response = push(core_client, "risk-signals", [VALID_ROWS["risk-signals"]])
    assert [(error["row"], error["field"]) for error in response.json()["errors"]] == [(0, "account_external_id")]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"rows": []}, "rows"),
        ({"rows": "not a list"}, "rows"),
        ({}, "rows"),
        ({"rows": [VALID_ROWS["balances"]] * 1001}, "rows"),
        ({"rows": ["not an object"]}, "non_field_errors"),
    ],
)
def test_a_malformed_request_is_refused_as_a_whole(core_client, world, body, field):
    before = database_state()
    response = core_client.post("/api/integration/v1/balances/", body, format="json")
    assert response.status_code == 400
    assert {error["field"] for error in response.json()["errors"]} == {field}
    assert database_state() == before
