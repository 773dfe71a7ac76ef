"""Offers of a higher limit: no limit goes up without the borrower's consent.

An increase from the risk policy, the core system or staff is made as an offer. The borrower
accepts it (the ledger then applies it with the offer as its consent) or declines it, in one
step either way. A borrower who asked not to be offered increases is offered none, and asking
so withdraws the open ones. Every step is audited."""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.credit.services import CENT, limit_change_apply
from accounts.models import CreditAccount, IncreaseOffersOptOut, LimitChange, LimitOffer, User
from portal import notices
from portal.exceptions import PortalError
from portal.services import audit_event_record, notification_send

OFFER_LIFETIME = timedelta(days=14)
DECIDED_BY = {
    LimitOffer.Source.POLICY: LimitChange.DecidedBy.POLICY,
    LimitOffer.Source.CORE_SYSTEM: LimitChange.DecidedBy.CORE_SYSTEM,
    LimitOffer.Source.STAFF: LimitChange.DecidedBy.STAFF,
}


def offer_consent(offer):
    """The ledger's consent basis for an accepted offer."""
    return f"offer:{offer.pk}"


def increase_offers_opted_out(customer_id):
    return IncreaseOffersOptOut.objects.filter(customer_id=customer_id).exists()


def limit_offer_make(
    *,
    account,
    offered_limit,
    reason_zh,
    reason_en,
    source,
    reason_code="",
    offered_by=None,
    source_reference="",
    expires_at=None,
    now=None,
):
    """Offer ``account`` a higher limit. Returns the offer, or None when the borrower asked not to
    be offered increases. An older open offer on the account is withdrawn: one at a time."""
    now = now or timezone.now()
    offered_limit = Decimal(offered_limit).quantize(CENT)
    if increase_offers_opted_out(account.customer_id):
        return None
    with transaction.atomic():
        account = CreditAccount.objects.select_for_update(of=("self",)).select_related("product").get(pk=account.pk)
        if account.status != CreditAccount.Status.ACTIVE:
            raise PortalError(_("Only an active line can be offered a higher limit."), code="not_active")
        if offered_limit <= account.credit_limit:
            raise PortalError(_("An offer must be higher than the current limit."), field="offered_limit")
        _withdraw_open(account=account, actor=offered_by, now=now, why="superseded")
        offer = LimitOffer.objects.create(
            account=account,
            offered_limit=offered_limit,
            previous_limit=account.credit_limit,
            reason_code=reason_code,
            reason_zh=reason_zh,
            reason_en=reason_en,
            source=source,
            offered_by=offered_by,
            source_reference=source_reference,
            expires_at=expires_at or now + OFFER_LIFETIME,
            created_at=now,
        )
        audit_event_record(
            actor=offered_by,
            actor_label=None if offered_by else source,
            action="limit_offer.made",
            target=account,
            after={"offer": offer.pk, "offered_limit": str(offered_limit), "expires_at": offer.expires_at.isoformat()},
        )
        _offer_notice(offer)
    return offer


def _offer_notice(offer):
    recipient = User.objects.filter(customer_id=offer.account.customer_id).order_by("pk").first()
    if recipient is None:
        return None
    currency = offer.account.product.currency
    return notification_send(
        recipient=recipient,
        kind="limit_offer",
        template="limit_offer",
        link=f"/credit/{offer.account_id}/offers/{offer.pk}/",
        context={
            "account": {"external_id": offer.account.external_id},
            "offered_limit": notices.money(offer.offered_limit, currency),
            "previous_limit": notices.money(offer.previous_limit, currency),
            "reason": notices.localised(lambda: offer.reason),
            "expires_at": notices.moment(offer.expires_at),
            "offer_url": notices.site_path(f"/credit/{offer.account_id}/offers/{offer.pk}/"),
        },
    )


