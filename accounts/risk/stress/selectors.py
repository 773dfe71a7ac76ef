"""Reads for stress tests: the appeal rate they assume, and a test's result laid out for staff."""

from datetime import timedelta
from decimal import Decimal

from django.utils.translation import gettext as _

from accounts.models import LimitChange, StressTest

# Without enough history the expected appeals use this share of cuts and freezes: a cautious
# planning figure for a consumer credit book, stated beside every result that uses it.
DEFAULT_APPEAL_RATE = Decimal("0.05")
# Risk changes in the last year needed before their own appeal rate is used instead.
APPEAL_RATE_MIN_BASIS = 50
APPEAL_RATE_WINDOW = timedelta(days=365)


def appeal_rate_estimate(*, now):
    """(rate, source, basis): the share of the last year's risk cuts and freezes that were
    appealed ("past_decisions", over ``basis`` changes), or DEFAULT_APPEAL_RATE ("default")
    when fewer than APPEAL_RATE_MIN_BASIS were made."""
    changes = LimitChange.objects.filter(
        kind__in=[LimitChange.Kind.RISK_REDUCTION, LimitChange.Kind.RISK_FREEZE],
        effective_at__gte=now - APPEAL_RATE_WINDOW,
    )
    basis = changes.count()
    if basis < APPEAL_RATE_MIN_BASIS:
        return DEFAULT_APPEAL_RATE, "default", basis
    # Appeals point at the ledger row they contest (appeals.Appeal.limit_change, related "appeals").
    appealed = changes.filter(appeals__isnull=False).distinct().count()
    return (Decimal(appealed) / Decimal(basis)).quantize(Decimal("0.0001")), "past_decisions", basis


def stress_tests_for_policy(*, policy, limit=5):
    """The version's latest stress tests, newest first, with what the approval page shows."""
    return list(
        StressTest.objects.filter(policy_version=policy)
        .select_related("baseline_version", "segment_set", "created_by")
        .order_by("-created_at", "-pk")[:limit]
    )


def _row(label, candidate, baseline):
    return {"label": label, "candidate": candidate, "baseline": baseline}


def stress_test_table(stress_test):
    """The result as rows for the approval page: one per segment and a total, each with the
    version's figures beside the version in force (None when nothing was in force)."""
    result = stress_test.result or {}
    if not result:
        return []
    candidate, baseline = result["candidate"], result.get("baseline")
    labels = {segment["key"]: segment["label"] for segment in result.get("segments", [])}
    keys = [segment["key"] for segment in result.get("segments", [])]
    keys += [key for key in candidate["by_segment"] if key not in keys]
    rows = [
        _row(
            labels.get(key) or _("No segment"),
            candidate["by_segment"].get(key),
            baseline["by_segment"].get(key) if baseline else None,
        )
        for key in keys
        if key in candidate["by_segment"]
    ]
    rows.append(_row(_("All accounts"), candidate["total"], baseline["total"] if baseline else None))
    return rows
