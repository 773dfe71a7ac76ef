"""The accounts app's data, one module per subject: logins and identity, and credit."""

from accounts.models.identity import CustomerRecord, IdentityBindingAttempt, User, UserManager

__all__ = ["CustomerRecord", "IdentityBindingAttempt", "User", "UserManager"]
