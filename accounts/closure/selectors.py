"""Reads for the closure-request wizard, scoped to the borrower who asks."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import ClosureRequest


def closure_request_list(*, user, account=None):
    """The borrower's own requests, newest first, with what the list shows in one query."""
    queryset = ClosureRequest.objects.for_user(user).select_related("account__product", "limit_change")
    if account is not None:
        queryset = queryset.filter(account=account)
    return queryset.order_by("-created_at", "-pk")


def closure_request_get(*, user, closure_request_id, account=None):
    """One of the borrower's own requests; another's (or a guessed id) is a 404."""
    return get_object_or_404(closure_request_list(user=user, account=account), pk=closure_request_id)


def closure_requests_cooling_off_by_account(*, user, now=None):
    """The borrower's submitted requests still in their cooling-off window, by account id, in one
    query for all their accounts (the dashboard's pending-change banners)."""
    now = now or timezone.now()
    queryset = ClosureRequest.objects.for_user(user).filter(
        status=ClosureRequest.Status.SUBMITTED, cooling_off_ends_at__gt=now
    )
    return {closure_request.account_id: closure_request for closure_request in queryset}


def closure_request_open_get(*, account):
    """The account's open request (draft or in cooling-off), if any."""
    return ClosureRequest.objects.open().filter(account=account).select_related("account__product").first()


def closure_draft_get(*, user, account, closure_request_id):
    """A draft the borrower may continue. Someone else's, or one that is expired, is a 404."""
    closure_request = closure_request_get(user=user, closure_request_id=closure_request_id, account=account)
    if closure_request.status == ClosureRequest.Status.EXPIRED or closure_request.draft_expired(timezone.now()):
        raise Http404("This draft expired.")
    return closure_request
