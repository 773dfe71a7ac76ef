"""The limit policy: from signals to decisions, and from approved decisions to limit changes.

``policy_decide`` is a pure function of the policy and an account's figures, so its rules can be
read, previewed and property-tested on their own. The services around it load the figures, keep
evaluation idempotent (the same signals never decide twice), route large cuts and freezes to
four-eyes approval, and apply the rest through ``limit_change_apply``."""

import hashlib
import logging
from dataclasses import dataclass, field, replace
from datetime import timedelta
from decimal import ROUND_FLOOR, Decimal

from django.db import DatabaseError, connection, transaction
from django.db.models import DateTimeField, F, Max, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.credit.services import NoticeTexts, PlannedChange, limit_changes_apply_locked, notice_recipients
from accounts.models import (
    CreditAccount,
    CreditScore,
    LimitChange,
    PolicyVersion,
    RiskDecision,
    RiskEvaluationChunk,
    RiskEvaluationRun,
    RiskSignal,
    User,
)
from accounts.models.risk import CHUNK_MAX_REQUEUES, CHUNK_REQUEUE_AFTER
from portal.db import bulk_statements_prepare, ids_among, rows_insert, transaction_lock
from portal.exceptions import PortalError
from portal.services import (
    audit_event_record,
    audit_events_record_many,
    notification_send,
    notifications_send_many,
    task_enqueue_on_commit,
)

ZERO = Decimal("0")

logger = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class Outcome:
    kind: str | None  # None, or a RiskDecision.Kind value
    target_limit: Decimal
    target_status: str
    reason_codes: list = field(default_factory=list)
    cut_percent: int = 0
    needs_approval: bool = False


def _round_down(amount, step):
    return (amount / step).to_integral_value(rounding=ROUND_FLOOR) * step


def policy_decide(*, policy, figures):
    """What the policy does to an account with these figures. Never raises a limit, never goes
    below zero, and acts only on active lines."""
    nothing = Outcome(kind=None, target_limit=figures.credit_limit, target_status=figures.status)
    if figures.status != CreditAccount.Status.ACTIVE or figures.credit_limit <= 0:
        return nothing

    drop = (
        figures.score_high - figures.score_now
        if figures.score_high is not None and figures.score_now is not None
        else 0
    )
    score_factor = drop >= policy.score_drop_points
    # Other factors, most weighty first: they order the reasons the borrower reads.
    other_factors = [
        code
        for code, present in (
            ("linked_overdue", figures.overdue_days >= max(policy.overdue_days_threshold, 1)),
            ("high_borrowing_frequency", figures.draws_30d >= policy.borrowing_frequency_threshold),
            ("slow_repayment", figures.days_late >= policy.repayment_delay_threshold),
            ("macro_tightening", policy.macro_tightening),
        )
        if present
    ]

    severe_overdue = figures.overdue_days >= policy.freeze_overdue_days
    if severe_overdue or (score_factor and len(other_factors) >= policy.freeze_factor_count):
        reasons = (["linked_overdue"] if severe_overdue else []) + (["score_drop"] if score_factor else [])
        reasons += [code for code in other_factors if code not in reasons]
        return Outcome(
            kind=RiskDecision.Kind.FREEZE,
            target_limit=figures.credit_limit,
            target_status=CreditAccount.Status.FROZEN,
            reason_codes=reasons[:4],
            needs_approval=True,
        )

    if score_factor:
        cut = policy.combined_cut_percent if other_factors else policy.base_cut_percent
        target = _round_down(figures.credit_limit * (100 - cut) / 100, figures.limit_step)
        target = min(max(target, ZERO), figures.credit_limit)
        if target == figures.credit_limit:
            return nothing
        if policy.warn_before_cut and not figures.recently_warned:
            return Outcome(
                kind=RiskDecision.Kind.WATCH,
                target_limit=figures.credit_limit,
                target_status=figures.status,
                reason_codes=(["score_drop"] + other_factors)[:4],
            )
        return Outcome(
            kind=RiskDecision.Kind.REDUCTION,
            target_limit=target,
            target_status=figures.status,
            reason_codes=(["score_drop"] + other_factors)[:4],
            cut_percent=cut,
            needs_approval=cut > policy.approval_cut_percent,
        )

    watch = drop >= policy.watch_score_drop_points or bool(other_factors)
    if watch and not figures.recently_warned:
        reasons = (["score_drop"] if drop >= policy.watch_score_drop_points else []) + other_factors
        return Outcome(
            kind=RiskDecision.Kind.WATCH,
            target_limit=figures.credit_limit,
            target_status=figures.status,
            reason_codes=reasons[:4],
        )
    return nothing


