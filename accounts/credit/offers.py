"""Offers of a higher limit: no limit goes up without the borrower's consent.

An increase from the risk policy, the core system or staff is made as an offer. The borrower
accepts it (the ledger then applies it with the offer as its consent) or declines it, in one
step either way. A borrower who asked not to be offered increases is offered none, and asking
so withdraws the open ones. Every step is audited.

Offers come from staff (above ``LIMIT_OFFER_SECOND_APPROVAL_ABOVE`` a second staff member approves
before the borrower sees it), from the core system (the integration API) and from the daily rule
in ``offer_rules``. The offer email carries an accept link and a decline link: each a signed,
expiring token naming the offer, the borrower and the answer, usable once since an answered offer
is no longer open."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.credit.services import CENT, limit_change_apply
from accounts.models import CreditAccount, IncreaseOffersOptOut, LimitChange, LimitOffer, User
from portal import notices
from portal.exceptions import PortalError
from portal.services import audit_event_record, notification_send

OFFER_LIFETIME = timedelta(days=14)
# The longest an offer may stay open, whoever makes it.
MAX_OFFER_DAYS = 90
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


def needs_second_approval(*, source, offered_limit):
    """A staff offer above the setting waits for a second staff member (four eyes)."""
    return source == LimitOffer.Source.STAFF and offered_limit > settings.LIMIT_OFFER_SECOND_APPROVAL_ABOVE


class OfferNotPossible(PortalError):
    """The line is not in a state to be offered more (closed, frozen, or cleared)."""

    status_code = 409


def _offerable_check(account, offered_limit):
    if account.status != CreditAccount.Status.ACTIVE:
        raise OfferNotPossible(_("Only an active line can be offered a higher limit."), code="not_active")
    if offered_limit <= account.credit_limit:
        raise PortalError(
            _("An offer must be higher than the current limit (%(limit)s).") % {"limit": account.credit_limit},
            field="offered_limit",
        )


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
    request=None,
    now=None,
):
    """Offer ``account`` a higher limit. Returns the offer, or None when the borrower asked not to
    be offered increases. An older open offer on the account is withdrawn: one at a time. A staff
    offer that needs a second approval is kept back (``pending``) and reaches nobody yet."""
    now = now or timezone.now()
    offered_limit = Decimal(offered_limit).quantize(CENT)
    expires_at = expires_at or now + OFFER_LIFETIME
    expiry_check(expires_at, now=now)
    if increase_offers_opted_out(account.customer_id):
        return None
    with transaction.atomic():
        account = CreditAccount.objects.select_for_update(of=("self",)).select_related("product").get(pk=account.pk)
        _offerable_check(account, offered_limit)
        pending = needs_second_approval(source=source, offered_limit=offered_limit)
        if not pending:
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
            expires_at=expires_at,
            status=LimitOffer.Status.PENDING_APPROVAL if pending else LimitOffer.Status.OPEN,
            created_at=now,
        )
        audit_event_record(
            actor=offered_by,
            actor_label=None if offered_by else source,
            action="limit_offer.made",
            target=account,
            request=request,
            after={
                "offer": offer.pk,
                "source": source,
                "status": offer.status,
                "offered_limit": str(offered_limit),
                "expires_at": offer.expires_at.isoformat(),
            },
        )
        if not pending:
            _offer_notice(offer)
    return offer


def expiry_check(expires_at, *, now):
    if not now < expires_at <= now + timedelta(days=MAX_OFFER_DAYS):
        raise PortalError(
            _("Choose an expiry in the future and at most %(days)s days ahead.") % {"days": MAX_OFFER_DAYS},
            field="expires_at",
        )


def _staff_permission_check(actor, permission):
    if not (actor and actor.is_active and actor.is_staff and actor.has_perm(permission)):
        raise PortalError(_("You do not have permission to do this."), code="permission_denied")


def limit_offer_staff_make(*, actor, account, offered_limit, reason_zh, reason_en, expires_at, request=None, now=None):
    """A staff member offers ``account`` a higher limit. Refused when the borrower asked not to be
    offered increases (nothing is made), or when the expiry is past or too far ahead."""
    now = now or timezone.now()
    _staff_permission_check(actor, "accounts.add_limitoffer")
    expiry_check(expires_at, now=now)
    if increase_offers_opted_out(account.customer_id):
        raise OfferNotPossible(
            _("This borrower asked not to be offered limit increases: no offer was made."), code="opted_out"
        )
    return limit_offer_make(
        account=account,
        offered_limit=offered_limit,
        reason_zh=reason_zh,
        reason_en=reason_en,
        source=LimitOffer.Source.STAFF,
        offered_by=actor,
        expires_at=expires_at,
        request=request,
        now=now,
    )


def _staff_offer_lock(offer_id):
    return LimitOffer.objects.select_for_update(of=("self",)).select_related("account__product").get(pk=offer_id)


def limit_offer_approve(*, actor, offer_id, request=None, now=None):
    """A second staff member lets a large staff offer reach the borrower. The one who made it
    cannot approve it. If the borrower has since opted out, the offer is withdrawn instead."""
    now = now or timezone.now()
    _staff_permission_check(actor, "accounts.approve_limitoffer")
    with transaction.atomic():
        offer = _staff_offer_lock(offer_id)
        if offer.status != LimitOffer.Status.PENDING_APPROVAL:
            raise OfferClosed(_("This offer is not awaiting approval."), code="not_pending")
        if offer.offered_by_id == actor.pk:
            raise PortalError(_("Someone other than the person who made this offer must approve it."), code="four_eyes")
        if offer.is_expired(now):
            raise OfferClosed(_("This offer has expired: make a new one if it still applies."), code="offer_closed")
        account = CreditAccount.objects.select_for_update(of=("self",)).get(pk=offer.account_id)
        if increase_offers_opted_out(account.customer_id):
            _withdraw(offer, actor=actor, now=now, why="opted_out", request=request)
            return offer
        _offerable_check(account, offer.offered_limit)
        _withdraw_open(account=account, actor=actor, now=now, why="superseded")
        offer.status, offer.approved_by = LimitOffer.Status.OPEN, actor
        offer.save(update_fields=["status", "approved_by"])
        audit_event_record(
            actor=actor,
            action="limit_offer.approved",
            target=account,
            request=request,
            after={"offer": offer.pk, "offered_limit": str(offer.offered_limit), "made_by": offer.offered_by_id},
        )
        _offer_notice(offer)
    return offer


def limit_offer_withdraw(*, actor, offer_id, request=None, now=None):
    """Staff withdraw an open (or not yet approved) offer: its links stop working."""
    now = now or timezone.now()
    _staff_permission_check(actor, "accounts.change_limitoffer")
    with transaction.atomic():
        offer = _staff_offer_lock(offer_id)
        if offer.status not in (LimitOffer.Status.OPEN, LimitOffer.Status.PENDING_APPROVAL):
            raise OfferClosed(_("Only an open offer can be withdrawn."), code="offer_closed")
        _withdraw(offer, actor=actor, now=now, why="staff", request=request)
    return offer


def _withdraw(offer, *, actor, now, why, request=None):
    offer.status, offer.answered_at = LimitOffer.Status.WITHDRAWN, now
    offer.save(update_fields=["status", "answered_at"])
    audit_event_record(
        actor=actor,
        action="limit_offer.withdrawn",
        target=offer.account,
        summary=why,
        request=request,
        after={"offer": offer.pk},
    )


# Answer links: signed with the site's secret under their own salt, so no other signed value
# of the site can stand in for one.
ANSWER_LINK_SALT = "accounts.limit_offer.answer"
ANSWERS = ("accept", "decline")


class OfferLinkInvalid(Exception):
    """A tampered link, or one that names an offer that is not this borrower's: answered as 404."""


