"""Computing the monthly reports: a chunk of borrowers' data in a few set-based queries, each
borrower's figures from the pure metrics, and one bulk insert that a re-run cannot repeat."""

from collections import defaultdict
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import CreditAccount, CreditScore, LimitChange, ReasonCode, RepaymentInstallment, User
from appeals.models import Appeal
from education.models import CommunicationPreference, HealthReport
from education.services import report_metrics as metrics
from education.services.report_texts import TIPS
from education.services.reports import emails, grading
from portal.exceptions import PortalError
from portal.services import audit_event_record

SNAPSHOT_VERSION = 2
TWO_PLACES = Decimal("0.01")
NO_APPEALS = {"submitted": 0, "open": 0, "waiting_for_you": 0}


# --- months and clocks -------------------------------------------------------------------------


def _portal_zone():
    return ZoneInfo(settings.TIME_ZONE)


def report_month_previous(*, now=None):
    """The month a run on ``now`` reports on: the previous calendar month in the portal's zone."""
    today = timezone.localtime(now or timezone.now(), _portal_zone()).date()
    return metrics.month_add(today.replace(day=1), -1)


def report_month_current(*, now=None):
    """The month the current report covers: the last finished one (a report never covers a month
    still running, so on 1 December it is November)."""
    return report_month_previous(now=now)


def report_month_check(*, month, now=None):
    """Refuse a month that has not finished yet at ``now``: its report would miss its last days."""
    now = now or timezone.now()
    month_end = datetime.combine(metrics.month_add(month, 1), time.min, tzinfo=_portal_zone())
    if month_end > now:
        raise PortalError(
            _("A report covers a finished month: the report for %(month)s can be made from %(day)s.")
            % {"month": month.strftime("%Y-%m"), "day": month_end.date().isoformat()},
            code="month_not_finished",
        )


def _period(month, now):
    """(start, end) of the report's month as aware datetimes, the end no later than now."""
    zone = _portal_zone()
    start = datetime.combine(month, time.min, tzinfo=zone)
    end = min(datetime.combine(metrics.month_add(month, 1), time.min, tzinfo=zone), now)
    return start, end


def user_id_bounds(user_ids):
    """The chunk's id bounds. Chunks are runs of consecutive ids, so with the bounds the database
    reads one narrow slice of the (month, user) index whatever its statistics say."""
    low, high = (min(user_ids), max(user_ids)) if user_ids else (0, -1)
    return {"user_id__gte": low, "user_id__lte": high}


# --- one chunk's data, in seven set-based queries ------------------------------------------------


class ChunkData(NamedTuple):
    customers: dict  # user id -> customer id, for the bound, active borrowers of the chunk
    accounts: dict  # customer id -> [(account id, limit, balance, currency)]
    history: dict  # customer id -> {"scores": [...], "installments": [...], "changes": [...]}
    appeals: dict  # user id -> appeal counts
    as_of: object  # the local date the figures are taken on
    states: dict = {}  # customer id -> the lines' statuses at the month's end (from the ledger)
    reason_articles: dict = {}  # reason code -> its literacy article's slug


def health_report_borrower_ids():
    """Every bound, active borrower login, by id: who gets a monthly report."""
    return list(User.objects.filter(customer__isnull=False, is_active=True).order_by("pk").values_list("pk", flat=True))


def _customer_ids(user_ids):
    return dict(
        User.objects.filter(pk__in=user_ids, customer__isnull=False, is_active=True).values_list("pk", "customer_id")
    )


def _account_rows(customer_ids, end):
    """Each account with its limit and status at the month's end, read from the ledger's newest
    row before ``end`` (the account's own when the ledger has none yet): one query."""
    newest = LimitChange.objects.filter(account=OuterRef("pk"), effective_at__lt=end).order_by("-sequence")
    return list(
        CreditAccount.objects.filter(customer_id__in=customer_ids)
        .annotate(
            limit_at_end=Coalesce(Subquery(newest.values("new_limit")[:1]), F("credit_limit")),
            status_at_end=Coalesce(Subquery(newest.values("new_status")[:1]), F("status")),
        )
        .values_list("pk", "customer_id", "limit_at_end", "outstanding_balance", "product__currency", "status_at_end")
    )


