"""Anomaly detection on a synthetic book: how well the model finds injected anomalies, how long
training and scoring take, and the memory used.

    .venv/bin/python bench/anomaly.py [--accounts 200000] [--rate 0.01] [--scale 1000000]

A population with a year (52 weeks) of activity is simulated: per account a product, a usual
draw rate and size, weekly repayments that pull the balance back, monthly installments paid
around their due date, and a few linked-account overdues. The model is trained on snapshots of
weeks 20-39 (with anomalies at the same rate, unlabelled, as in real data) and tested on a later
snapshot (week 51) where anomalies of four kinds were injected at a known rate: draw bursts,
cash-out cycling (many draws repaid at once), sudden full utilisation, repayment slow-down.

It uses the production code: ``feature_matrix`` (accounts/risk/anomaly/features.py) turns the
per-account sums into features, ``model_fit`` / ``model_scores`` (training.py) train and score,
and the threshold is the one a trained version stores. No database is needed (the sums are made
here instead of read from one), so Django starts on its defaults only to import that code."""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WEEKS = 52
TRAIN_WEEKS = range(20, 40)
TEST_WEEK = 51
KINDS = ["draw_burst", "cash_out", "full_utilisation", "repayment_slowdown"]
PRODUCT_LIMITS = np.array([10_000.0, 50_000.0, 100_000.0])
# Flagged test accounts whose explanation is built (each reads the whole week's arrays once).
EXPLAINED = 200


def simulate(accounts, rng):
    """A year of weekly activity: draws (count, amount), repayments and the balance after."""
    product = rng.integers(0, len(PRODUCT_LIMITS), accounts)
    limit = PRODUCT_LIMITS[product] * rng.choice([0.5, 1.0, 1.5], accounts)
    rate = rng.gamma(2.0, 0.6, accounts)  # usual draws per week, mean 1.2
    size = limit * np.clip(rng.lognormal(np.log(0.04), 0.5, accounts), 0.005, 0.3)  # usual draw size
    repay = rng.uniform(0.1, 0.4, accounts)  # share of the balance repaid each week
    draws = rng.poisson(rate[:, None], (accounts, WEEKS)).astype(np.float32)
    amounts = (draws * size[:, None] * rng.lognormal(0.0, 0.3, (accounts, WEEKS))).astype(np.float32)
    repaid = np.zeros((accounts, WEEKS), dtype=np.float32)
    balance = np.zeros((accounts, WEEKS + 1), dtype=np.float32)  # balance[:, w] before week w
    balance[:, 0] = limit * rng.uniform(0.0, 0.5, accounts)
    for week in range(WEEKS):
        amounts[:, week] = np.minimum(amounts[:, week], limit - balance[:, week])
        owed = balance[:, week] + amounts[:, week]
        repaid[:, week] = owed * repay
        balance[:, week + 1] = owed - repaid[:, week]
    # Days paid after the due date, one installment a month; an account's own habit plus noise.
    habit = rng.normal(-1.0, 1.5, accounts)
    delays = np.round(habit[:, None] + rng.normal(0.0, 1.0, (accounts, 12)))
    overdue = np.where(rng.random(accounts) < 0.01, rng.integers(1, 30, accounts), 0).astype(float)
    return {
        "product": product,
        "limit": limit,
        "size": size,
        "rate": rate,
        "draws": draws,
        "amounts": amounts,
        "repaid": repaid,
        "balance": balance,
        "delays": delays,
        "overdue": overdue,
    }


def aggregates_at(book, week, rows=None):
    """The sums ``account_aggregates`` reads from the database, as of the end of ``week``, for
    ``rows`` (all accounts by default). 30 days are the last 4 weeks; the history the 13 before."""
    rows = np.arange(len(book["limit"])) if rows is None else rows
    draws, amounts, repaid = book["draws"][rows], book["amounts"][rows], book["repaid"][rows]
    month = slice(week - 3, week + 1)
    history = slice(week - 13, week)
    month_index = week * 12 // WEEKS
    return {
        "credit_limit": book["limit"][rows],
        "balance": book["balance"][rows, week + 1].astype(float),
        "history_days": np.full(len(rows), 91.0),
        "draws_7d": draws[:, week].astype(float),
        "draw_amount_7d": amounts[:, week].astype(float),
        "draws_30d": draws[:, month].sum(axis=1).astype(float),
        "draw_amount_30d": amounts[:, month].sum(axis=1).astype(float),
        "repaid_amount_30d": repaid[:, month].sum(axis=1).astype(float),
        "net_30d": (book["balance"][rows, week + 1] - book["balance"][rows, week - 3]).astype(float),
        "draws_history": draws[:, history].sum(axis=1).astype(float),
        "draw_amount_history": amounts[:, history].sum(axis=1).astype(float),
        "delay_recent": book["delays"][rows, max(month_index - 1, 0) : month_index + 1].mean(axis=1),
        "delay_earlier": book["delays"][rows, : max(month_index - 1, 1)].mean(axis=1),
        "linked_overdue_days": book["overdue"][rows],
    }


