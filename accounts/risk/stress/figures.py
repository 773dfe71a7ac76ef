"""What the policy reads of each account in the book, for a range of account ids at a time.

On PostgreSQL one statement per range reads every figure with hashed aggregates over the range
(no per-account subqueries), which is what lets a stress test cover a million accounts in a few
minutes; elsewhere the range's ids go through ``account_figures_many``. Both give the same
figures (pinned by tests/accounts/risk/test_stress_test_figures.py)."""

from datetime import timedelta
from decimal import Decimal

from django.db import connection

from accounts.models import CreditAccount, CreditProduct, CreditScore, LimitChange, RiskDecision, RiskSignal
from accounts.risk.services.figures import RISK_CHANGE_KINDS, ZERO, AccountFigures, account_figures_many
from portal.db import bulk_statements_prepare

BOOK_FIGURES_SQL = """
WITH book AS (
    SELECT account.id, account.credit_limit, account.status, product.limit_step
    FROM {account} AS account JOIN {product} AS product ON product.id = account.product_id
    WHERE account.id > %(after)s AND account.id <= %(through)s
        AND account.status = 'active' AND account.credit_limit > 0
), risk_change AS (
    -- The latest cut or freeze: a score fall before it is not counted again (figures.py).
    SELECT DISTINCT ON (account_id) account_id, effective_at
    FROM {change}
    WHERE account_id > %(after)s AND account_id <= %(through)s AND kind = ANY(%(risk_kinds)s)
    ORDER BY account_id, sequence DESC
), high_from AS (
    SELECT score.account_id, max(score.scored_at) AS high_from
    FROM {score} AS score JOIN risk_change USING (account_id)
    WHERE score.scored_at <= risk_change.effective_at
    GROUP BY score.account_id
), scores AS (
    -- Arrays compare element by element: the greatest [time, score] pair holds the latest score.
    SELECT score.account_id,
        ((max(ARRAY[extract(epoch FROM score.scored_at), score.score]))[2])::int AS score_now,
        max(score.score) FILTER (
            WHERE score.scored_at >= GREATEST(%(since)s, COALESCE(high_from.high_from, %(since)s))
        ) AS score_high
    FROM {score} AS score LEFT JOIN high_from USING (account_id)
    WHERE score.account_id > %(after)s AND score.account_id <= %(through)s
    GROUP BY score.account_id
), signals AS (
    SELECT account_id,
        (max(ARRAY[extract(epoch FROM observed_at), value]) FILTER (WHERE kind = 'linked_overdue'))[2]
            AS overdue_days,
        (max(ARRAY[extract(epoch FROM observed_at), value]) FILTER (WHERE kind = 'borrowing_frequency'))[2]
            AS draws_30d,
        (max(ARRAY[extract(epoch FROM observed_at), value]) FILTER (WHERE kind = 'repayment_speed'))[2]
            AS days_late
    FROM {signal}
    WHERE account_id > %(after)s AND account_id <= %(through)s
        AND kind IN ('linked_overdue', 'borrowing_frequency', 'repayment_speed')
    GROUP BY account_id
), warned AS (
    SELECT DISTINCT account_id FROM {decision}
    WHERE account_id > %(after)s AND account_id <= %(through)s
        AND kind = 'watch' AND created_at >= %(warned_since)s
)
SELECT book.id, book.credit_limit, book.status, book.limit_step, scores.score_now, scores.score_high,
    signals.overdue_days, signals.draws_30d, signals.days_late, warned.account_id IS NOT NULL
FROM book
LEFT JOIN scores ON scores.account_id = book.id
LEFT JOIN signals ON signals.account_id = book.id
LEFT JOIN warned ON warned.account_id = book.id
ORDER BY book.id
"""

CENT = Decimal("0.01")


def book_account_ids(*, after, through):
    """The ids of the book's accounts in the range: active lines with a limit (what a policy may
    act on), in order."""
    return list(
        CreditAccount.objects.filter(
            pk__gt=after, pk__lte=through, status=CreditAccount.Status.ACTIVE, credit_limit__gt=0
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _signal_value(value):
    # The array aggregate reads values as numeric: back to the column's two decimals.
    return ZERO if value is None else Decimal(value).quantize(CENT)


def _book_figures_set_based(*, after, through, policy, now):
    sql = BOOK_FIGURES_SQL.format(
        account=CreditAccount._meta.db_table,
        product=CreditProduct._meta.db_table,
        change=LimitChange._meta.db_table,
        score=CreditScore._meta.db_table,
        signal=RiskSignal._meta.db_table,
        decision=RiskDecision._meta.db_table,
    )
    bulk_statements_prepare()
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "after": after,
                "through": through,
                "risk_kinds": [str(kind) for kind in RISK_CHANGE_KINDS],
                "since": now - timedelta(days=policy.score_lookback_days),
                "warned_since": now - timedelta(days=policy.watch_valid_days),
            },
        )
        rows = cursor.fetchall()
    return {
        pk: AccountFigures(
            credit_limit,
            status,
            limit_step,
            score_now,
            score_high,
            _signal_value(overdue_days),
            _signal_value(draws_30d),
            _signal_value(days_late),
            warned,
        )
        for pk, credit_limit, status, limit_step, score_now, score_high, overdue_days, draws_30d, days_late, warned in (
            rows
        )
    }


def book_figures(*, after, through, policy, now):
    """The figures of the book's accounts with ids in (after, through], keyed by id: the same
    figures account_figures_many gives, read in one statement on PostgreSQL."""
    if connection.vendor == "postgresql":
        return _book_figures_set_based(after=after, through=through, policy=policy, now=now)
    ids = book_account_ids(after=after, through=through)
    return account_figures_many(account_ids=ids, policy=policy, now=now) if ids else {}