def _withdraw_open(*, account, actor, now, why):
    for offer in LimitOffer.objects.select_for_update().filter(account=account, status=LimitOffer.Status.OPEN):
        offer.status, offer.answered_at = LimitOffer.Status.WITHDRAWN, now
        offer.save(update_fields=["status", "answered_at"])
        audit_event_record(
            actor=actor, action="limit_offer.withdrawn", target=account, summary=why, after={"offer": offer.pk}
        )


class OfferClosed(PortalError):
    """The offer was answered, withdrawn or has expired: nothing changes."""

    status_code = 409


def _open_offer_lock(*, user, offer_id, account_id, now):
    """The borrower's offer, locked; refused (nothing changes) unless it is open and unexpired."""
    offer = (
        LimitOffer.objects.for_user(user)
        .select_for_update(of=("self",))
        .filter(pk=offer_id, account_id=account_id)
        .first()
    )
    if offer is None:
        raise LimitOffer.DoesNotExist
    if offer.status != LimitOffer.Status.OPEN or offer.is_expired(now):
        raise OfferClosed(
            _("This offer can no longer be answered: it was already answered, withdrawn or has expired."),
            code="offer_closed",
        )
    return offer


def limit_offer_accept(*, user, account_id, offer_id, channel, request=None, now=None):
    """Accept an open offer: the ledger raises the limit with the offer as consent."""
    now = now or timezone.now()
    with transaction.atomic():
        offer = _open_offer_lock(user=user, offer_id=offer_id, account_id=account_id, now=now)
        change = limit_change_apply(
            account=offer.account,
            kind=LimitChange.Kind.OFFER_ACCEPTED,
            new_limit=offer.offered_limit,
            decided_by=LimitChange.DecidedBy.BORROWER,
            decided_by_user=user,
            source_reference=f"offer:{offer.pk}",
            consent=offer_consent(offer),
            request=request,
        )
        _answer(offer, status=LimitOffer.Status.ACCEPTED, channel=channel, user=user, now=now, request=request)
        offer.limit_change = change
        offer.save(update_fields=["limit_change"])
    return offer


def limit_offer_decline(*, user, account_id, offer_id, channel, request=None, now=None):
    """Decline an open offer: nothing else changes."""
    now = now or timezone.now()
    with transaction.atomic():
        offer = _open_offer_lock(user=user, offer_id=offer_id, account_id=account_id, now=now)
        _answer(offer, status=LimitOffer.Status.DECLINED, channel=channel, user=user, now=now, request=request)
    return offer


def _answer(offer, *, status, channel, user, now, request):
    offer.status, offer.answered_at, offer.answer_channel = status, now, channel
    offer.save(update_fields=["status", "answered_at", "answer_channel"])
    audit_event_record(
        actor=user,
        action=f"limit_offer.{status}",
        target=offer.account,
        request=request,
        after={"offer": offer.pk, "offered_limit": str(offer.offered_limit), "channel": channel},
    )


def increase_offers_preference_set(*, user, opted_out, request=None, now=None):
    """ "Don't offer me increases" on or off for the borrower; on withdraws their open offers."""
    now = now or timezone.now()
    if user.customer_id is None:
        raise PortalError(_("Link your customer record first."), code="no_customer")
    with transaction.atomic():
        if opted_out:
            IncreaseOffersOptOut.objects.get_or_create(customer_id=user.customer_id, defaults={"created_at": now})
            for account in CreditAccount.objects.filter(customer_id=user.customer_id):
                _withdraw_open(account=account, actor=user, now=now, why="opted_out")
        else:
            IncreaseOffersOptOut.objects.filter(customer_id=user.customer_id).delete()
        audit_event_record(
            actor=user,
            action="limit_offer.preference",
            target=user,
            request=request,
            after={"no_increase_offers": bool(opted_out)},
        )


def limit_offers_expire(*, now=None):
    """Mark open offers past their expiry as expired. Returns how many."""
    now = now or timezone.now()
    return LimitOffer.objects.filter(status=LimitOffer.Status.OPEN, expires_at__lte=now).update(
        status=LimitOffer.Status.EXPIRED, answered_at=now
    )
