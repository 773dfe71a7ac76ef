"""Where a page shows a decision, the way to appeal it."""

from django import template
from django.utils import timezone

from accounts.models import ClosureRequest, LimitChange
from appeals.decision_records import closure_request_appeal_deadline, limit_change_appealable

register = template.Library()


def _appealable(change):
    return change is not None and limit_change_appealable(change) and change.appeal_deadline > timezone.now()


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


@register.filter
def appealable_request(closure_request):
    """``{% if closure_request|appealable_request %}``: a rejected request still open to appeal."""
    deadline = closure_request_appeal_deadline(closure_request) if closure_request is not None else None
    return deadline is not None and deadline > timezone.now()


@register.simple_tag
def appealable_closure_request_for_notice(notice):
    """The rejected closure request a "could not be applied" notice told of, if still appealable.
    The notice is tied to its request by its idempotency key (closure_rejected:<id>)."""
    prefix = "closure_rejected:"
    key = notice.idempotency_key or ""
    if notice.kind != "closure_rejected" or not key.startswith(prefix) or not key[len(prefix) :].isdigit():
        return None
    closure_request = (
        ClosureRequest.objects.filter(pk=int(key[len(prefix) :]), account__customer_id=notice.recipient.customer_id)
        .select_related("account")
        .first()
    )
    return closure_request if appealable_request(closure_request) else None
