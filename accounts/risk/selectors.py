"""Reads for staff about the risk policy: the daily risk report."""

from datetime import datetime, time, timedelta

from django.db.models import Count, Q, Sum
from django.utils import timezone

from accounts.models import (
    CreditAccount,
    CreditScore,
    LimitChange,
    RiskDecision,
    RiskEvaluationChunk,
    RiskEvaluationRun,
    RiskSignal,
)
from portal.models import Notification

SCORE_BANDS = [(300, 549), (550, 649), (650, 699), (700, 749), (750, 799), (800, 950)]


def risk_report_get(*, day=None):
    """The daily risk report (风险评分日报) for ``day`` (a local date; default yesterday)."""
    day = day or (timezone.localdate() - timedelta(days=1))
    start = timezone.make_aware(datetime.combine(day, time.min))
    end = start + timedelta(days=1)

    signals = RiskSignal.objects.filter(received_at__gte=start, received_at__lt=end)
    signals_by_kind = dict(signals.values_list("kind").annotate(total=Count("pk")).order_by())

    changes = LimitChange.objects.filter(
        effective_at__gte=start,
        effective_at__lt=end,
        kind__in=[LimitChange.Kind.RISK_REDUCTION, LimitChange.Kind.RISK_FREEZE],
    )
    changes_by_kind = dict(changes.values_list("kind").annotate(total=Count("pk")).order_by())
    reductions = changes.filter(kind=LimitChange.Kind.RISK_REDUCTION).values_list("previous_limit", "new_limit")
    limit_reduced = sum((previous - new for previous, new in reductions), start=0)

    reason_counts = {}
    for codes in changes.values_list("reason_codes", flat=True):
        for code in codes:
            reason_counts[code] = reason_counts.get(code, 0) + 1

    decisions = RiskDecision.objects.filter(created_at__gte=start, created_at__lt=end)
    decisions_by_kind = dict(decisions.values_list("kind").annotate(total=Count("pk")).order_by())

    latest_scores = CreditScore.objects.filter(scored_at__gte=start, scored_at__lt=end)
    score_distribution = [
        {"band": f"{low}–{high}", "count": latest_scores.filter(score__gte=low, score__lte=high).count()}
        for low, high in SCORE_BANDS
    ]

    appeals_opened = 0
    try:
        from appeals.models import Appeal  # present once the appeals feature exists

        appeals_opened = Appeal.objects.filter(created_at__gte=start, created_at__lt=end).count()
    except ImportError:
        pass

    accounts = CreditAccount.objects.aggregate(
        active=Count("pk", filter=Q(status="active")),
        frozen=Count("pk", filter=Q(status="frozen")),
        total_limit=Sum("credit_limit", filter=Q(status="active")),
    )
    return {
        "day": day,
        "signals_total": sum(signals_by_kind.values()),
        "signals_by_kind": signals_by_kind,
        "decisions_by_kind": decisions_by_kind,
        "changes_by_kind": changes_by_kind,
        "reductions": changes_by_kind.get(LimitChange.Kind.RISK_REDUCTION, 0),
        "freezes": changes_by_kind.get(LimitChange.Kind.RISK_FREEZE, 0),
        "limit_reduced": limit_reduced,
        "reason_counts": sorted(reason_counts.items(), key=lambda item: -item[1]),
        "score_distribution": score_distribution,
        "pending_approvals": RiskDecision.objects.awaiting_approval().count(),
        "policy_runs": RiskEvaluationRun.objects.filter(started_at__gte=start, started_at__lt=end).count(),
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
        "appeals_opened": appeals_opened,
        "accounts": accounts,
    }
