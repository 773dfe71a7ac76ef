"""What the policy looks at for each account, read for many accounts at once."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import DateTimeField, Max, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import CreditAccount, CreditScore, LimitChange, RiskDecision, RiskSignal
from portal.db import ids_among

ZERO = Decimal("0")

# Limit changes made for risk. After one, the score fall that caused it is not counted again: the
# high is read from the score in force at that change (so a line is not cut again and again while
# the score stays down, nor cut again when an appeal restores it); a further fall counts afresh.
RISK_CHANGE_KINDS = [LimitChange.Kind.RISK_REDUCTION, LimitChange.Kind.RISK_FREEZE]

# The columns _figures_rows reads, in the order AccountFigures takes them after the id.
FIGURE_COLUMNS = [
    "credit_limit",
    "status",
    "product__limit_step",
    "score_now",
    "score_high",
    "overdue_days",
    "draws_30d",
    "days_late",
]


@dataclass(frozen=True)
class AccountFigures:
    """What the policy looks at for one account."""

    credit_limit: Decimal
    status: str
    limit_step: Decimal = Decimal("100")
    score_now: int | None = None
    score_high: int | None = None
    overdue_days: Decimal = ZERO
    draws_30d: Decimal = ZERO
    days_late: Decimal = ZERO
    recently_warned: bool = False

    def as_json(self):
        return {
            "credit_limit": str(self.credit_limit),
            "status": self.status,
            "score_now": self.score_now,
            "score_high": self.score_high,
            "overdue_days": str(self.overdue_days),
            "draws_30d": str(self.draws_30d),
            "days_late": str(self.days_late),
            "recently_warned": self.recently_warned,
        }


def _latest_signal(kind):
    return Subquery(
        RiskSignal.objects.filter(account=OuterRef("pk"), kind=kind).order_by("-observed_at").values("value")[:1]
    )


def _figures_rows(*, account_ids, policy, now):
    """One query: the accounts with their latest score, look-back high and latest signal values,
    as tuples (id, *FIGURE_COLUMNS)."""
    scores = CreditScore.objects.filter(account=OuterRef("pk"))
    since = now - timedelta(days=policy.score_lookback_days)
    # A fall that has cut or frozen the line does not count again: the high is read from the
    # score in force at the account's latest risk change onwards (see RISK_CHANGE_KINDS).
    latest_risk_change = (
        LimitChange.objects.filter(account=OuterRef("pk"), kind__in=RISK_CHANGE_KINDS)
        .order_by("-sequence")
        .values("effective_at")[:1]
    )
    high_from = scores.filter(scored_at__lte=OuterRef("latest_risk_change_at")).order_by("-scored_at")
    score_high = (
        scores.filter(scored_at__gte=since)
        .filter(scored_at__gte=Coalesce(OuterRef("high_from"), Value(since, output_field=DateTimeField())))
        .order_by()
        .values("account")
        .annotate(top=Max("score"))
        .values("top")
    )
    return (
        CreditAccount.objects.filter(pk__in=ids_among(account_ids))
        .annotate(latest_risk_change_at=Subquery(latest_risk_change))
        .annotate(high_from=Subquery(high_from.values("scored_at")[:1]))
        .annotate(
            score_now=Subquery(scores.order_by("-scored_at").values("score")[:1]),
            score_high=Subquery(score_high),
            overdue_days=_latest_signal(RiskSignal.Kind.LINKED_OVERDUE),
            draws_30d=_latest_signal(RiskSignal.Kind.BORROWING_FREQUENCY),
            days_late=_latest_signal(RiskSignal.Kind.REPAYMENT_SPEED),
        )
        .values_list("pk", *FIGURE_COLUMNS)
    )


def _recently_warned(*, account_ids, policy, now):
    """The accounts given an early warning that is still valid."""
    return set(
        RiskDecision.objects.filter(
            account_id__in=ids_among(account_ids),
            kind=RiskDecision.Kind.WATCH,
            created_at__gte=now - timedelta(days=policy.watch_valid_days),
        ).values_list("account_id", flat=True)
    )


def account_figures_many(*, account_ids, policy, now=None):
    """What ``policy_decide`` needs for many accounts, from one query (the accounts annotated
    with their latest score, look-back high and latest signal values) and one for warnings.
    Returns plain figures keyed by account id; no model instances are built."""
    now = now or timezone.now()
    if not account_ids:
        return {}
    rows = _figures_rows(account_ids=account_ids, policy=policy, now=now)
    warned = _recently_warned(account_ids=account_ids, policy=policy, now=now)
    return {
        pk: AccountFigures(
            credit_limit=credit_limit,
            status=status,
            limit_step=limit_step,
            score_now=score_now,
            score_high=score_high,
            overdue_days=overdue_days if overdue_days is not None else ZERO,
            draws_30d=draws_30d if draws_30d is not None else ZERO,
            days_late=days_late if days_late is not None else ZERO,
            recently_warned=pk in warned,
        )
        for pk, credit_limit, status, limit_step, score_now, score_high, overdue_days, draws_30d, days_late in rows
    }


def account_figures_get(*, account, policy, now=None):
    return account_figures_many(account_ids=[account.pk], policy=policy, now=now)[account.pk]
