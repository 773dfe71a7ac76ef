"""What the integration tests share: the frozen time, ID numbers no factory makes, and helpers
that call the API or the import command and read back everything a call could change."""

from datetime import UTC, datetime
from io import StringIO

from django.core.management import call_command

from accounts.identity import national_id
from accounts.models import CreditAccount, CreditScore, CustomerRecord, LimitChange, RepaymentInstallment, RiskSignal
from portal.models import AuditEvent, Notification

NOW = datetime(2025, 6, 1, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


def id_number(sequence):
    """A valid ID number from a region the factories never use, so it cannot clash with theirs."""
    first_seventeen = f"31010419900202{sequence:03d}"
    return first_seventeen + national_id.check_character(first_seventeen)


NEW_CUSTOMER_ID = id_number(1)
# The same number with a wrong check character.
MISTYPED_ID = NEW_CUSTOMER_ID[:17] + ("1" if NEW_CUSTOMER_ID[17] == "0" else "0")
ENDPOINTS = ["customers", "accounts", "balances", "repayment-schedules", "score-updates", "risk-signals"]

# One valid row per endpoint, against the accounts and customers the `world` fixture creates.
VALID_ROWS = {
    "customers": {"external_id": "CUST-NEW", "legal_name": "王小明", "national_id_number": NEW_CUSTOMER_ID},
    "accounts": {
        "external_id": "ACC-NEW",
        "customer_external_id": "CUST-A",
        "product_code": "revolving",
        "credit_limit": "20000.00",
        "opened_at": "2025-01-02T09:00:00+08:00",
    },
    "balances": {"account_external_id": "ACC-A", "outstanding_balance": "1234.50"},
    "repayment-schedules": {
        "external_id": "INST-NEW",
        "account_external_id": "ACC-A",
        "due_date": "2025-07-10",
        "amount_due": "1200.00",
        "status": "scheduled",
    },
    "score-updates": {
        "external_id": "SIG-SCORE-1",
        "account_external_id": "ACC-A",
        "score": 690,
        "observed_at": "2025-06-01T11:00:00+08:00",
    },
    "risk-signals": {
        "external_id": "SIG-OVERDUE-1",
        "account_external_id": "ACC-A",
        "kind": "linked_overdue",
        "value": "12",
        "observed_at": "2025-06-01T11:00:00+08:00",
    },
}


def push(client, endpoint, rows):
    return client.post(f"/api/integration/v1/{endpoint}/", {"rows": rows}, format="json")


def database_state():
    """Everything a call could change, to show that a refused or repeated one changed nothing."""
    return {
        "customers": list(CustomerRecord.objects.order_by("pk").values_list("external_id", "legal_name", "updated_at")),
        "accounts": list(
            CreditAccount.objects.order_by("pk").values_list(
                "external_id", "credit_limit", "outstanding_balance", "status", "opened_at", "updated_at"
            )
        ),
        "limit_changes": LimitChange.objects.count(),
        "installments": list(
            RepaymentInstallment.objects.order_by("pk").values_list(
                "external_id", "account_id", "due_date", "amount_due", "amount_paid", "paid_at", "status"
            )
        ),
        "signals": list(RiskSignal.objects.order_by("pk").values_list("external_id", "kind", "value", "observed_at")),
        "scores": list(CreditScore.objects.order_by("pk").values_list("account_id", "score", "scored_at")),
        "audit_events": AuditEvent.objects.count(),
        "notifications": Notification.objects.count(),
    }


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def run(kind, path, *options):
    out = StringIO()
    call_command("import_core_data", "--kind", kind, *options, str(path), stdout=out)
    return out.getvalue()
