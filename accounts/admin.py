"""The accounts app's staff screens live with their subjects; importing them here registers them
when Django's admin looks for `accounts.admin`."""

from accounts.clearance import admin as clearance_admin
from accounts.closure import admin as closure_admin
from accounts.credit import admin as credit_admin
from accounts.identity import admin as identity_admin
from accounts.risk import admin as risk_admin

__all__ = ["clearance_admin", "closure_admin", "credit_admin", "identity_admin", "risk_admin"]
