"""The errors a call can end with, and the messages that the row-by-row checks here and the
import's set-based checks (``imports.loaders``) both give, so a rule is worded once."""

from django.utils.translation import gettext as _

from portal.exceptions import PortalError


class IntegrationRowsRejected(PortalError):
    """Some rows broke a rule; nothing was applied. ``errors`` names every row and field."""

    def __init__(self, errors):
        super().__init__(_("Nothing was applied: correct the rows listed and send them again."), code="invalid_rows")
        self.errors = sorted(errors, key=lambda error: (error.row is None, error.row or 0, error.field))
        # 409 when every error is a conflict with the borrower's rights (an increase without
        # their consent), else 400.
        self.status_code = 409 if all(getattr(error, "conflict", False) for error in self.errors) else 400


class IntegrationConflict(PortalError):
    status_code = 409


class IntegrationForbidden(PortalError):
    status_code = 403


def duplicate_message(kind, key):
    return _("“%(key)s” appears more than once in this batch: send each %(field)s once.") % {
        "key": key,
        "field": kind.key_field,
    }


def unknown_account_message():
    return _("No credit account has this external id. Send the account first.")


def signal_conflict_message(field_name):
    return _(
        "A signal with this external id was already received with a different %(field)s. Signals never "
        "change: send a correction as a new signal with its own external id."
    ) % {"field": field_name}


def score_conflict_message(score):
    return _("A different score (%(score)s) is already recorded for this account at this time.") % {"score": score}


def installment_moved_message():
    return _("This installment belongs to another account; it cannot move between accounts.")


def score_batch_conflict_message():
    return _("Another row in this batch gives a different score for this account at the same time.")