def _history_rows(account_ids, *, window_start, start, end, as_of):
    """Scores over the twelve months, installments due in them or the next 30 days, and the
    month's limit changes: three queries, rows as tuples."""
    scores = CreditScore.objects.filter(
        account_id__in=account_ids, scored_at__gte=window_start, scored_at__lt=end
    ).values_list("account_id", "score", "scored_at")
    installments = RepaymentInstallment.objects.filter(
        account_id__in=account_ids, due_date__gte=window_start.date(), due_date__lte=as_of + timedelta(days=30)
    ).values_list("pk", "account_id", "due_date", "amount_due", "amount_paid", "paid_at", "status")
    changes = (
        LimitChange.objects.filter(account_id__in=account_ids, effective_at__gte=start, effective_at__lt=end)
        .exclude(kind=LimitChange.Kind.OPENING)
        .order_by("effective_at")
        .values_list(
            "account_id",
            "effective_at",
            "kind",
            "previous_limit",
            "new_limit",
            "previous_status",
            "new_status",
            "reason_codes",
        )
    )
    return scores, installments, changes


def _limit_change_entry(effective_at, kind, previous, new, previous_status, new_status, reasons, zone):
    """A ledger row as the report keeps it. Only a change the lender made counts against the
    borrower ("adverse"): lowering or closing their own line never does."""
    return {
        "date": timezone.localtime(effective_at, zone).date().isoformat(),
        "kind": kind,
        "previous": str(previous),
        "new": str(new),
        "new_status": new_status,
        "reasons": list(reasons or []),
        "adverse": grading.is_lender_cut(
            kind=kind, previous_limit=previous, new_limit=new, previous_status=previous_status, new_status=new_status
        ),
    }


def _history_by_customer(account_owner, scores, installments, changes, zone):
    """The history rows regrouped by the customer who owns each account, in local dates."""
    history = defaultdict(lambda: {"scores": [], "installments": [], "changes": []})
    for account_id, score, scored_at in scores:
        history[account_owner[account_id]]["scores"].append((timezone.localtime(scored_at, zone).date(), score))
    for pk, account_id, due_date, amount_due, amount_paid, paid_at, status in installments:
        paid_on = timezone.localtime(paid_at, zone).date() if paid_at and amount_paid >= amount_due else None
        history[account_owner[account_id]]["installments"].append(
            metrics.Installment(pk, due_date, amount_due, amount_paid, paid_on, status)
        )
    for account_id, effective_at, *change in changes:
        history[account_owner[account_id]]["changes"].append(_limit_change_entry(effective_at, *change, zone))
    return history


def _appeal_counts(user_ids, start, end):
    """Per borrower: appeals filed in the month, open now, and waiting for the borrower's answer."""
    rows = (
        Appeal.objects.filter(submitted_by_id__in=user_ids)
        .filter(Q(created_at__gte=start, created_at__lt=end) | Q(status__in=Appeal.OPEN_STATUSES))
        .values_list("submitted_by_id", "status", "created_at")
    )
    counts = defaultdict(lambda: dict(NO_APPEALS))
    for user_id, status, created_at in rows:
        counts[user_id]["submitted"] += start <= created_at < end
        counts[user_id]["open"] += status in Appeal.OPEN_STATUSES
        counts[user_id]["waiting_for_you"] += status == Appeal.Status.INFORMATION_REQUESTED
    return counts


def chunk_data_load(user_ids, month, now):
    """Everything the chunk's reports need, in seven set-based queries (the reason catalogue is
    the seventh: a small table read whole)."""
    zone = _portal_zone()
    start, end = _period(month, now)
    as_of = timezone.localtime(end, zone).date()
    window_start = datetime.combine(metrics.month_add(month, -11), time.min, tzinfo=zone)
    customers = _customer_ids(user_ids)
    accounts, states = defaultdict(list), defaultdict(list)
    account_owner = {}
    for account_id, customer_id, *figures, status in _account_rows(customers.values(), end):
        accounts[customer_id].append((account_id, *figures))
        states[customer_id].append(status)
        account_owner[account_id] = customer_id
    rows = _history_rows(list(account_owner), window_start=window_start, start=start, end=end, as_of=as_of)
    return ChunkData(
        customers=customers,
        accounts=accounts,
        history=_history_by_customer(account_owner, *rows, zone),
        appeals=_appeal_counts(customers.keys(), start, end),
        as_of=as_of,
        states=states,
        reason_articles=dict(ReasonCode.objects.values_list("code", "article_slug")),
    )