def inject(aggregates, book, rows, rng, rate):
    """Turn a share ``rate`` of the accounts anomalous this week, each of one kind at random;
    returns the labels (kind index + 1, 0 = normal)."""
    count = len(rows)
    labels = np.where(rng.random(count) < rate, rng.integers(1, len(KINDS) + 1, count), 0)
    limit, size = aggregates["credit_limit"], book["size"][rows]
    headroom = np.maximum(limit - aggregates["balance"], 0.0)

    burst = labels == 1  # many more draws than usual, of the usual size
    extra = rng.integers(8, 30, count) * burst
    extra_amount = np.minimum(extra * size, headroom)
    cash = labels == 2  # draw and repay over and over: turnover without much balance change
    cycles = rng.integers(6, 20, count) * cash
    cycled = cycles * np.maximum(size * 2.0, 0.1 * limit)
    full = labels == 3  # the rest of the limit drawn in one or two draws
    full_draws = rng.integers(1, 3, count) * full
    full_amount = headroom * full

    for name, add in [
        ("draws_7d", extra + cycles + full_draws),
        ("draws_30d", extra + cycles + full_draws),
        ("draw_amount_7d", extra_amount + cycled + full_amount),
        ("draw_amount_30d", extra_amount + cycled + full_amount),
        ("repaid_amount_30d", cycled),
        ("balance", extra_amount + full_amount),
        ("net_30d", extra_amount + full_amount),
    ]:
        aggregates[name] = aggregates[name] + add
    slow = labels == 4  # repayments now weeks late
    aggregates["delay_recent"] = aggregates["delay_recent"] + slow * rng.integers(10, 35, count)
    return labels


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=200_000)
    parser.add_argument("--rate", type=float, default=0.01, help="share of anomalous accounts")
    parser.add_argument("--scale", type=int, default=1_000_000, help="accounts for the scoring-time figure")
    parser.add_argument("--seed", type=int, default=7)
    arguments = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from sklearn.metrics import average_precision_score, precision_score, recall_score

    from accounts.risk.anomaly.explain import explanation_build, peer_statistics
    from accounts.risk.anomaly.features import feature_matrix
    from accounts.risk.anomaly.training import EXPECTED_REVIEW_RATE, PARAMETERS, model_fit, model_scores
    from bench.common import peak_rss_mb

    rng = np.random.default_rng(arguments.seed)
    started = time.perf_counter()
    book = simulate(arguments.accounts, rng)
    print(f"population: {arguments.accounts:,} accounts, {WEEKS} weeks, in {time.perf_counter() - started:.1f}s")

    # Training: each account as of one week in the training window, anomalies unlabelled.
    weeks = rng.choice(list(TRAIN_WEEKS), arguments.accounts)
    parts, order = [], []
    for week in TRAIN_WEEKS:
        rows = np.flatnonzero(weeks == week)
        aggregates = aggregates_at(book, week, rows)
        inject(aggregates, book, rows, rng, arguments.rate)
        parts.append(feature_matrix(aggregates))
        order.append(rows)
    train = np.vstack(parts)
    train_products = book["product"][np.concatenate(order)]
    started = time.perf_counter()
    model, threshold, _scores = model_fit(train)
    training_seconds = time.perf_counter() - started

    # Test: a later week, anomalies labelled.
    aggregates = aggregates_at(book, TEST_WEEK)
    labels = inject(aggregates, book, np.arange(arguments.accounts), rng, arguments.rate)
    started = time.perf_counter()
    test = feature_matrix(aggregates)
    scores = model_scores(model, test)
    scoring_seconds = time.perf_counter() - started
    truth = labels > 0
    flagged = scores > threshold

    print(f"model: IsolationForest {PARAMETERS}, threshold = training quantile {1 - EXPECTED_REVIEW_RATE:.4f}")
    print(f"anomalies in test week: {truth.sum():,} of {len(truth):,} ({arguments.rate:.1%})")
    print(
        f"precision {precision_score(truth, flagged):.3f}  recall {recall_score(truth, flagged):.3f}  "
        f"average precision {average_precision_score(truth, scores):.3f}  (flagged {flagged.sum():,})"
    )
    for number, kind in enumerate(KINDS, start=1):
        of_kind = labels == number
        print(f"  recall {kind:<20} {flagged[of_kind].mean():.3f} ({of_kind.sum():,})")
    print(f"training: {len(train):,} accounts in {training_seconds:.1f}s")
    print(
        f"scoring: {len(test):,} accounts in {scoring_seconds:.1f}s "
        f"({len(test) / scoring_seconds:,.0f} accounts/s, features + model)"
    )

    # Explanations of the flagged accounts. The synthetic book has no customer segments, so this
    # is the path every account takes when no segment set is active: product peers.
    started = time.perf_counter()
    complete = ~np.isnan(train).any(axis=1)
    statistics = peer_statistics(train[complete], [f"p{code}" for code in train_products[complete]])
    peers_seconds = time.perf_counter() - started
    explained = np.flatnonzero(flagged & ~np.isnan(test).any(axis=1))[:EXPLAINED]
    started = time.perf_counter()
    kinds = set()
    for at in explained:
        items = explanation_build(
            matrix_row=test[at], arrays=aggregates, at=at, product=f"p{book['product'][at]}", statistics=statistics
        )
        kinds.update(item["peers"]["kind"] for item in items)
    print(
        f"explanations: peer figures in {peers_seconds:.1f}s; {len(explained):,} flagged accounts explained in "
        f"{time.perf_counter() - started:.1f}s against peer groups {sorted(kinds)} (no segment set: product peers)"
    )

    repeat = -(-arguments.scale // arguments.accounts)
    big = {name: np.tile(values, repeat)[: arguments.scale] for name, values in aggregates.items()}
    started = time.perf_counter()
    model_scores(model, feature_matrix(big))
    print(f"scoring {arguments.scale:,} accounts: {time.perf_counter() - started:.1f}s")
    print(f"peak RSS: {peak_rss_mb():,.0f} MB")
    print(f"machine: {os.cpu_count()} cores, shared with other work while this ran: figures are indicative")


if __name__ == "__main__":
    main()
