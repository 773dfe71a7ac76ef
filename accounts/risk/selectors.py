"""Reads for staff about the risk policy: the daily risk report."""

from datetime import datetime, time, timedelta

from django.db.models import Count, Q, Sum
from django.utils import timezone

from accounts.models import (
    ClosureRequest,
    CreditAccount,
    CreditScore,
    LimitChange,
    RiskDecision,
    RiskEvaluationChunk,
    RiskEvaluationRun,
    RiskSignal,
)
from accounts.risk.anomaly.selectors import anomaly_report_get
from portal.models import Notification

SCORE_BANDS = [(300, 549), (550, 649), (650, 699), (700, 749), (750, 799), (800, 950)]


def _counts_by(queryset, column):
    return dict(queryset.values_list(column).annotate(total=Count("pk")).order_by())


def _risk_changes_summary(changes):
    """Counts by kind, the limit the reductions removed, and how often each reason was given."""
    reductions = changes.filter(kind=LimitChange.Kind.RISK_REDUCTION).values_list("previous_limit", "new_limit")
    reason_counts = {}
    for codes in changes.values_list("reason_codes", flat=True):
        for code in codes:
            reason_counts[code] = reason_counts.get(code, 0) + 1
    return {
        "changes_by_kind": _counts_by(changes, "kind"),
        "limit_reduced": sum((previous - new for previous, new in reductions), start=0),
        "reason_counts": sorted(reason_counts.items(), key=lambda item: -item[1]),
    }


def _appeals_opened(start, end):
    """Appeals filed in [start, end), counted through the decisions they are against (each has
    exactly one: a ledger row or a closure request), so this layer does not import appeals."""
    opened = {"appeals__created_at__gte": start, "appeals__created_at__lt": end}
    # No ORDER BY inside the union (the models' default ordering): SQLite refuses one there.
    against_changes = LimitChange.objects.filter(**opened).order_by().values("appeals__pk")
    against_closures = ClosureRequest.objects.filter(**opened).order_by().values("appeals__pk")
    return against_changes.union(against_closures, all=True).count()


def _operations_now():
    """What needs staff now, whatever the day: approvals, chunks, failed notice emails."""
    return {
        "pending_approvals": RiskDecision.objects.awaiting_approval().count(),
        # Chunks a worker has not decided yet, now: more than a handful for long means lost tasks
        # (the beat job queues them again after ten minutes) or workers that are down. Given up:
        # queued again CHUNK_MAX_REQUEUES times without success, waiting for staff (admin).
        "chunks_waiting": RiskEvaluationChunk.objects.waiting().count(),
        "chunks_given_up": RiskEvaluationChunk.objects.given_up(timezone.now()).count(),
        # Borrowers told in the portal but not by email: the mail server refused every attempt.
        # Support sends them again from the notifications admin once the cause is fixed.
        "notice_emails_failed": Notification.objects.filter(
            Q(kind__startswith="limit_change.") | Q(kind="risk_watch"), email_status=Notification.EmailStatus.FAILED
        ).count(),
    }


def risk_report_get(*, day=None):
    """The daily risk report (风险评分日报) for ``day`` (a local date; default yesterday)."""
    day = day or (timezone.localdate() - timedelta(days=1))
    start = timezone.make_aware(datetime.combine(day, time.min))
    end = start + timedelta(days=1)

    signals_by_kind = _counts_by(RiskSignal.objects.filter(received_at__gte=start, received_at__lt=end), "kind")
    changes = _risk_changes_summary(
        LimitChange.objects.filter(
            effective_at__gte=start,
            effective_at__lt=end,
            kind__in=[LimitChange.Kind.RISK_REDUCTION, LimitChange.Kind.RISK_FREEZE],
        )
    )
    scores = CreditScore.objects.filter(scored_at__gte=start, scored_at__lt=end)
    return {
        "day": day,
        # Anomaly reviews opened that day, still open, and each model version's precision.
        "anomaly": anomaly_report_get(day=day),
        "signals_total": sum(signals_by_kind.values()),
        "signals_by_kind": signals_by_kind,
        "decisions_by_kind": _counts_by(RiskDecision.objects.filter(created_at__gte=start, created_at__lt=end), "kind"),
        **changes,
        "reductions": changes["changes_by_kind"].get(LimitChange.Kind.RISK_REDUCTION, 0),
        "freezes": changes["changes_by_kind"].get(LimitChange.Kind.RISK_FREEZE, 0),
        "score_distribution": [
            {"band": f"{low}–{high}", "count": scores.filter(score__gte=low, score__lte=high).count()}
            for low, high in SCORE_BANDS
        ],
        "policy_runs": RiskEvaluationRun.objects.filter(started_at__gte=start, started_at__lt=end).count(),
        **_operations_now(),
        "appeals_opened": _appeals_opened(start, end),
        "accounts": CreditAccount.objects.aggregate(
            active=Count("pk", filter=Q(status="active")),
            frozen=Count("pk", filter=Q(status="frozen")),
            total_limit=Sum("credit_limit", filter=Q(status="active")),
        ),
    }


def policy_run_detail(*, run, now=None):
    """What a policy run's page shows: its chunks (done or not, errors, requeues) and the
    decisions made on its accounts under its policy since it started, before the next run did."""
    now = now or timezone.now()
    chunks = list(run.chunks.order_by("pk"))
    given_up = set(RiskEvaluationChunk.objects.given_up(now).filter(run=run).values_list("pk", flat=True))
    account_ids = sorted({account_id for chunk in chunks for account_id in chunk.account_ids})
    next_run = RiskEvaluationRun.objects.filter(after_signal_id__gte=run.through_signal_id).order_by("pk").first()
    decisions = RiskDecision.objects.filter(
        account_id__in=account_ids, policy_version=run.policy_version, created_at__gte=run.started_at
    )
    if next_run is not None:
        decisions = decisions.filter(created_at__lt=next_run.started_at)
    return {
        "chunks": [{"chunk": chunk, "given_up": chunk.pk in given_up} for chunk in chunks],
        "errors": [chunk for chunk in chunks if chunk.last_error],
        "decisions": list(decisions.select_related("account__product", "limit_change").order_by("pk")[:200]),
    }
