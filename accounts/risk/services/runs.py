"""Policy runs: which signals a run covers, the accounts it may act on (stored in chunks), and
deciding each chunk once, queued again when its task is lost or has failed."""

import logging
from datetime import timedelta

from django.db import DatabaseError, connection, transaction
from django.db.models import DecimalField, F, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import (
    CreditAccount,
    CreditScore,
    PolicyVersion,
    RiskEvaluationChunk,
    RiskEvaluationRun,
    RiskSignal,
)
from accounts.models.risk import CHUNK_MAX_REQUEUES, CHUNK_REQUEUE_AFTER
from accounts.risk.segments.selectors import policy_variants
from accounts.risk.services import evaluation
from accounts.risk.services.figures import ZERO
from portal.db import bulk_statements_prepare, rows_insert, transaction_lock
from portal.exceptions import PortalError
from portal.services import audit_events_record_many, task_enqueue_on_commit
from portal.switch_selectors import decisions_paused

logger = logging.getLogger(__name__)

# Accounts per chunk: large enough to amortise a task's overhead, small enough that a lost worker
# redoes little (a chunk is decided once: see RiskEvaluationChunk).
EVALUATION_CHUNK = 500
# Advisory locks (portal.db.transaction_lock): runs start one at a time; signal writers take turns.
RUN_LOCK = "accounts.riskevaluationrun.start"
SIGNALS_WRITE_LOCK = "accounts.risksignal.write"
# The task that decides one chunk, enqueued by name: accounts.tasks sits above the services.
CHUNK_TASK = "accounts.tasks.risk_policy_evaluate_chunk"


def risk_signals_write_lock():
    """Every writer of risk signals calls this in its transaction before inserting: writers take
    turns, so signal ids grow in commit order and a policy run that reads the highest committed
    id has seen every signal below it (see RiskEvaluationRun)."""
    transaction_lock(SIGNALS_WRITE_LOCK)


# Accounts the policy might act on, among those with signals in the run's range, in one statement
# over the whole set: a necessary condition of policy_decide returning a decision (an active line
# with a limit, and a score fall reaching the smaller of the watch and cut thresholds, or another
# factor, or macro tightening). Only these go to the chunks, which decide them exactly.
CANDIDATES_SQL = """
WITH pending AS (
    SELECT DISTINCT account_id FROM {signal} WHERE id > %(after)s AND id <= %(through)s
), scores AS (
    -- One hashed pass, no sort: arrays compare element by element, so the greatest
    -- [time, score] pair holds the latest score.
    SELECT score.account_id,
        (max(ARRAY[extract(epoch FROM score.scored_at), score.score]))[2] AS score_now,
        max(score.score) FILTER (WHERE score.scored_at >= %(since)s) AS score_high
    FROM {score} AS score JOIN pending USING (account_id)
    GROUP BY score.account_id
), other AS (
    SELECT account_id,
        max(value) FILTER (WHERE kind = 'linked_overdue') AS overdue_days,
        max(value) FILTER (WHERE kind = 'borrowing_frequency') AS draws_30d,
        max(value) FILTER (WHERE kind = 'repayment_speed') AS days_late
    FROM (
        SELECT signal.account_id, signal.kind, signal.value,
            rank() OVER (PARTITION BY signal.account_id, signal.kind ORDER BY signal.observed_at DESC) AS age
        FROM {signal} AS signal JOIN pending USING (account_id)
        WHERE signal.kind IN ('linked_overdue', 'borrowing_frequency', 'repayment_speed')
    ) AS newest WHERE age = 1 GROUP BY account_id
)
SELECT (SELECT count(*) FROM pending), array(
    SELECT account.id FROM {account} AS account
    JOIN pending ON pending.account_id = account.id
    LEFT JOIN scores ON scores.account_id = account.id
    LEFT JOIN other ON other.account_id = account.id
    WHERE account.status = 'active' AND account.credit_limit > 0 AND (
        %(macro)s
        OR COALESCE(scores.score_high - scores.score_now, 0) >= %(drop)s
        OR COALESCE(other.overdue_days, 0) >= %(overdue)s
        OR COALESCE(other.draws_30d, 0) >= %(draws)s
        OR COALESCE(other.days_late, 0) >= %(late)s
    )
    ORDER BY account.id
)
"""


def _candidate_thresholds(policy):
    """The pre-filter's thresholds: the smallest figure at which policy_decide may act, under the
    policy or any segment's overrides of it."""
    variants = policy_variants(policy)
    return {
        "macro": policy.macro_tightening,
        "drop": min(min(p.score_drop_points, p.watch_score_drop_points) for p in variants),
        "overdue": min(min(max(p.overdue_days_threshold, 1), p.freeze_overdue_days) for p in variants),
        "draws": min(p.borrowing_frequency_threshold for p in variants),
        "late": min(p.repayment_delay_threshold for p in variants),
    }


