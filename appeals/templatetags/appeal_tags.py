"""Where a page shows a decision, the way to appeal it."""

from django import template
from django.utils import timezone

from accounts.models import LimitChange
from accounts.services.limits import APPEALABLE_KINDS

register = template.Library()


def _appealable(change):
    return (
        change is not None
        and change.kind in APPEALABLE_KINDS
        and change.appeal_deadline is not None
        and change.appeal_deadline > timezone.now()
    )


@register.filter
def appealable(change):
    """``{% if change|appealable %}``: the decision can still be appealed."""
    return _appealable(change)


@register.simple_tag
def appealable_change_for_notice(notice):
    """The decision a notice told the borrower about, if it can still be appealed (else None)."""
    if not notice.kind.startswith("limit_change."):
        return None
    change = LimitChange.objects.filter(notice=notice, account__customer_id=notice.recipient.customer_id).first()
    return change if _appealable(change) else None
