"""Behaviour features per account, read set-based from what the core system sends: balance
movements (draws and repayments), repayment installments and linked-overdue signals.

Reading is in two steps so the benchmark and production share the second one:
``account_aggregates`` sums each account's history in a few grouped queries (one per source),
and ``feature_matrix``, a pure numpy function, turns those sums into the model's input.
A feature that cannot be computed for an account is NaN in the matrix; such an account is
skipped and counted, never scored with a made-up value."""

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from django.db.models import Count, Q, Sum
from django.utils import timezone

from accounts.models import BalanceMovement, CreditAccount, RepaymentInstallment, RiskSignal

# Bump when the list or the meaning of a feature changes: a model trained on one version never
# scores matrices of another.
FEATURES_VERSION = 1

FEATURES = [
    # Against the account's own usual week (the HISTORY_DAYS before the last 7), on a log scale:
    "draw_count_ratio_7d",  # draws in the last 7 days
    "draw_amount_ratio_7d",  # amount drawn in the last 7 days
    "draw_count_ratio_30d",  # draws in the last 30 days
    "draw_amount_ratio_30d",  # amount drawn in the last 30 days
    "repaid_ratio_30d",  # amount repaid in 30 days against the usual 30 days' draws (cash-out cycling)
    # Levels and changes:
    "utilisation",  # balance / limit now
    "utilisation_jump_30d",  # utilisation now minus utilisation 30 days ago
    "repayment_delay",  # average days paid after the due date, recent installments
    "repayment_delay_drift",  # recent delay minus the account's earlier delay
    "linked_overdue_days",  # newest linked-account overdue reported (0 when none)
]

# The inputs feature_matrix reads, one array per name, one row per account.
AGGREGATES = [
    "credit_limit",
    "balance",
    "history_days",  # days of history before the last 7 (at most HISTORY_DAYS)
    "draws_7d",
    "draw_amount_7d",
    "draws_30d",
    "draw_amount_30d",
    "repaid_amount_30d",
    "net_30d",  # sum of all movements in 30 days (draws minus repayments)
    "draws_history",  # draws in the HISTORY_DAYS before the last 7
    "draw_amount_history",
    "delay_recent",  # mean days late, installments due in the last RECENT_DAYS (NaN: none)
    "delay_earlier",  # mean days late, installments due before that within a year (NaN: none)
    "linked_overdue_days",
]

HISTORY_DAYS = 90
RECENT_DAYS = 60
# An account with less history than this has no "usual" week of its own yet.
MIN_HISTORY_DAYS = 14
# Amount ratios are taken against a floor of 1 % of the limit, so a first small draw after a
# quiet spell does not look like a hundredfold jump.
AMOUNT_FLOOR = 0.01


def _safe_divide(numerator, denominator):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1), np.nan)


def usual_weekly(aggregates):
    """The account's own usual week before the last 7 days: (draws, amount); NaN without enough
    history."""
    history = np.asarray(aggregates["history_days"], dtype=float)
    enough = history >= MIN_HISTORY_DAYS
    weeks = np.where(enough, history, np.nan) / 7.0
    return (
        np.asarray(aggregates["draws_history"], dtype=float) / weeks,
        np.asarray(aggregates["draw_amount_history"], dtype=float) / weeks,
    )


def feature_matrix(aggregates):
    """The model's input: one row per account, one column per name in FEATURES (float64), NaN
    where a feature cannot be computed (no limit, too little history, no repayment record).
    Pure: the same arrays give the same matrix, in production and in the benchmark."""
    get = {name: np.asarray(aggregates[name], dtype=float) for name in AGGREGATES}
    limit = np.where(get["credit_limit"] > 0, get["credit_limit"], np.nan)
    usual_draws, usual_amount = usual_weekly(aggregates)

    utilisation = get["balance"] / limit
    balance_30d_ago = np.maximum(get["balance"] - get["net_30d"], 0.0)
    recent, earlier = get["delay_recent"], get["delay_earlier"]
    # Recent timing when there is some, else the earlier one; no installment due in a year: missing.
    delay = np.where(np.isnan(recent), earlier, recent)
    # No change is seen when either side has no installment (drift 0), unless both are missing.
    drift = np.where(np.isnan(recent) | np.isnan(earlier), 0.0, recent - earlier)
    drift = np.where(np.isnan(delay), np.nan, drift)

    month = 30.0 / 7.0
    amount_floor = AMOUNT_FLOOR * limit
    columns = {
        "draw_count_ratio_7d": np.log((get["draws_7d"] + 1.0) / (usual_draws + 1.0)),
        "draw_amount_ratio_7d": np.log((get["draw_amount_7d"] + amount_floor) / (usual_amount + amount_floor)),
        "draw_count_ratio_30d": np.log((get["draws_30d"] + 1.0) / (usual_draws * month + 1.0)),
        "draw_amount_ratio_30d": np.log(
            (get["draw_amount_30d"] + amount_floor) / (usual_amount * month + amount_floor)
        ),
        "repaid_ratio_30d": np.log((get["repaid_amount_30d"] + amount_floor) / (usual_amount * month + amount_floor)),
        "utilisation": utilisation,
        "utilisation_jump_30d": utilisation - balance_30d_ago / limit,
        "repayment_delay": delay,
        "repayment_delay_drift": drift,
        "linked_overdue_days": get["linked_overdue_days"],
    }
    return np.column_stack([columns[name] for name in FEATURES])


