"""The borrower's offers of a higher limit: read one, accept or decline it in one step,
and turn offers off or back on; or answer from the email's link without signing in."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

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


@never_cache
@require_http_methods(["GET", "POST"])
def offer_answer_link(request, token):
    """The page an email link opens: the offer and one button for the answer the link carries.
    The signed token proves who answers, so no sign-in is needed; GET never changes anything."""
    try:
        offer, recipient, answer = offers.offer_answer_link_read(token)
    except offers.OfferLinkInvalid:
        raise Http404 from None
    except offers.OfferLinkExpired:
        return render(request, "accounts/offers/answer_link.html", {"link_expired": True}, status=410)
    _speak_as_the_email(request, recipient)
    status = 200
    if request.method == "POST":
        try:
            offers.limit_offer_answer_by_link(token=token, request=request)
        except PortalError as error:
            messages.error(request, error.message)
            status = error.status_code
        else:
            if answer == "accept":
                messages.success(request, _("You accepted the offer: your new limit applies now."))
            else:
                messages.success(request, _("You declined the offer: your limit stays as it is."))
            return redirect("offer_answer_link", token=token)
        offer.refresh_from_db()
    context = {
        "offer": offer,
        "account": offer.account,
        "answer": answer,
        "answerable": offer.status == LimitOffer.Status.OPEN and not offer.is_expired(),
    }
    # An offer past its expiry reads as expired even before the hourly job marks it so.
    expired = offer.status == LimitOffer.Status.OPEN and offer.is_expired()
    context["status_label"] = LimitOffer.Status.EXPIRED.label if expired else offer.get_status_display()
    return render(request, "accounts/offers/answer_link.html", context, status=status)


def _speak_as_the_email(request, recipient):
    """A visitor who chose no language (opened the link signed out, on another device) reads the
    page in the language of the email it came from."""
    if request.user.is_authenticated or settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
        return
    translation.activate(recipient.preferred_language)
    request.LANGUAGE_CODE = translation.get_language()
