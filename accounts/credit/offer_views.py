"""The borrower's offers of a higher limit: read one, accept or decline it in one step,
and turn offers off or back on."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.credit import offers, selectors
from accounts.models import LimitOffer
from portal.exceptions import PortalError

ANSWERS = {"accept": offers.limit_offer_accept, "decline": offers.limit_offer_decline}


@login_required
def offer_detail(request, account_id, offer_id):
    account = selectors.credit_account_get(user=request.user, account_id=account_id)
    offer = selectors.limit_offer_get(user=request.user, account=account, offer_id=offer_id)
    answerable = offer.status == LimitOffer.Status.OPEN and not offer.is_expired()
    return render(
        request, "accounts/offers/detail.html", {"account": account, "offer": offer, "answerable": answerable}
    )


@login_required
@require_POST
def offer_answer(request, account_id, offer_id, answer):
    account = selectors.credit_account_get(user=request.user, account_id=account_id)
    offer = selectors.limit_offer_get(user=request.user, account=account, offer_id=offer_id)
    if answer not in ANSWERS:
        raise Http404
    try:
        ANSWERS[answer](
            user=request.user, account_id=account.pk, offer_id=offer.pk, channel=LimitOffer.Channel.WEB, request=request
        )
    except PortalError as error:
        messages.error(request, error.message)
        return redirect("credit_offer", account_id=account.pk, offer_id=offer.pk)
    if answer == "accept":
        messages.success(request, _("You accepted the offer: your new limit applies now."))
    else:
        messages.success(request, _("You declined the offer: your limit stays as it is."))
    return redirect("credit_history", account_id=account.pk)


@login_required
@require_POST
def offers_preference(request, account_id):
    account = selectors.credit_account_get(user=request.user, account_id=account_id)
    opted_out = request.POST.get("no_increase_offers") == "1"
    offers.increase_offers_preference_set(user=request.user, opted_out=opted_out, request=request)
    if opted_out:
        messages.success(request, _("We will not offer you limit increases. You can change this back at any time."))
    else:
        messages.success(request, _("We may offer you limit increases again. Nothing changes unless you accept."))
    return redirect("credit_history", account_id=account.pk)