# --- one borrower's figures, from plain data ---------------------------------------------------


def _owed(installment):
    return str((Decimal(installment.amount_due) - Decimal(installment.amount_paid)).quantize(TWO_PLACES))


def _dues(installments):
    return [{"due_date": item.due_date.isoformat(), "amount": _owed(item)} for item in installments]


def _money_figures(accounts):
    currency = accounts[0][3] if accounts else "CNY"
    credit_limit = sum((Decimal(row[1]) for row in accounts), Decimal("0.00"))
    balance = sum((Decimal(row[2]) for row in accounts), Decimal("0.00"))
    return currency, credit_limit, balance, metrics.utilisation(balance=balance, limit=credit_limit)


def _score_figures(scores, month):
    points = metrics.score_points(scores=scores, last_month=month)
    score = points[-1][1] if points else None
    score_change = points[-1][1] - points[0][1] if len(points) >= 2 else None
    return points, score, score_change


def _repayment_figures(installments, as_of, month):
    rate, due, on_time, by_month = metrics.repayment_punctuality(
        installments=installments, as_of=as_of, last_month=month
    )
    overdue = metrics.overdue_installments(installments=installments, as_of=as_of)
    upcoming = metrics.upcoming_dues(installments=installments, as_of=as_of)
    return {
        "rate": rate,
        "due": due,
        "on_time": on_time,
        "by_month": by_month,
        "overdue": overdue,
        "upcoming": upcoming,
    }


def _reason_articles(changes, reason_articles):
    """The literacy articles behind the lender's changes' reasons, newest change first."""
    codes = [code for change in reversed(changes) if change["adverse"] for code in change.get("reasons", [])]
    return [reason_articles[code] for code in codes if reason_articles.get(code) in TIPS]


def _verdict(*, score, score_change, utilisation, repayment, changes, appeals, line_state, reason_articles):
    """The grade, the reason for it and the tips: the figures' grade, capped by the score trend
    and the ledger (``grading``), and tips that start with the line's own situation."""
    rate, overdue_count = repayment["rate"], len(repayment["overdue"])
    lender_cut = any(change["adverse"] for change in changes)
    grade, reason = grading.grade_capped(
        grade=metrics.health_grade(
            score=score, utilisation=utilisation, on_time_rate=rate, overdue_count=overdue_count
        ),
        reason=metrics.grade_reason(
            score=score,
            score_change=score_change,
            utilisation=utilisation,
            on_time_rate=rate,
            overdue_count=overdue_count,
        ),
        score_change=score_change,
        line_state=line_state,
        lender_cut=lender_cut,
    )
    tips = metrics.tips_choose(
        score_change=score_change,
        utilisation=utilisation,
        on_time_rate=rate,
        overdue_count=overdue_count,
        upcoming_count=len(repayment["upcoming"]),
        adverse_changes=sum(change["adverse"] for change in changes),
        open_appeals=appeals["open"],
    )
    tips = grading.tips_for_line(
        tips,
        line_state=line_state,
        lender_cut=lender_cut,
        reason_articles=_reason_articles(changes, reason_articles),
    )
    return grade, reason, tips


def health_report_compute(
    *, month, as_of, accounts, scores, installments, changes, appeals, line_state="active", reason_articles=None
):
    """One borrower's report figures from plain data: ``(key columns, snapshot)``.

    ``accounts`` are ``(id, limit, balance, currency)`` at the month's end; ``scores``
    ``(local date, score)``; ``installments`` ``report_metrics.Installment``; ``changes`` dicts
    (the month's ledger rows); ``appeals`` counts; ``line_state`` the lines' state at the month's
    end (``grading.line_state_of``); ``reason_articles`` reason code -> article slug."""
    currency, credit_limit, balance, utilisation = _money_figures(accounts)
    points, score, score_change = _score_figures(scores, month)
    repayment = _repayment_figures(installments, as_of, month)
    grade, reason, tips = _verdict(
        score=score,
        score_change=score_change,
        utilisation=utilisation,
        repayment=repayment,
        changes=changes,
        appeals=appeals,
        line_state=line_state,
        reason_articles=reason_articles or {},
    )
    rate, upcoming = repayment["rate"], _dues(repayment["upcoming"])
    snapshot = {
        "version": SNAPSHOT_VERSION,
        "month": month.strftime("%Y-%m"),
        "as_of": as_of.isoformat(),
        "currency": currency,
        "score": score,
        "score_change": score_change,
        "score_points": points,
        "credit_limit": str(credit_limit),
        "balance": str(balance),
        "utilisation": str(utilisation) if utilisation is not None else None,
        "on_time_rate": str(rate) if rate is not None else None,
        "due_count": repayment["due"],
        "on_time_count": repayment["on_time"],
        "punctuality": repayment["by_month"],
        "overdue": _dues(repayment["overdue"]),
        "upcoming": upcoming,
        "upcoming_total": str(sum((Decimal(item["amount"]) for item in upcoming), Decimal("0.00"))),
        "limit_changes": changes,
        "line_state": line_state,
        "appeals": dict(appeals),
        "grade": grade,
        "reason": reason,
        "tips": tips,
    }
    columns = {
        "grade": grade,
        "score": score,
        "score_change": score_change,
        "utilisation": utilisation,
        "on_time_rate": rate,
        "currency": currency,
    }
    return columns, snapshot


