"""Every write of the accounts app, one module per subject."""

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
    "credit_account_open",
    "limit_change_apply",
    "api_token_create",
    "api_token_revoke",
    "customer_record_upsert",
    "identity_binding_attempts_purge",
    "identity_binding_submit",
    "user_preferences_update",
]