def missing_counts(matrix):
    """{feature: accounts missing it} for the features missing anywhere in ``matrix``."""
    missing = np.isnan(matrix).sum(axis=0)
    return {name: int(count) for name, count in zip(FEATURES, missing, strict=True) if count}


@dataclass
class Aggregates:
    """What account_aggregates read: the arrays (AGGREGATES), in the order of ``account_ids``,
    with each account's product code and the window they cover."""

    account_ids: list
    arrays: dict
    products: list
    window_start: object
    window_end: object


def _days_late(due_date, paid_at, today):
    if paid_at is not None:
        return (timezone.localdate(paid_at) - due_date).days
    return max((today - due_date).days, 0)


def account_aggregates(*, account_ids, now=None):
    """Each account's sums as of ``now``, in four grouped queries (accounts, movements,
    installments, linked-overdue signals) whatever the number of accounts."""
    now = now or timezone.now()
    account_ids = list(account_ids)
    week, month = now - timedelta(days=7), now - timedelta(days=30)
    history_from = week - timedelta(days=HISTORY_DAYS)
    index = {account_id: position for position, account_id in enumerate(account_ids)}
    size = len(account_ids)
    arrays = {name: np.zeros(size) for name in AGGREGATES}
    arrays["delay_recent"][:] = np.nan
    arrays["delay_earlier"][:] = np.nan
    products = [""] * size

    for row in CreditAccount.objects.filter(pk__in=account_ids).values(
        "pk", "credit_limit", "outstanding_balance", "opened_at", "product__code"
    ):
        at = index[row["pk"]]
        arrays["credit_limit"][at] = float(row["credit_limit"])
        arrays["balance"][at] = float(row["outstanding_balance"])
        arrays["history_days"][at] = min(max((week - row["opened_at"]).days, 0), HISTORY_DAYS)
        products[at] = row["product__code"]

    draw = Q(amount__gt=0)
    sums = (
        BalanceMovement.objects.filter(account_id__in=account_ids, recorded_at__gte=history_from, recorded_at__lt=now)
        .values("account_id")
        .order_by()
        .annotate(
            draws_7d=Count("pk", filter=draw & Q(recorded_at__gte=week)),
            draw_amount_7d=Sum("amount", filter=draw & Q(recorded_at__gte=week), default=0),
            draws_30d=Count("pk", filter=draw & Q(recorded_at__gte=month)),
            draw_amount_30d=Sum("amount", filter=draw & Q(recorded_at__gte=month), default=0),
            repaid_amount_30d=Sum("amount", filter=Q(amount__lt=0, recorded_at__gte=month), default=0),
            net_30d=Sum("amount", filter=Q(recorded_at__gte=month), default=0),
            draws_history=Count("pk", filter=draw & Q(recorded_at__lt=week)),
            draw_amount_history=Sum("amount", filter=draw & Q(recorded_at__lt=week), default=0),
        )
    )
    for row in sums:
        at = index[row.pop("account_id")]
        for name, value in row.items():
            arrays[name][at] = float(value)
    arrays["repaid_amount_30d"] = -arrays["repaid_amount_30d"]

    today = timezone.localdate(now)
    recent_from = today - timedelta(days=RECENT_DAYS)
    late = {}
    for account_id, due_date, paid_at in RepaymentInstallment.objects.filter(
        account_id__in=account_ids, due_date__gte=today - timedelta(days=365), due_date__lt=today
    ).values_list("account_id", "due_date", "paid_at"):
        key = (account_id, due_date >= recent_from)
        late.setdefault(key, []).append(_days_late(due_date, paid_at, today))
    for (account_id, recent), days in late.items():
        arrays["delay_recent" if recent else "delay_earlier"][index[account_id]] = sum(days) / len(days)

    seen = set()
    for account_id, value in (
        RiskSignal.objects.filter(account_id__in=account_ids, kind=RiskSignal.Kind.LINKED_OVERDUE, observed_at__lte=now)
        .order_by("account_id", "-observed_at", "-value")
        .values_list("account_id", "value")
    ):
        if account_id not in seen:
            seen.add(account_id)
            arrays["linked_overdue_days"][index[account_id]] = float(value)

    return Aggregates(
        account_ids=account_ids, arrays=arrays, products=products, window_start=history_from, window_end=now
    )
