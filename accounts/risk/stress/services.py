"""Stress tests: an analyst asks for one (checked and audited), a background task runs it over
the book in chunks, reporting progress, and keeps the result with the policy version. The run
reads the book and writes only its own stress-test row: no ledger rows, decisions, notices or
signals."""

import logging
import time
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import CreditAccount, PolicyVersion, StressTest
from accounts.risk.segments.selectors import account_segments_many, segment_rules, segment_set_active
from accounts.risk.stress.engine import Shock, Tally, figures_shocked
from accounts.risk.stress.figures import book_figures
from accounts.risk.stress.selectors import appeal_rate_estimate
from portal.exceptions import PortalError
from portal.services import audit_event_record, task_enqueue_on_commit

logger = logging.getLogger(__name__)

RUN_TASK = "accounts.risk.stress.tasks.stress_test_run"
# Account ids read and decided at a time; progress is saved after each chunk.
STRESS_CHUNK = 25_000
# The sane bounds of a shock.
SCORE_SHOCK_MAX = 300
OVERDUE_DAYS_MAX = 365


def _shock_checked(*, score_shock_points, overdue_share_percent, overdue_days):
    """The shock as numbers within their bounds, or a PortalError naming the field."""
    try:
        points = int(score_shock_points)
        valid_points = str(score_shock_points).strip().lstrip("-").isdigit() and 0 <= points <= SCORE_SHOCK_MAX
    except (TypeError, ValueError):
        valid_points = False
    if not valid_points:
        raise PortalError(
            _("The score shock must be a whole number of points from 0 to %(max)s.") % {"max": SCORE_SHOCK_MAX},
            field="score_shock_points",
        )
    try:
        share = Decimal(str(overdue_share_percent))
        valid_share = share.is_finite() and 0 <= share <= 100 and share == share.quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        valid_share = False
    if not valid_share:
        raise PortalError(
            _("The share of accounts with a linked overdue must be a percentage from 0 to 100."),
            field="overdue_share_percent",
        )
    try:
        days = int(overdue_days)
        valid_days = 1 <= days <= OVERDUE_DAYS_MAX
    except (TypeError, ValueError):
        valid_days = False
    if not valid_days:
        raise PortalError(
            _("The days overdue must be a whole number from 1 to %(max)s.") % {"max": OVERDUE_DAYS_MAX},
            field="overdue_days",
        )
    return points, share, days


def stress_test_start(
    *,
    policy,
    actor,
    score_shock_points,
    overdue_share_percent,
    macro_tightening,
    overdue_days=30,
    request=None,
):
    """Ask for a stress test of ``policy`` under a shock; it runs in the background once this
    commits. Refused, with nothing written, for a shock outside its bounds or a retired version."""
    if not actor.has_perm("accounts.run_stresstest"):
        raise PortalError(_("You do not have permission to run stress tests."), code="forbidden")
    points, share, days = _shock_checked(
        score_shock_points=score_shock_points, overdue_share_percent=overdue_share_percent, overdue_days=overdue_days
    )
    with transaction.atomic():
        policy = PolicyVersion.objects.select_for_update().get(pk=policy.pk)
        if policy.status == PolicyVersion.Status.RETIRED:
            raise PortalError(
                _("%(policy)s is retired: copy it as a new draft and test the draft.") % {"policy": policy.label},
                code="retired",
            )
        baseline = PolicyVersion.objects.active().first()
        stress_test = StressTest.objects.create(
            policy_version=policy,
            baseline_version=baseline if baseline and baseline.pk != policy.pk else None,
            segment_set=segment_set_active(),
            score_shock_points=points,
            overdue_share_percent=share,
            overdue_days=days,
            macro_tightening=bool(macro_tightening),
            created_by=actor,
        )
        audit_event_record(
            actor=actor,
            action="stress_test.started",
            target=stress_test,
            after={
                "policy": policy.label,
                "baseline": baseline.label if baseline else None,
                "score_shock_points": points,
                "overdue_share_percent": str(share),
                "overdue_days": days,
                "macro_tightening": bool(macro_tightening),
            },
            request=request,
        )
        task_enqueue_on_commit(RUN_TASK, stress_test.pk)
    return stress_test


def _book():
    """The accounts a policy may act on: active lines with a limit."""
    return CreditAccount.objects.filter(status=CreditAccount.Status.ACTIVE, credit_limit__gt=0)


def _book_ranges(chunk_size):
    """(after, through) id ranges covering the book, ``chunk_size`` ids wide: each is read by
    range, so no list of a million ids is held or sent."""
    bounds = _book().aggregate(first=Min("pk"), last=Max("pk"))
    if bounds["first"] is None:
        return
    for after in range(bounds["first"] - 1, bounds["last"], chunk_size):
        yield after, min(after + chunk_size, bounds["last"])