# Limit changes made for risk. After one, the score fall that caused it is not counted again: the
# high is read from the score in force at that change (so a line is not cut again and again while
# the score stays down, nor cut again when an appeal restores it); a further fall counts afresh.
RISK_CHANGE_KINDS = [LimitChange.Kind.RISK_REDUCTION, LimitChange.Kind.RISK_FREEZE]


def account_figures_many(*, account_ids, policy, now=None):
    """What ``policy_decide`` needs for many accounts, from one query (the accounts annotated
    with their latest score, look-back high and latest signal values) and one for warnings.
    Returns plain figures keyed by account id; no model instances are built."""
    now = now or timezone.now()
    if not account_ids:
        return {}
    scores = CreditScore.objects.filter(account=OuterRef("pk"))

    def latest_signal(kind):
        return Subquery(
            RiskSignal.objects.filter(account=OuterRef("pk"), kind=kind).order_by("-observed_at").values("value")[:1]
        )

    since = now - timedelta(days=policy.score_lookback_days)
    # A fall that has cut or frozen the line does not count again: the high is read from the
    # score in force at the account's latest risk change onwards (see RISK_CHANGE_KINDS).
    latest_risk_change = (
        LimitChange.objects.filter(account=OuterRef("pk"), kind__in=RISK_CHANGE_KINDS)
        .order_by("-sequence")
        .values("effective_at")[:1]
    )
    rows = (
        CreditAccount.objects.filter(pk__in=ids_among(account_ids))
        .annotate(latest_risk_change_at=Subquery(latest_risk_change))
        .annotate(
            high_from=Subquery(
                scores.filter(scored_at__lte=OuterRef("latest_risk_change_at"))
                .order_by("-scored_at")
                .values("scored_at")[:1]
            )
        )
        .annotate(
            score_now=Subquery(scores.order_by("-scored_at").values("score")[:1]),
            score_high=Subquery(
                scores.filter(scored_at__gte=since)
                .filter(scored_at__gte=Coalesce(OuterRef("high_from"), Value(since, output_field=DateTimeField())))
                .order_by()
                .values("account")
                .annotate(top=Max("score"))
                .values("top")
            ),
            overdue_days=latest_signal(RiskSignal.Kind.LINKED_OVERDUE),
            draws_30d=latest_signal(RiskSignal.Kind.BORROWING_FREQUENCY),
            days_late=latest_signal(RiskSignal.Kind.REPAYMENT_SPEED),
        )
        .values_list(
            "pk",
            "credit_limit",
            "status",
            "product__limit_step",
            "score_now",
            "score_high",
            "overdue_days",
            "draws_30d",
            "days_late",
        )
    )
    warned = set(
        RiskDecision.objects.filter(
            account_id__in=ids_among(account_ids),
            kind=RiskDecision.Kind.WATCH,
            created_at__gte=now - timedelta(days=policy.watch_valid_days),
        ).values_list("account_id", flat=True)
    )
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


def _watch_notice_items(*, decisions, recipients):
    from accounts.models import ReasonCode

    texts = NoticeTexts(ReasonCode.objects.in_bulk({code for decision in decisions for code in decision.reason_codes}))
    items, owners = [], []
    for decision in decisions:
        recipient = recipients.get(decision.account.customer_id)
        if recipient is None:
            continue
        owners.append(decision)
        items.append(
            {
                "recipient": recipient,
                "kind": "risk_watch",
                "template": "risk_watch",
                "context": {
                    "account": {"external_id": decision.account.external_id},
                    "reasons": texts.reasons(decision.reason_codes, recipient.preferred_language),
                },
                "link": "/",
            }
        )
    return items, owners


