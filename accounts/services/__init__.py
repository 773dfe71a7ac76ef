"""Every write of the accounts app, one module per subject."""

from accounts.services.identity import (
    api_token_create,
    api_token_revoke,
    customer_record_upsert,
    identity_binding_attempts_purge,
    identity_binding_submit,
    user_preferences_update,
)

__all__ = [
    "api_token_create",
    "api_token_revoke",
    "customer_record_upsert",
    "identity_binding_attempts_purge",
    "identity_binding_submit",
    "user_preferences_update",
]
