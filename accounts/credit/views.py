"""The borrower's credit pages: limit history and repayment schedule."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from accounts.credit import selectors


@login_required
def credit_history(request, account_id):
    account = selectors.credit_account_get(user=request.user, account_id=account_id)
    changes = selectors.limit_change_list(user=request.user, account=account)
    context = {"account": account, "changes": changes}
    # offers of a higher limit, their answers, and "don't offer me increases".
    context["offers"] = selectors.limit_offer_list(user=request.user, account=account)
    context["no_increase_offers"] = selectors.increase_offers_opted_out(user=request.user)
    return render(request, "accounts/credit_history.html", context)


@login_required
def credit_repayments(request, account_id):
    account = selectors.credit_account_get(user=request.user, account_id=account_id)
    installments = selectors.repayment_schedule(account=account)
    return render(request, "accounts/credit_repayments.html", {"account": account, "installments": installments})
