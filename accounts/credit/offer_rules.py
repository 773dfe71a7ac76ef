"""The daily rule that offers a higher limit (``LIMIT_OFFER_RULE`` in settings).

A line qualifies when it is active, its score rose by at least ``SCORE_RISE`` points between the
first and the latest score of the last ``SCORE_WINDOW_DAYS``, no installment due in the last
``CLEAN_DAYS`` was paid late or is overdue, and its balance uses less than
``MAX_UTILISATION_PERCENT`` of the limit. The candidates are found in one query; a borrower who
asked not to be offered increases, and a line with an offer open, awaiting approval or made in
the last ``COOLDOWN_DAYS`` (declined ones too: one answer is enough) are never candidates."""

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_FLOOR, Decimal

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.credit import offers
from accounts.models import CreditAccount, CreditScore, IncreaseOffersOptOut, LimitOffer, RepaymentInstallment
from portal.exceptions import PortalError
from portal.switch_selectors import decisions_paused

logger = logging.getLogger(__name__)

REASON_CODE = "score_improved"
CHUNK = 500


@dataclass(frozen=True)
class Candidate:
    account_id: int
    credit_limit: Decimal
    limit_step: Decimal
    first_score: int
    latest_score: int


def offered_limit_for(*, credit_limit, limit_step, increase_percent):
    """``increase_percent`` more than ``credit_limit``, rounded down to the product's step."""
    raised = credit_limit * (100 + increase_percent) / 100
    return ((raised / limit_step).to_integral_value(rounding=ROUND_FLOOR) * limit_step).quantize(offers.CENT)


def offer_rule_candidates(*, now=None):
    """The lines the rule would offer more to today, in one query."""
    now = now or timezone.now()
    rule = settings.LIMIT_OFFER_RULE
    window_start = now - timedelta(days=rule["SCORE_WINDOW_DAYS"])
    clean_since = timezone.localdate(now) - timedelta(days=rule["CLEAN_DAYS"])
    scores = CreditScore.objects.filter(account=OuterRef("pk"), scored_at__gte=window_start, scored_at__lte=now)
    offers_blocking = LimitOffer.objects.filter(account=OuterRef("pk")).filter(
        Q(status__in=[LimitOffer.Status.OPEN, LimitOffer.Status.PENDING_APPROVAL])
        | Q(created_at__gte=now - timedelta(days=rule["COOLDOWN_DAYS"]))
    )
    # Overdue now, or due in the clean period and paid after its due date.
    late = RepaymentInstallment.objects.filter(account=OuterRef("pk")).filter(
        Q(status=RepaymentInstallment.Status.OVERDUE) | Q(due_date__gte=clean_since, paid_at__date__gt=F("due_date"))
    )
    rows = (
        CreditAccount.objects.filter(status=CreditAccount.Status.ACTIVE, credit_limit__gt=0)
        .filter(outstanding_balance__lt=F("credit_limit") * rule["MAX_UTILISATION_PERCENT"] / 100)
        .annotate(
            first_score=Subquery(scores.order_by("scored_at").values("score")[:1]),
            latest_score=Subquery(scores.order_by("-scored_at").values("score")[:1]),
        )
        .filter(latest_score__gte=F("first_score") + rule["SCORE_RISE"])
        .exclude(Exists(IncreaseOffersOptOut.objects.filter(customer_id=OuterRef("customer_id"))))
        .exclude(Exists(offers_blocking))
        .exclude(Exists(late))
        .order_by("pk")
        .values_list("pk", "credit_limit", "product__limit_step", "first_score", "latest_score")
    )
    return [Candidate(*row) for row in rows]


def _reason(candidate, rule):
    figures = {
        "first": candidate.first_score,
        "latest": candidate.latest_score,
        "days": rule["SCORE_WINDOW_DAYS"],
        "percent": rule["MAX_UTILISATION_PERCENT"],
        "clean_days": rule["CLEAN_DAYS"],
    }
    return (
        _(
            "Your credit score rose from %(first)s to %(latest)s over the last %(days)s days, none of your "
            "repayments was late in the last %(clean_days)s days, and you use less than %(percent)s%% of your limit."
        )
        % figures
    )


def limit_offers_by_rule(*, now=None):
    """Offer each candidate line its higher limit. Safe to run twice: a line with an open offer is
    no candidate. Returns how many offers were made."""
    if decisions_paused(fresh=True):
        # An offer is an automated decision too: the emergency pause holds it back until resumed.
        logger.info("Automated decisions are paused: no rule offers made.")
        return 0
    now = now or timezone.now()
    rule = settings.LIMIT_OFFER_RULE
    made = 0
    candidates = offer_rule_candidates(now=now)
    for start in range(0, len(candidates), CHUNK):
        chunk = candidates[start : start + CHUNK]
        accounts = CreditAccount.objects.in_bulk([candidate.account_id for candidate in chunk])
        for candidate in chunk:
            offered = offered_limit_for(
                credit_limit=candidate.credit_limit,
                limit_step=candidate.limit_step,
                increase_percent=rule["INCREASE_PERCENT"],
            )
            if offered <= candidate.credit_limit:
                continue
            reasons = {}
            for language in ("zh-hans", "en"):
                with translation.override(language):
                    reasons[language] = _reason(candidate, rule)
            try:
                offer = offers.limit_offer_make(
                    account=accounts[candidate.account_id],
                    offered_limit=offered,
                    reason_zh=reasons["zh-hans"],
                    reason_en=reasons["en"],
                    reason_code=REASON_CODE,
                    source=LimitOffer.Source.POLICY,
                    source_reference=f"rule:{timezone.localdate(now).isoformat()}",
                    now=now,
                )
            except PortalError as error:  # the line changed since it was selected (frozen, raised)
                logger.info("No rule offer for account %s: %s", candidate.account_id, error.code)
                continue
            made += offer is not None
    return made