def _planned_change(decision, *, approver=None, now):
    freeze = decision.kind == RiskDecision.Kind.FREEZE
    return PlannedChange(
        account=decision.account,
        kind=LimitChange.Kind.RISK_FREEZE if freeze else LimitChange.Kind.RISK_REDUCTION,
        new_limit=decision.proposed_limit,
        new_status=CreditAccount.Status.FROZEN if freeze else decision.account.status,
        reason_codes=decision.reason_codes,
        decided_by=LimitChange.DecidedBy.POLICY,
        decided_by_user=approver,
        policy_version=decision.policy_version.label,
        source_reference=f"risk-decision:{decision.trigger_key[:16]}",
        effective_at=now,
    )


# Accounts per chunk: large enough to amortise a task's overhead, small enough that a lost worker
# redoes little (a chunk is decided once: see RiskEvaluationChunk).
EVALUATION_CHUNK = 500
# Advisory locks (portal.db.transaction_lock): runs start one at a time; signal writers take turns.
RUN_LOCK = "accounts.riskevaluationrun.start"
SIGNALS_WRITE_LOCK = "accounts.risksignal.write"


def risk_signals_write_lock():
    """Every writer of risk signals calls this in its transaction before inserting: writers take
    turns, so signal ids grow in commit order and a policy run that reads the highest committed
    id has seen every signal below it (see RiskEvaluationRun)."""
    transaction_lock(SIGNALS_WRITE_LOCK)


def _evaluate_accounts(*, run, account_ids, now):
    """Decide these accounts on their signals in ``run`` under the run's policy, in a fixed
    number of queries; returns the decisions made. The caller holds a transaction.

    A decision is unique per account and set of signals, so deciding the same signals again
    (a redone chunk) changes nothing."""
    policy = run.policy_version
    signals = {}
    for signal_id, account_id in (
        RiskSignal.objects.filter(
            account_id__in=ids_among(account_ids), pk__gt=run.after_signal_id, pk__lte=run.through_signal_id
        )
        .order_by("pk")
        .values_list("pk", "account_id")
    ):
        signals.setdefault(account_id, []).append(signal_id)
    if not signals:
        return []
    # The run picked these accounts as ones the policy may act on: lock them (in primary-key
    # order, so overlapping chunks cannot deadlock), then read their figures once.
    accounts = list(
        CreditAccount.objects.select_for_update()
        .prefetch_related("product")  # the few products once, not one copy per account
        .filter(pk__in=ids_among(signals))
        .order_by("pk")
    )
    figures = account_figures_many(account_ids=list(signals), policy=policy, now=now)

    decisions = []
    for account in accounts:
        outcome = policy_decide(policy=policy, figures=figures[account.pk])
        if outcome.kind is None:
            continue
        key = hashlib.sha256(f"{policy.pk}:{','.join(map(str, signals[account.pk]))}".encode()).hexdigest()
        decisions.append(
            RiskDecision(
                account=account,
                policy_version=policy,
                kind=outcome.kind,
                status=(
                    RiskDecision.Status.WARNED
                    if outcome.kind == RiskDecision.Kind.WATCH
                    else RiskDecision.Status.PENDING_APPROVAL
                    if outcome.needs_approval
                    else RiskDecision.Status.APPLIED
                ),
                previous_limit=account.credit_limit,
                proposed_limit=outcome.target_limit,
                reason_codes=outcome.reason_codes,
                inputs={**figures[account.pk].as_json(), "cut_percent": outcome.cut_percent},
                trigger_key=key,
            )
        )
    seen = set(
        RiskDecision.objects.filter(
            account_id__in=ids_among(d.account.pk for d in decisions),
            trigger_key__in=[d.trigger_key for d in decisions],
        ).values_list("account_id", "trigger_key")
    )
    decisions = [d for d in decisions if (d.account.pk, d.trigger_key) not in seen]
    if not decisions:
        return []

    watch = [d for d in decisions if d.status == RiskDecision.Status.WARNED]
    if watch:
        recipients = notice_recipients(customer_ids={d.account.customer_id for d in watch})
        items, owners = _watch_notice_items(decisions=watch, recipients=recipients)
        for decision, notice in zip(owners, notifications_send_many(items=items), strict=True):
            decision.notice = notice

    pending = [d for d in decisions if d.status == RiskDecision.Status.PENDING_APPROVAL]
    if pending:
        # A newer proposal replaces one still waiting: the approver sees current figures.
        RiskDecision.objects.awaiting_approval().filter(account_id__in=ids_among(d.account.pk for d in pending)).update(
            status=RiskDecision.Status.SUPERSEDED
        )

    applied = [d for d in decisions if d.status == RiskDecision.Status.APPLIED]
    changes = limit_changes_apply_locked(planned=[_planned_change(d, now=now) for d in applied])
    for decision, change in zip(applied, changes, strict=True):
        decision.limit_change = change

    rows_insert(RiskDecision, decisions)
    audit_events_record_many(
        events=[
            {
                "actor": None,
                "actor_label": f"policy {policy.label}",
                "action": f"risk_decision.{d.status}",
                "target": d.account,
                "after": {"kind": d.kind, "proposed_limit": str(d.proposed_limit), "reasons": d.reason_codes},
            }
            for d in decisions
        ]
    )
    return decisions


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


