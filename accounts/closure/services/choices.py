"""What a credit line allows the borrower to ask for: the wizard's choices and the new limit."""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from accounts.closure.outcome import latest_ledger_kind, line_paused_by_borrower
from accounts.models import ClosureRequest, CreditAccount
from portal.exceptions import PortalError
from portal.formatting import money

CENT = Decimal("0.01")


def closure_kinds_allowed(*, account):
    """The choices the wizard offers for ``account``, or a PortalError saying why there are none
    and what the borrower can do instead."""
    status = account.status
    if status == CreditAccount.Status.CLEARED:
        raise PortalError(
            _(
                "This credit line was cleared by the lender, so it cannot be changed here. You can still repay "
                "and see your balance. If you disagree with the clearance, you can appeal it: see your limit "
                "history for the decision and the appeal deadline."
            ),
            code="account_cleared",
        )
    if status == CreditAccount.Status.CLOSED:
        raise PortalError(_("This credit line is already closed."), code="account_closed")
    if status == CreditAccount.Status.FROZEN:
        if line_paused_by_borrower(status=status, latest_ledger_kind=latest_ledger_kind(account)):
            return [ClosureRequest.Kind.RESUME, ClosureRequest.Kind.CLOSE]
        raise PortalError(
            _(
                "This credit line is frozen after a risk review, so its limit cannot be changed here until the "
                "freeze is lifted. Your limit history explains why it was frozen and what would restore it; "
                "if you disagree, you can appeal the decision until the deadline shown there."
            ),
            code="account_frozen",
        )
    if account.credit_limit <= 0:
        raise PortalError(
            _("This credit line has no limit left and closes once the balance is repaid."), code="closing"
        )
    kinds = [ClosureRequest.Kind.PAUSE, ClosureRequest.Kind.CLOSE]
    if lower_limit_range(account=account) is not None:
        kinds.insert(0, ClosureRequest.Kind.LOWER)
    return kinds


def lower_limit_range(*, account):
    """(lowest, highest, step) for a new lower limit, or None when no lower amount is possible."""
    product = account.product
    step, minimum = Decimal(str(product.limit_step)), Decimal(str(product.min_limit))
    lowest = max(minimum, step)
    # Round the lowest up to a whole step.
    lowest = (lowest / step).to_integral_value(rounding="ROUND_CEILING") * step
    # The highest whole step strictly below the current limit.
    highest = ((Decimal(str(account.credit_limit)) - CENT) / step).to_integral_value(rounding="ROUND_FLOOR") * step
    if highest < lowest:
        return None
    return lowest.quantize(CENT), highest.quantize(CENT), step


def target_limit_validate(*, account, target_limit):
    """The new limit as a Decimal, or a PortalError that says which rule it breaks."""
    try:
        amount = Decimal(str(target_limit).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        raise PortalError(_("Enter the new limit as an amount, for example 10000."), field="target_limit") from None
    if not amount.is_finite():
        raise PortalError(_("Enter the new limit as an amount, for example 10000."), field="target_limit")
    currency = account.product.currency
    allowed = lower_limit_range(account=account)
    if allowed is None:
        raise PortalError(_("This limit cannot be lowered further; you can close the line instead."), field="kind")
    lowest, _highest, step = allowed
    if amount < 0:
        raise PortalError(_("The new limit cannot be negative."), field="target_limit")
    if amount >= account.credit_limit:
        raise PortalError(
            _("The new limit must be lower than your current limit of %(limit)s.")
            % {"limit": money(account.credit_limit, currency)},
            field="target_limit",
        )
    if amount < lowest:
        raise PortalError(
            _(
                "The lowest limit this product allows is %(lowest)s. To stop borrowing "
                "altogether, choose to close the line."
            )
            % {"lowest": money(lowest, currency)},
            field="target_limit",
        )
    if amount % step:
        raise PortalError(
            _("Choose an amount in steps of %(step)s, for example %(example)s.")
            % {"step": money(step, currency), "example": money(amount // step * step, currency)},
            field="target_limit",
        )
    return amount.quantize(CENT)


def choice_validate(*, account, kind, target_limit):
    if kind not in ClosureRequest.Kind.values:
        raise PortalError(_("Choose what you would like to do."), field="kind")
    if kind not in closure_kinds_allowed(account=account):
        raise PortalError(_("This choice is not available for this credit line."), field="kind")
    if kind == ClosureRequest.Kind.LOWER:
        return target_limit_validate(account=account, target_limit=target_limit)
    return None
