"""Every write of the accounts app, one module per subject."""

from accounts.services.closure import (
    closure_request_choice_update,
    closure_request_complete,
    closure_request_draft_create,
    closure_request_impact_acknowledge,
    closure_request_reason_set,
    closure_request_submit,
    closure_request_verify,
    closure_request_withdraw,
    closure_requests_process,
    closure_verification_code_send,
)
from accounts.services.identity import (
    api_token_create,
    api_token_revoke,
    customer_record_upsert,
    identity_binding_attempts_purge,
    identity_binding_submit,
    user_preferences_update,
)
from accounts.services.limits import credit_account_open, limit_change_apply

__all__ = [
    "closure_request_choice_update",
    "closure_request_complete",
    "closure_request_draft_create",
    "closure_request_impact_acknowledge",
    "closure_request_reason_set",
    "closure_request_submit",
    "closure_request_verify",
    "closure_request_withdraw",
    "closure_requests_process",
    "closure_verification_code_send",
    "credit_account_open",
    "limit_change_apply",
    "api_token_create",
    "api_token_revoke",
    "customer_record_upsert",
    "identity_binding_attempts_purge",
    "identity_binding_submit",
    "user_preferences_update",
]
