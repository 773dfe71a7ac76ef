"""The borrower's sealed statement: their limit changes on one account and their notices, each
with a Merkle inclusion proof against a signed block head, as a JSON download they can check
offline with ``python -m portal.integrity.verify``."""

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from accounts.credit import selectors
from accounts.models import LimitChange
from portal.integrity.statements import statement_build
from portal.models import Notification


def statement_rows(*, user, account):
    """What the statement covers, scoped to the asking borrower: the account's ledger, oldest
    first, then their own notices."""
    changes = LimitChange.objects.for_user(user).filter(account=account).order_by("sequence")
    notices = Notification.objects.for_recipient(user).order_by("created_at", "pk")
    return [(LimitChange._meta.label_lower, pk) for pk in changes.values_list("pk", flat=True)] + [
        (Notification._meta.label_lower, pk) for pk in notices.values_list("pk", flat=True)
    ]


@login_required
@require_GET
def credit_statement(request, account_id):
    account = selectors.credit_account_get(user=request.user, account_id=account_id)
    statement = statement_build(
        subject={"account": account.external_id, "user": request.user.pk},
        rows=statement_rows(user=request.user, account=account),
    )
    response = HttpResponse(
        json.dumps(statement, ensure_ascii=False, indent=1, sort_keys=True),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="statement-{account.external_id}.json"'
    response["Cache-Control"] = "private, no-store"
    return response
