"""The accounts app's staff screens live with their subjects; importing them here registers them
when Django's admin looks for `accounts.admin`."""

from accounts.clearance import admin as clearance_admin
from accounts.closure import admin as closure_admin
from accounts.credit import admin as credit_admin
from accounts.identity import admin as identity_admin
from accounts.integration import admin as integration_admin
from accounts.repayment import admin as repayment_admin
from accounts.risk import admin as risk_admin
from accounts.risk.anomaly import admin as anomaly_admin

__all__ = [
    "anomaly_admin",
    "clearance_admin",
    "closure_admin",
    "credit_admin",
    "identity_admin",
    "integration_admin",
    "repayment_admin",
    "risk_admin",
]
