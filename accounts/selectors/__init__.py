"""Reads of the accounts app, scoped to the person asking, one module per subject."""

from accounts.selectors.closure import (
    closure_draft_get,
    closure_request_get,
    closure_request_list,
    closure_request_open_get,
)
from accounts.selectors.credit import (
    credit_account_get,
    credit_account_list,
    credit_score_trend,
    identity_binding_attempts_left,
    identity_binding_lock_get,
    limit_change_list,
    next_installment_due,
    repayment_schedule,
)
from accounts.selectors.risk import risk_report_get

__all__ = [
    "closure_draft_get",
    "closure_request_get",
    "closure_request_list",
    "closure_request_open_get",
    "credit_account_get",
    "credit_account_list",
    "credit_score_trend",
    "identity_binding_attempts_left",
    "identity_binding_lock_get",
    "limit_change_list",
    "next_installment_due",
    "repayment_schedule",
    "risk_report_get",
]
