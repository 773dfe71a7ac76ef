"""What every step of the closure wizard shares: the conflict error, row locks, the owner and
draft checks, and the notices that carry the receipt.

Row locks follow the portal's one order (``portal.db``): the account first, then its closure
request; each lock takes its own row only (``of=("self",)``), never the shared credit product."""

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ClosureRequest, CreditAccount
from portal.exceptions import PortalError
from portal.services import notification_send


class ClosureConflict(PortalError):
    """The request is not in a state that allows this (the API answers 409)."""

    status_code = 409


def account_lock(account):
    """The account's row, locked (step 1 of the lock order); its product is read, not locked."""
    return CreditAccount.objects.select_for_update(of=("self",)).select_related("product").get(pk=account.pk)


def request_lock(closure_request):
    """The request's row, locked (step 2: lock its account first when the service changes both)."""
    return (
        ClosureRequest.objects.select_for_update(of=("self",))
        .select_related("account__product")
        .get(pk=closure_request.pk)
    )


def account_and_request_lock(closure_request):
    """(account, request), locked in the portal's order: the account, then the request. A
    request never moves to another account, so its account id may be read before the locks."""
    account = account_lock(CreditAccount(pk=closure_request.account_id))
    return account, request_lock(closure_request)


def owner_check(*, closure_request, user):
    if user.customer_id is None or closure_request.account.customer_id != user.customer_id:
        # Same answer as for a request that does not exist.
        raise ClosureRequest.DoesNotExist


def draft_check(closure_request, *, now=None):
    now = now or timezone.now()
    if closure_request.status != ClosureRequest.Status.DRAFT:
        raise ClosureConflict(
            _("This request has already been %(status)s; it can no longer be changed.")
            % {"status": closure_request.get_status_display()},
            code="not_draft",
        )
    if closure_request.draft_expired(now):
        raise ClosureConflict(
            _("This draft expired after 24 hours without activity. Please start again."), code="draft_expired"
        )


def draft_lock(*, closure_request, user):
    """The borrower's own draft, locked, still open to changes."""
    owner_check(closure_request=closure_request, user=user)
    closure_request = request_lock(closure_request)
    draft_check(closure_request)
    return closure_request


def closure_request_receipt_link(closure_request):
    return f"/credit/{closure_request.account_id}/manage/requests/{closure_request.pk}/"


def closure_receipt_context(*, closure_request):
    """What the receipt says, the same on the page, in the download, the notice and the email."""
    account = closure_request.account
    return {
        "closure_request": closure_request,
        "account": account,
        "currency": account.product.currency,
        # Lazy labels: a notice stores them in every language (portal.notices).
        "kind_label": ClosureRequest.Kind(closure_request.kind).label,
        "reason_label": ClosureRequest.Reason(closure_request.reason).label if closure_request.reason else "",
        "has_balance": account.outstanding_balance > 0,
    }


def receipt_notice_send(closure_request, *, kind, recipient, **extra_context):
    """Tell the borrower what happened to their request (``kind`` names the notice template), with
    the receipt attached; sent once per request and kind."""
    notification_send(
        recipient=recipient,
        kind=kind,
        template=kind,
        context={**closure_receipt_context(closure_request=closure_request), **extra_context},
        link=closure_request_receipt_link(closure_request),
        idempotency_key=f"{kind}:{closure_request.pk}",
    )