# --- storing them ------------------------------------------------------------------------------


def _report_rows(data, month, now, preferences):
    """The unsaved reports of a chunk's borrowers; an email is pending unless they turned it off."""
    rows = []
    for user_id, customer_id in data.customers.items():
        history = data.history.get(customer_id) or {"scores": [], "installments": [], "changes": []}
        columns, snapshot = health_report_compute(
            month=month,
            as_of=data.as_of,
            accounts=data.accounts[customer_id],
            scores=history["scores"],
            installments=history["installments"],
            changes=history["changes"],
            appeals=data.appeals.get(user_id, NO_APPEALS),
            line_state=grading.line_state_of(data.states.get(customer_id, ())),
            reason_articles=data.reason_articles,
        )
        wants_email = preferences.get(user_id, True)
        email_status = HealthReport.EmailStatus.PENDING if wants_email else HealthReport.EmailStatus.SKIPPED
        rows.append(
            HealthReport(
                user_id=user_id, month=month, snapshot=snapshot, computed_at=now, email_status=email_status, **columns
            )
        )
    return rows


def health_reports_generate(*, user_ids, month, now=None):
    """Compute and store the month's reports for these borrowers; those that already have one
    are left as they are. Returns how many were created."""
    now = now or timezone.now()
    report_month_check(month=month, now=now)
    # A re-run or a retried chunk skips the borrowers done already (the unique constraint would
    # refuse them anyway; this just saves computing them again).
    done = set(
        HealthReport.objects.filter(month=month, **user_id_bounds(user_ids), user_id__in=user_ids).values_list(
            "user_id", flat=True
        )
    )
    user_ids = [user_id for user_id in user_ids if user_id not in done]
    if not user_ids:
        return 0
    data = chunk_data_load(user_ids, month, now)
    preferences = dict(
        CommunicationPreference.objects.filter(user_id__in=data.customers.keys()).values_list(
            "user_id", "report_emails"
        )
    )
    rows = _report_rows(data, month, now, preferences)
    with transaction.atomic():
        HealthReport.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
        # Ours are the rows stamped with this run's time; a concurrent run's rows carry its own.
        ours = HealthReport.objects.filter(
            month=month, **user_id_bounds(user_ids), user_id__in=data.customers.keys(), computed_at=now
        )
        created = ours.count()
        if created:
            # Their emails enter the outbox in this same transaction: never a report without one.
            emails.health_report_emails_queue(
                reports=list(ours.filter(email_status=HealthReport.EmailStatus.PENDING).order_by("pk")), now=now
            )
            customers = data.customers
            audit_event_record(
                actor=None,
                actor_label="system",
                action="health_reports_generated",
                summary=f"{created} health reports for {month:%Y-%m} (users {min(customers)}–{max(customers)})",
                after={"month": month.strftime("%Y-%m"), "created": created},
            )
    return created


def health_report_generate(*, user, month=None, now=None):
    """One borrower's report for ``month`` (default: the last finished month), made if missing."""
    now = now or timezone.now()
    month = month or report_month_previous(now=now)
    if user.customer_id is None:
        raise PortalError(_("Reports are made for borrowers who have verified their identity."))
    health_reports_generate(user_ids=[user.pk], month=month, now=now)
    return HealthReport.objects.get(user=user, month=month)