def _run_candidates(*, policy, after, through, now):
    """(accounts with signals in the range, the ones among them the policy may act on)."""
    if connection.vendor != "postgresql":
        pending = sorted(
            set(
                RiskSignal.objects.filter(pk__gt=after, pk__lte=through).values_list("account_id", flat=True).order_by()
            )
        )
        return len(pending), pending
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
                "macro": policy.macro_tightening,
                "drop": min(policy.score_drop_points, policy.watch_score_drop_points),
                "overdue": min(max(policy.overdue_days_threshold, 1), policy.freeze_overdue_days),
                "draws": policy.borrowing_frequency_threshold,
                "late": policy.repayment_delay_threshold,
            },
        )
        return cursor.fetchone()


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
            decisions = _evaluate_accounts(run=chunk.run, account_ids=chunk.account_ids, now=now)
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
    from accounts.tasks import risk_policy_evaluate_chunk

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
            task_enqueue_on_commit(risk_policy_evaluate_chunk, chunk.pk)
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


def _check_reviewer(*, decision, reviewer):
    if not reviewer.has_perm("accounts.approve_riskdecision"):
        raise PortalError(_("You do not have permission to review risk decisions."), code="forbidden")
    policy = decision.policy_version
    if reviewer.pk in (policy.created_by_id, policy.activated_by_id):
        raise PortalError(
            _("You wrote or switched on the policy that made this decision, so someone else must review it."),
            code="four_eyes",
        )


def risk_decision_approve(*, decision, reviewer, note="", request=None, now=None):
    """A second person approves a large cut or a freeze; it takes effect now."""
    now = now or timezone.now()
    with transaction.atomic():
        decision = (
            RiskDecision.objects.select_for_update().select_related("policy_version", "account").get(pk=decision.pk)
        )
        _check_reviewer(decision=decision, reviewer=reviewer)
        if decision.status != RiskDecision.Status.PENDING_APPROVAL:
            raise PortalError(_("This decision is no longer waiting for approval."), code="not_pending")
        account = CreditAccount.objects.select_for_update().select_related("product").get(pk=decision.account_id)
        stale = account.status != CreditAccount.Status.ACTIVE or account.credit_limit != decision.previous_limit
        decision.reviewed_by, decision.reviewed_at, decision.review_note = reviewer, now, note
        if stale:
            decision.status = RiskDecision.Status.SUPERSEDED
            decision.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
        else:
            decision.account = (
                CreditAccount.objects.select_for_update().select_related("product").get(pk=decision.account_id)
            )
            (decision.limit_change,) = limit_changes_apply_locked(
                planned=[_planned_change(decision, approver=reviewer, now=now)], request=request
            )
            decision.status = RiskDecision.Status.APPLIED
            decision.save(update_fields=["limit_change", "status", "reviewed_by", "reviewed_at", "review_note"])
        audit_event_record(
            actor=reviewer, action=f"risk_decision.{decision.status}", target=decision, summary=note, request=request
        )
    # Outside the transaction, so the decision stays set aside when we refuse.
    if stale:
        raise PortalError(
            _(
                "The account changed since this decision was made, so it was set aside. "
                "The next evaluation decides again."
            ),
            code="stale",
        )
    return decision


def risk_decision_reject(*, decision, reviewer, note, request=None, now=None):
    now = now or timezone.now()
    if not (note or "").strip():
        raise PortalError(_("Say why you reject this decision."), field="note")
    with transaction.atomic():
        decision = RiskDecision.objects.select_for_update().select_related("policy_version").get(pk=decision.pk)
        _check_reviewer(decision=decision, reviewer=reviewer)
        if decision.status != RiskDecision.Status.PENDING_APPROVAL:
            raise PortalError(_("This decision is no longer waiting for approval."), code="not_pending")
        decision.status = RiskDecision.Status.REJECTED
        decision.reviewed_by, decision.reviewed_at, decision.review_note = reviewer, now, note
        decision.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
        audit_event_record(
            actor=reviewer, action="risk_decision.rejected", target=decision, summary=note, request=request
        )
    return decision