def _candidates_set_based(*, policy, after, through, now):
    """CANDIDATES_SQL: PostgreSQL's fast path, one hashed pass over the run's signals."""
    # Zero figures count: a missing signal is read as 0 by policy_decide, as here.
    sql = CANDIDATES_SQL.format(
        signal=RiskSignal._meta.db_table, score=CreditScore._meta.db_table, account=CreditAccount._meta.db_table
    )
    bulk_statements_prepare()
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "after": after,
                "through": through,
                "since": now - timedelta(days=policy.score_lookback_days),
                **_candidate_thresholds(policy),
            },
        )
        accounts, candidates = cursor.fetchone()
    return accounts, list(candidates)


def _latest_figure(kind):
    # The newest signal of its kind; of two observed at the same time, the larger (as the SQL's).
    return Coalesce(
        Subquery(
            RiskSignal.objects.filter(account=OuterRef("pk"), kind=kind)
            .order_by("-observed_at", "-value")
            .values("value")[:1]
        ),
        Value(ZERO),
        output_field=DecimalField(max_digits=10, decimal_places=2),
    )


def _candidates_portable(*, policy, after, through, now):
    """The same pick as CANDIDATES_SQL in the ORM, for every database (SQLite runs the demo and
    ``make test`` without DATABASE_URL): one statement with a subquery per figure."""
    pending = RiskSignal.objects.filter(pk__gt=after, pk__lte=through).values("account_id")
    scores = CreditScore.objects.filter(account=OuterRef("pk")).order_by()
    score_now = Subquery(scores.order_by("-scored_at").values("score")[:1])
    score_high = Subquery(
        scores.filter(scored_at__gte=now - timedelta(days=policy.score_lookback_days))
        .values("account")
        .annotate(top=Max("score"))
        .values("top")
    )
    limits = _candidate_thresholds(policy)
    acts = (
        Q(score_fall__gte=limits["drop"])
        | Q(overdue_days__gte=limits["overdue"])
        | Q(draws_30d__gte=limits["draws"])
        | Q(days_late__gte=limits["late"])
    )
    candidates = (
        CreditAccount.objects.filter(pk__in=pending, status=CreditAccount.Status.ACTIVE, credit_limit__gt=0)
        .annotate(
            score_fall=Coalesce(score_high - score_now, Value(0)),
            overdue_days=_latest_figure(RiskSignal.Kind.LINKED_OVERDUE),
            draws_30d=_latest_figure(RiskSignal.Kind.BORROWING_FREQUENCY),
            days_late=_latest_figure(RiskSignal.Kind.REPAYMENT_SPEED),
        )
        .filter(Q() if limits["macro"] else acts)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return pending.order_by().distinct().count(), list(candidates)


def _run_candidates(*, policy, after, through, now):
    """(accounts with signals in the range, the ones among them the policy may act on): the
    set-based statement on PostgreSQL, the same pick through the ORM elsewhere. Both pick the
    same accounts (pinned by tests/accounts/test_risk_candidates.py)."""
    if connection.vendor == "postgresql":
        return _candidates_set_based(policy=policy, after=after, through=through, now=now)
    return _candidates_portable(policy=policy, after=after, through=through, now=now)


def risk_evaluation_run_start(*, now=None, chunk_size=EVALUATION_CHUNK):
    """Start a policy run over the signals received since the last run, under the active policy:
    one set-based statement picks the accounts it may act on, which are stored in chunks.
    Returns the run, or None when no signal is new (or no policy is active)."""
    now = now or timezone.now()
    with transaction.atomic():
        transaction_lock(RUN_LOCK)  # runs start one at a time, each after the one before
        policy = PolicyVersion.objects.active().first()
        if policy is None:
            return None
        after = RiskEvaluationRun.objects.aggregate(top=Max("through_signal_id"))["top"] or 0
        through = RiskSignal.objects.filter(pk__gt=after).aggregate(top=Max("pk"))["top"]
        if through is None:
            return None
        accounts, candidates = _run_candidates(policy=policy, after=after, through=through, now=now)
        run = RiskEvaluationRun.objects.create(
            policy_version=policy,
            after_signal_id=after,
            through_signal_id=through,
            accounts=accounts,
            candidates=len(candidates),
        )
        rows_insert(
            RiskEvaluationChunk,
            [
                RiskEvaluationChunk(run=run, account_ids=candidates[start : start + chunk_size], queued_at=now)
                for start in range(0, len(candidates), chunk_size)
            ],
        )
    return run


def risk_evaluation_chunk_decide(*, chunk_id, now=None):
    """Decide one chunk of a run, once: the chunk is locked and marked done with its decisions.
    Returns the decisions made (none when the chunk was already done). When deciding fails,
    nothing of it stays, the chunk keeps the error for staff to read, and the error is raised
    again (the task fails; the beat job queues the chunk again later)."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            chunk = (
                RiskEvaluationChunk.objects.select_for_update(of=("self",))
                .select_related("run__policy_version")
                .filter(pk=chunk_id)
                .first()
            )
            if chunk is None or chunk.done_at is not None:
                return []
            if decisions_paused(fresh=True):
                # Paused by an emergency switch: nothing is decided and the chunk waits, due
                # at the first requeue once decisions resume.
                chunk.queued_at = now - CHUNK_REQUEUE_AFTER
                chunk.save(update_fields=["queued_at"])
                return []
            decisions = evaluation.accounts_evaluate(run=chunk.run, account_ids=chunk.account_ids, now=now)
            chunk.done_at, chunk.decisions, chunk.last_error = now, len(decisions), ""
            chunk.save(update_fields=["done_at", "decisions", "last_error"])
    except Exception as error:
        _chunk_error_record(chunk_id=chunk_id, error=error)
        raise
    return decisions


def _chunk_error_record(*, chunk_id, error):
    try:
        RiskEvaluationChunk.objects.filter(pk=chunk_id).update(last_error=f"{type(error).__name__}: {error}"[:500])
    except DatabaseError:  # the database itself failed: the task's own error says more
        logger.warning("Could not record the error of policy run chunk %s", chunk_id, exc_info=True)


def risk_evaluation_chunks_requeue(*, now=None):
    """Queue again the chunks whose task seems lost or failed (not done ten minutes after it was
    queued), each at most CHUNK_MAX_REQUEUES times: mark them queued now and return their ids, for
    the caller to hand to workers."""
    now = now or timezone.now()
    if decisions_paused(fresh=True):
        return []  # chunks wait while decisions are paused, so none is given up meanwhile
    with transaction.atomic():
        stalled = list(
            RiskEvaluationChunk.objects.select_for_update(skip_locked=True)
            .waiting()
            .filter(queued_at__lt=now - CHUNK_REQUEUE_AFTER, requeues__lt=CHUNK_MAX_REQUEUES)
            .values_list("pk", flat=True)
        )
        RiskEvaluationChunk.objects.filter(pk__in=stalled).update(queued_at=now, requeues=F("requeues") + 1)
    return stalled


def risk_evaluation_chunks_retry(*, runs, actor, request=None, now=None):
    """Queue again the given-up chunks of ``runs`` (their cause fixed): each starts a fresh count
    of requeues, and its task is queued after commit. One audit event per run, with the errors
    the chunks had. Returns the number of chunks queued."""
    if not actor.has_perm("accounts.retry_riskevaluationrun"):
        raise PortalError(_("You do not have permission to queue policy runs again."), code="forbidden")
    now = now or timezone.now()
    with transaction.atomic():
        chunks = list(
            RiskEvaluationChunk.objects.select_for_update()
            .given_up(now)
            .filter(run__in=runs)
            .select_related("run")
            .order_by("pk")
        )
        RiskEvaluationChunk.objects.filter(pk__in=[chunk.pk for chunk in chunks]).update(
            queued_at=now, requeues=0, last_error=""
        )
        by_run = {}
        for chunk in chunks:
            by_run.setdefault(chunk.run, []).append(chunk)
        audit_events_record_many(
            events=[
                {
                    "actor": actor,
                    "action": "risk_run.chunks_requeued",
                    "target": run,
                    "before": {"chunks": {str(chunk.pk): chunk.last_error for chunk in given_up}},
                    "after": {"queued": len(given_up)},
                }
                for run, given_up in by_run.items()
            ],
            request=request,
        )
        for chunk in chunks:
            task_enqueue_on_commit(CHUNK_TASK, chunk.pk)
    return len(chunks)


def risk_evaluation_run(*, now=None):
    """Start a run and decide all its chunks here, in this process (the seed data, the shell,
    tests); the beat job hands the chunks to workers instead. Returns the decisions made."""
    run = risk_evaluation_run_start(now=now)
    if run is None:
        return []
    decisions = []
    for chunk_id in run.chunks.order_by("pk").values_list("pk", flat=True):
        decisions += risk_evaluation_chunk_decide(chunk_id=chunk_id, now=now)
    return decisions
