"""The core system offers a borrower a higher limit: one offer per call, never applied as such.

The offer reaches the borrower, who accepts or declines it; a limit only rises when they accept.
A borrower who asked not to be offered increases is answered ``offered: false`` with the reason
``opted_out`` (200, nothing made): not an error of the caller's, and not worth retrying."""

from decimal import Decimal

from django.utils import timezone
from rest_framework import status

from accounts.credit import offers
from accounts.integration.fields import Moment, Number, Text
from accounts.integration.services.idempotency import Answer
from accounts.integration.services.rows import ACCOUNT_EXTERNAL_ID, NON_FIELD, Row, RowFields, accounts_resolve
from accounts.models import CreditAccount, LimitOffer
from portal.exceptions import PortalError


class LimitOfferRequest(RowFields):
    """The body of one call, checked by the same field parsers as the batch endpoints (one offer,
    made by ``integration_limit_offer_make``, not a batch of rows)."""

    name = "limit-offers"
    key_field = "account_external_id"
    fields = {
        "account_external_id": ACCOUNT_EXTERNAL_ID,
        "offered_limit": Number(min_value=Decimal("0.00"), help_text="The limit offered, higher than the current one."),
        "reason_zh": Text(max_length=1000, help_text="Why, in Chinese: the borrower reads it."),
        "reason_en": Text(max_length=1000, help_text="Why, in English: the borrower reads it."),
        "reason_code": Text(required=False, default="", max_length=40, help_text="Your code for the reason."),
        "reference": Text(required=False, default="", max_length=64, help_text="Your reference for this offer."),
        "expires_at": Moment(
            required=False,
            not_in_future=False,
            help_text="Until when the borrower may answer; 14 days from now when left out, at most 90.",
        ),
    }

    def check(self, rows):
        return accounts_resolve(rows)


def _refusal(errors, status_code=status.HTTP_400_BAD_REQUEST, code="invalid"):
    """The API's error body: the first message, a code, and the messages per field."""
    field_errors = {}
    for field, message in errors:
        field_errors.setdefault(field, []).append(message)
    return Answer(status_code, {"detail": errors[0][1], "code": code, "field_errors": field_errors})


def offer_body(offer):
    return {
        "offered": True,
        "reason": None,
        "offer": {
            "id": offer.pk,
            "account_external_id": offer.account.external_id,
            "offered_limit": str(offer.offered_limit),
            "previous_limit": str(offer.previous_limit),
            "status": offer.status,
            "expires_at": offer.expires_at.isoformat(),
        },
    }


def integration_limit_offer_make(*, data, actor, request=None, now=None):
    """Make the offer ``data`` asks for, as ``actor`` (the core system's service account).
    Returns the ``Answer``: 201 with the offer, 200 ``offered: false`` for an opted-out borrower,
    400 for bad input, 409 for a line that cannot be offered more. Nothing is made unless 201."""
    now = now or timezone.now()
    kind = LimitOfferRequest()
    values, errors = kind.clean(data, now=now)
    if errors:
        return _refusal(errors)
    row = Row(0, values)
    unknown = kind.check([row])
    if unknown:
        return _refusal([(error.field, error.message) for error in unknown])
    expires_at = values["expires_at"] or now + offers.OFFER_LIFETIME
    account = CreditAccount.objects.get(pk=values["account_id"])
    try:
        offer = offers.limit_offer_make(
            account=account,
            offered_limit=values["offered_limit"],
            reason_zh=values["reason_zh"],
            reason_en=values["reason_en"],
            reason_code=values["reason_code"],
            source=LimitOffer.Source.CORE_SYSTEM,
            offered_by=actor,
            source_reference=values["reference"],
            expires_at=expires_at,
            request=request,
            now=now,
        )
    except PortalError as error:
        return _refusal([(error.field or NON_FIELD, error.message)], status_code=error.status_code, code=error.code)
    if offer is None:
        return Answer(status.HTTP_200_OK, {"offered": False, "reason": "opted_out", "offer": None})
    return Answer(status.HTTP_201_CREATED, offer_body(offer))