class OfferLinkExpired(Exception):
    """A genuine link past ``LIMIT_OFFER_LINK_MAX_DAYS``."""


def offer_answer_token(offer, *, recipient, answer):
    """The token of one answer link: the offer, the borrower it was sent to, and the answer."""
    return signing.dumps({"offer": offer.pk, "user": recipient.pk, "answer": answer}, salt=ANSWER_LINK_SALT)


def offer_answer_link_read(token):
    """``(offer, user, answer)`` of a link, or ``OfferLinkInvalid`` / ``OfferLinkExpired``."""
    try:
        data = signing.loads(token, salt=ANSWER_LINK_SALT, max_age=timedelta(days=settings.LIMIT_OFFER_LINK_MAX_DAYS))
    except signing.SignatureExpired:
        raise OfferLinkExpired from None
    except signing.BadSignature:
        raise OfferLinkInvalid from None
    if not isinstance(data, dict) or data.get("answer") not in ANSWERS:
        raise OfferLinkInvalid
    user = User.objects.filter(pk=data.get("user"), is_active=True).first()
    offer = (
        LimitOffer.objects.for_user(user).filter(pk=data.get("offer")).select_related("account__product").first()
        if user is not None
        else None
    )
    if offer is None:
        raise OfferLinkInvalid
    return offer, user, data["answer"]


def limit_offer_answer_by_link(*, token, request=None, now=None):
    """The borrower's answer from the email: the token proves who answers and what. Refused
    (``OfferClosed``) once the offer was answered, withdrawn or has expired."""
    offer, user, answer = offer_answer_link_read(token)
    service = limit_offer_accept if answer == "accept" else limit_offer_decline
    return service(
        user=user,
        account_id=offer.account_id,
        offer_id=offer.pk,
        channel=LimitOffer.Channel.EMAIL,
        request=request,
        now=now,
    )


def _offer_notice(offer):
    recipient = User.objects.filter(customer_id=offer.account.customer_id).order_by("pk").first()
    if recipient is None:
        return None
    currency = offer.account.product.currency
    links = {
        f"{answer}_url": notices.site_path(
            reverse("offer_answer_link", args=[offer_answer_token(offer, recipient=recipient, answer=answer)])
        )
        for answer in ANSWERS
    }
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
            **links,
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