def _chunk_tally(*, after, through, tallies, rules, shock, now):
    """Decide one range of the book under the shock for each version (figures read once per
    look-back and warning window); returns how many accounts it held."""
    figures_by_window, segments = {}, None
    with transaction.atomic():  # one snapshot for the range's reads
        for tally in tallies:
            window = (tally.policy.score_lookback_days, tally.policy.watch_valid_days)
            if window not in figures_by_window:
                figures = book_figures(after=after, through=through, policy=tally.policy, now=now)
                figures_by_window[window] = [
                    (pk, account, figures_shocked(account, account_id=pk, shock=shock))
                    for pk, account in figures.items()
                ]
            if segments is None:
                ids = [pk for pk, _account, _shocked in figures_by_window[window]]
                segments = account_segments_many(account_ids=ids, rules=rules, now=now)
            for pk, account, shocked in figures_by_window[window]:
                tally.add(segment=segments.get(pk, ""), figures=account, shocked=shocked)
    return len(segments or {})


def stress_test_compute(*, stress_test, now, chunk_size=STRESS_CHUNK, progress=None):
    """The result of a stress test (plain JSON), reading the book in chunks; ``progress(done)``
    is called after each chunk. Writes nothing."""
    started = time.perf_counter()
    shock = Shock(
        score_points=stress_test.score_shock_points,
        overdue_share_percent=stress_test.overdue_share_percent,
        overdue_days=stress_test.overdue_days,
        macro_tightening=stress_test.macro_tightening,
    )
    rules = segment_rules(stress_test.segment_set)
    candidate = Tally(stress_test.policy_version, shock=shock)
    tallies = [candidate]
    baseline = None
    if stress_test.baseline_version is not None:
        baseline = Tally(stress_test.baseline_version, shock=shock)
        tallies.append(baseline)
    done = 0
    for after, through in _book_ranges(chunk_size):
        done += _chunk_tally(after=after, through=through, tallies=tallies, rules=rules, shock=shock, now=now)
        if progress:
            progress(done)
    rate, rate_source, rate_basis = appeal_rate_estimate(now=now)
    return {
        "accounts": done,
        "segments": [{"key": rule.key, "label": rule.label} for rule in rules],
        "candidate": candidate.as_json(appeal_rate=rate),
        "baseline": baseline.as_json(appeal_rate=rate) if baseline else None,
        "assumptions": {
            "appeal_rate": str(rate),
            "appeal_rate_source": rate_source,
            "appeal_rate_basis": rate_basis,
        },
        # Times policy_decide ran per version: accounts with figures seen before reuse the outcome.
        "decided": {"candidate": candidate.decided, "baseline": baseline.decided if baseline else 0},
        "as_of": now.isoformat(),
        "seconds": round(time.perf_counter() - started, 1),
    }


def stress_test_run(*, stress_test_id, chunk_size=STRESS_CHUNK, now=None):
    """Run a requested stress test (the task's body): mark it running, compute it chunk by chunk
    saving progress, then keep the result. Safe to run again: a finished test is left as it is,
    an interrupted one starts over. On an error the test is marked failed with it, and it is
    raised again."""
    now = now or timezone.now()
    with transaction.atomic():
        stress_test = (
            StressTest.objects.select_for_update(of=("self",))
            .select_related("policy_version", "baseline_version", "segment_set")
            .filter(pk=stress_test_id)
            .first()
        )
        if stress_test is None or stress_test.status == StressTest.Status.DONE:
            return stress_test
        stress_test.status, stress_test.started_at, stress_test.error = StressTest.Status.RUNNING, now, ""
        stress_test.accounts_total, stress_test.accounts_done = _book().count(), 0
        stress_test.save(update_fields=["status", "started_at", "error", "accounts_total", "accounts_done"])

    def progress(done):
        StressTest.objects.filter(pk=stress_test_id).update(accounts_done=done)

    try:
        result = stress_test_compute(stress_test=stress_test, now=now, chunk_size=chunk_size, progress=progress)
    except Exception as error:
        StressTest.objects.filter(pk=stress_test_id).update(
            status=StressTest.Status.FAILED, error=f"{type(error).__name__}: {error}"[:500], finished_at=timezone.now()
        )
        raise
    stress_test.status, stress_test.result, stress_test.finished_at = StressTest.Status.DONE, result, timezone.now()
    stress_test.accounts_done = result["accounts"]
    stress_test.accounts_total = max(stress_test.accounts_total, result["accounts"])
    stress_test.save(update_fields=["status", "result", "finished_at", "accounts_done", "accounts_total"])
    logger.info("Stress test %s: %s accounts in %s s", stress_test_id, result["accounts"], result["seconds"])
    return stress_test