def policy_version_preview(*, policy, now=None):
    """What this policy would do to the active accounts today, before it is switched on:
    counts by kind and the total limit it would remove. Nothing is written."""
    now = now or timezone.now()
    summary = {"accounts": 0, "watch": 0, "reduction": 0, "freeze": 0, "needs_approval": 0, "limit_removed": ZERO}
    account_ids = list(CreditAccount.objects.filter(status=CreditAccount.Status.ACTIVE).values_list("pk", flat=True))
    for start in range(0, len(account_ids), 5000):
        for figures in account_figures_many(
            account_ids=account_ids[start : start + 5000], policy=policy, now=now
        ).values():
            summary["accounts"] += 1
            # Preview the cut itself, as if any warning had already been given.
            outcome = policy_decide(policy=policy, figures=replace(figures, recently_warned=True))
            if outcome.kind is None:
                continue
            summary[outcome.kind] += 1
            summary["needs_approval"] += int(outcome.needs_approval)
            summary["limit_removed"] += figures.credit_limit - outcome.target_limit
    return summary


def policy_version_activate(*, policy, actor, request=None, now=None):
    """Switch a draft policy on; the version in force until now is retired."""
    now = now or timezone.now()
    if not actor.has_perm("accounts.change_policyversion"):
        raise PortalError(_("You do not have permission to switch policies on."), code="forbidden")
    with transaction.atomic():
        policy = PolicyVersion.objects.select_for_update().get(pk=policy.pk)
        if policy.status != PolicyVersion.Status.DRAFT:
            raise PortalError(_("Only a draft can be switched on."), code="not_draft")
        previous = PolicyVersion.objects.select_for_update().filter(status=PolicyVersion.Status.ACTIVE).first()
        if previous:
            previous.status = PolicyVersion.Status.RETIRED
            previous.save(update_fields=["status"])
        policy.status = PolicyVersion.Status.ACTIVE
        policy.activated_at, policy.activated_by = now, actor
        policy.save(update_fields=["status", "activated_at", "activated_by"])
        audit_event_record(
            actor=actor,
            action="policy_version.activated",
            target=policy,
            before={"active": previous.label if previous else None},
            after={"active": policy.label},
            request=request,
        )
    return policy


POLICY_PARAMETERS = [
    "score_lookback_days",
    "score_drop_points",
    "watch_score_drop_points",
    "base_cut_percent",
    "combined_cut_percent",
    "overdue_days_threshold",
    "borrowing_frequency_threshold",
    "repayment_delay_threshold",
    "macro_tightening",
    "freeze_overdue_days",
    "freeze_factor_count",
    "approval_cut_percent",
    "warn_before_cut",
    "watch_valid_days",
]


def policy_version_copy(*, policy, actor, request=None):
    """Start a new draft from any version: the way to change rules that are in force."""
    if not actor.has_perm("accounts.add_policyversion"):
        raise PortalError(_("You do not have permission to write policies."), code="forbidden")
    with transaction.atomic():
        copy = PolicyVersion.objects.create(
            name=policy.name,
            notes="",
            created_by=actor,
            **{name: getattr(policy, name) for name in POLICY_PARAMETERS},
        )
        audit_event_record(
            actor=actor, action="policy_version.copied", target=copy, before={"from": policy.label}, request=request
        )
    return copy


def risk_report_send(*, day=None):
    """Email the daily risk report to every active member of the Risk analyst group, once."""
    from accounts.risk.selectors import risk_report_get

    report = risk_report_get(day=day)
    analysts = User.objects.filter(groups__name="Risk analyst", is_active=True).distinct()
    sent = 0
    for analyst in analysts:
        with transaction.atomic():
            notification_send(
                recipient=analyst,
                kind="risk_report",
                template="risk_report",
                context={"report": report},
                link="/admin/risk-report/",
                idempotency_key=f"risk-report:{report['day']:%Y-%m-%d}:{analyst.pk}",
            )
        sent += 1
    return sent
