"""The accounts app's data, one module per subject: logins and identity, and credit."""

from accounts.models.credit import (
    CreditAccount,
    CreditProduct,
    CreditScore,
    LimitChange,
    ReasonCode,
    RepaymentInstallment,
)
from accounts.models.identity import CustomerRecord, IdentityBindingAttempt, User, UserManager

__all__ = [
    "CreditAccount",
    "CreditProduct",
    "CreditScore",
    "CustomerRecord",
    "IdentityBindingAttempt",
    "LimitChange",
    "ReasonCode",
    "RepaymentInstallment",
    "User",
    "UserManager",
]
