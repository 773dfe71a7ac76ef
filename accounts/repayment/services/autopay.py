"""Automatic repayment on or off, from the account the core system reported."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import RepaymentInstruction
from accounts.repayment.services.common import (
    Kind,
    RepaymentRefused,
    _account_lock,
    _audit,
    _pending_refuse,
    _send,
)


def autopay_set(*, user, account_id, enabled, request=None, now=None):
    """Ask the core system to turn automatic repayment on or off (from the reported source)."""
    now = now or timezone.now()
    enabled = bool(enabled)
    with transaction.atomic():
        account = _account_lock(user=user, account_id=account_id)
        if enabled and not account.repayment_source_masked:
            raise RepaymentRefused(
                _(
                    "The lender has not told us which account to repay from yet, so automatic repayment "
                    "cannot be turned on here. Please contact the lender to register one."
                ),
                code="no_source",
            )
        if account.autopay_enabled == enabled:
            raise RepaymentRefused(
                _("Automatic repayment is already on.") if enabled else _("Automatic repayment is already off."),
                code="autopay_unchanged",
            )
        _pending_refuse(account=account, kind=Kind.AUTOPAY)
        instruction = RepaymentInstruction.objects.create(
            account=account,
            kind=Kind.AUTOPAY,
            requested_by=user,
            parameters={"enabled": enabled, "source": account.repayment_source_masked},
            requested_at=now,
        )
        _audit(actor=user, action="requested", instruction=instruction, request=request, after={"enabled": enabled})
        _send(instruction, now=now, payload={"account": account.external_id, "enabled": enabled})
    return instruction
