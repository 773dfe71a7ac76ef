"""What the core system may push, one validator per kind, and the writes that apply it.

Each kind (``ROW_KINDS``) declares its fields and checks a row in three steps, shared by the API
and the ``import_core_data`` command:

1. ``clean``: one row on its own (types, ranges, choices, times not in the future);
2. duplicates of the kind's key inside the batch;
3. ``check``: the rules that need the database (unknown accounts, customers, products and reason
   codes; a signal already received with other values; a limit change without reasons).

Only when every row passed does ``write`` change anything, so a batch is applied all or nothing.
A row equal to what is stored counts as unchanged and writes nothing, so sending the same batch
twice is harmless. Signals and score updates are observations: once received they never change
(a correction is a new signal with its own external id).

By subject: ``rows`` (what every kind shares), ``errors`` (how a call fails, and the shared
messages), ``customers``, ``credit_accounts``, ``balances`` (balances and repayment schedules),
``risk_signals`` (signals and score updates) and ``batches`` (``ROW_KINDS``,
``integration_rows_apply``). The names below are the package's public surface."""

from accounts.integration.services.balances import BalanceRows, InstallmentRows
from accounts.integration.services.batches import (
    ROW_KINDS,
    Batch,
    integration_kind_lock,
    integration_rows_apply,
    integration_summary_record,
)
from accounts.integration.services.credit_accounts import AccountRows
from accounts.integration.services.customers import CustomerRows
from accounts.integration.services.errors import (
    IntegrationConflict,
    IntegrationForbidden,
    IntegrationRowsRejected,
    duplicate_message,
    installment_moved_message,
    score_batch_conflict_message,
    score_conflict_message,
    signal_conflict_message,
    unknown_account_message,
)
from accounts.integration.services.idempotency import (
    KEY_PATTERN,
    Answer,
    IdempotencyKeyInvalid,
    idempotency_key_check,
    integration_idempotency_keys_expire,
    integration_idempotent_call,
)
from accounts.integration.services.risk_signals import RiskSignalRows, ScoreUpdateRows
from accounts.integration.services.rows import (
    ACCOUNT_EXTERNAL_ID,
    CORE_SYSTEM_LABEL,
    INTEGRATION_PERMISSION,
    MAX_ROWS_PER_CALL,
    NON_FIELD,
    SCORE_RANGE,
    ZERO,
    Counts,
    Row,
    RowError,
    RowKind,
    accounts_resolve,
    actor_label,
    integration_access_allowed,
)

__all__ = [
    "ACCOUNT_EXTERNAL_ID",
    "CORE_SYSTEM_LABEL",
    "INTEGRATION_PERMISSION",
    "KEY_PATTERN",
    "MAX_ROWS_PER_CALL",
    "NON_FIELD",
    "ROW_KINDS",
    "SCORE_RANGE",
    "ZERO",
    "AccountRows",
    "Answer",
    "BalanceRows",
    "Batch",
    "Counts",
    "IdempotencyKeyInvalid",
    "CustomerRows",
    "InstallmentRows",
    "IntegrationConflict",
    "IntegrationForbidden",
    "IntegrationRowsRejected",
    "RiskSignalRows",
    "Row",
    "RowError",
    "RowKind",
    "ScoreUpdateRows",
    "accounts_resolve",
    "actor_label",
    "integration_access_allowed",
    "duplicate_message",
    "idempotency_key_check",
    "installment_moved_message",
    "integration_idempotency_keys_expire",
    "integration_idempotent_call",
    "integration_kind_lock",
    "integration_rows_apply",
    "integration_summary_record",
    "score_batch_conflict_message",
    "score_conflict_message",
    "signal_conflict_message",
    "unknown_account_message",
]
