"""Monthly financial health reports: computing them in bulk and emailing them exactly once.

The monthly run (``health_reports_monthly_plan``) splits all bound borrowers into chunks of ids;
each chunk (``health_reports_chunk_process``, one Celery task with ``acks_late``) does:

1. **compute** — a handful of set-based queries for the whole chunk (users, accounts, scores,
   installments, limit changes, appeals), the pure metrics of ``report_metrics`` in Python, and
   one ``bulk_create(ignore_conflicts=True)``: the (user, month) unique constraint makes a re-run
   or a retried chunk create nothing twice.
2. **email** — reports still ``pending`` are *claimed* in batches (``pending → sending`` in one
   UPDATE, ``SKIP LOCKED`` on PostgreSQL so two workers never claim the same row), rendered with
   one compiled template per part, sent over **one** mail connection for the chunk, and marked
   ``sent`` right after. If sending raises, what was not sent goes back to ``pending`` and what
   was sent is marked sent, so a retried chunk sends nothing twice.

Recovery after a hard crash (worker killed between claim and mark): its claimed rows stay
``sending``. ``health_report_emails_recover`` (beat, hourly) returns claims older than
``EMAIL_CLAIM_TIMEOUT`` to ``pending`` and the next run sends them: at most one batch
(``EMAIL_BATCH``) per crashed worker may then reach someone twice — we prefer that over silently
losing the report, and the web page remains the authoritative copy.

The report email bypasses the per-notice outbox (``portal.services.notification_send``) for
throughput; it keeps the outbox's guarantees through the report's own email status: written in
the same transaction as the report, claimed before sending, marked after, swept if stuck."""

import logging
from collections import defaultdict
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Q
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from education.models import CommunicationPreference, HealthReport
from education.services import report_metrics as metrics
from education.services.report_texts import GRADE_REASONS, GRADE_SUMMARIES, TIPS, article_url
from portal.exceptions import PortalError
from portal.services import audit_event_record

logger = logging.getLogger(__name__)

REPORT_CHUNK = 1000
EMAIL_BATCH = 200
EMAIL_CLAIM_TIMEOUT = timedelta(minutes=30)
UNSUBSCRIBE_SALT = "education.health-report.unsubscribe"
UNSUBSCRIBE_MAX_AGE = timedelta(days=60)
SNAPSHOT_VERSION = 1
TWO_PLACES = Decimal("0.01")


# --- months and clocks -------------------------------------------------------------------------


def _portal_zone():
    return ZoneInfo(settings.TIME_ZONE)


def report_month_previous(*, now=None):
    """The month a run on ``now`` reports on: the previous calendar month in the portal's zone."""
    today = timezone.localtime(now or timezone.now(), _portal_zone()).date()
    return metrics.month_add(today.replace(day=1), -1)


def report_month_current(*, now=None):
    return timezone.localtime(now or timezone.now(), _portal_zone()).date().replace(day=1)


def _period(month, now):
    """(start, end) of the report's month as aware datetimes, the end no later than now."""
    zone = _portal_zone()
    start = datetime.combine(month, time.min, tzinfo=zone)
    end = min(datetime.combine(metrics.month_add(month, 1), time.min, tzinfo=zone), now)
    return start, end


# --- compute -----------------------------------------------------------------------------------


def health_report_borrower_ids():
    """Every bound, active borrower login, by id: who gets a monthly report."""
    from accounts.models import User

    return list(User.objects.filter(customer__isnull=False, is_active=True).order_by("pk").values_list("pk", flat=True))


def _chunk_data(user_ids, month, now):
    """Everything the chunk's reports need, in six set-based queries."""
    from accounts.models import CreditAccount, CreditScore, LimitChange, RepaymentInstallment, User
    from appeals.models import Appeal

    zone = _portal_zone()
    start, end = _period(month, now)
    as_of = timezone.localtime(end, zone).date()
    window_start = datetime.combine(metrics.month_add(month, -11), time.min, tzinfo=zone)

    customers = dict(
        User.objects.filter(pk__in=user_ids, customer__isnull=False, is_active=True).values_list("pk", "customer_id")
    )
    accounts = list(
        CreditAccount.objects.filter(customer_id__in=customers.values()).values_list(
            "pk", "customer_id", "credit_limit", "outstanding_balance", "product__currency"
        )
    )
    account_ids = [row[0] for row in accounts]
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
            "account_id", "effective_at", "kind", "previous_limit", "new_limit", "previous_status", "new_status"
        )
    )
    appeals = (
        Appeal.objects.filter(submitted_by_id__in=customers.keys())
        .filter(Q(created_at__gte=start, created_at__lt=end) | Q(status__in=Appeal.OPEN_STATUSES))
        .values_list("submitted_by_id", "status", "created_at")
    )

    by_customer = defaultdict(list)
    account_owner = {}
    for account_id, customer_id, *rest in accounts:
        by_customer[customer_id].append((account_id, *rest))
        account_owner[account_id] = customer_id
    per_customer = defaultdict(lambda: {"scores": [], "installments": [], "changes": []})
    for account_id, score, scored_at in scores:
        per_customer[account_owner[account_id]]["scores"].append((timezone.localtime(scored_at, zone).date(), score))
    for pk, account_id, due_date, amount_due, amount_paid, paid_at, status in installments:
        paid_on = timezone.localtime(paid_at, zone).date() if paid_at and amount_paid >= amount_due else None
        per_customer[account_owner[account_id]]["installments"].append(
            metrics.Installment(pk, due_date, amount_due, amount_paid, paid_on, status)
        )
    for account_id, effective_at, kind, previous, new, previous_status, new_status in changes:
        per_customer[account_owner[account_id]]["changes"].append(
            {
                "date": timezone.localtime(effective_at, zone).date().isoformat(),
                "kind": kind,
                "previous": str(previous),
                "new": str(new),
                "adverse": bool(
                    new < previous or (new_status in ("frozen", "cleared") and new_status != previous_status)
                ),
            }
        )
    per_user_appeals = defaultdict(lambda: {"submitted": 0, "open": 0, "waiting_for_you": 0})
    for user_id, status, created_at in appeals:
        counts = per_user_appeals[user_id]
        counts["submitted"] += start <= created_at < end
        counts["open"] += status in Appeal.OPEN_STATUSES
        counts["waiting_for_you"] += status == Appeal.Status.INFORMATION_REQUESTED
    return customers, by_customer, per_customer, per_user_appeals, as_of


def health_report_compute(*, month, as_of, accounts, scores, installments, changes, appeals):
    """One borrower's report figures from plain data: ``(key columns, snapshot)``.

    ``accounts`` are ``(id, limit, balance, currency)``; ``scores`` ``(local date, score)``;
    ``installments`` ``report_metrics.Installment``; ``changes`` dicts; ``appeals`` counts."""
    currency = accounts[0][3] if accounts else "CNY"
    credit_limit = sum((Decimal(row[1]) for row in accounts), Decimal("0.00"))
    balance = sum((Decimal(row[2]) for row in accounts), Decimal("0.00"))
    utilisation = metrics.utilisation(balance=balance, limit=credit_limit)
    points = metrics.score_points(scores=scores, last_month=month)
    score = points[-1][1] if points else None
    score_change = points[-1][1] - points[0][1] if len(points) >= 2 else None
    rate, due, on_time, by_month = metrics.repayment_punctuality(
        installments=installments, as_of=as_of, last_month=month
    )
    overdue = metrics.overdue_installments(installments=installments, as_of=as_of)
    upcoming = metrics.upcoming_dues(installments=installments, as_of=as_of)
    adverse = sum(change["adverse"] for change in changes)
    grade = metrics.health_grade(score=score, utilisation=utilisation, on_time_rate=rate, overdue_count=len(overdue))
    reason = metrics.grade_reason(
        score=score, score_change=score_change, utilisation=utilisation, on_time_rate=rate, overdue_count=len(overdue)
    )
    tips = metrics.tips_choose(
        score_change=score_change,
        utilisation=utilisation,
        on_time_rate=rate,
        overdue_count=len(overdue),
        upcoming_count=len(upcoming),
        adverse_changes=adverse,
        open_appeals=appeals["open"],
    )

    def owed(item):
        return str((Decimal(item.amount_due) - Decimal(item.amount_paid)).quantize(TWO_PLACES))

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
        "due_count": due,
        "on_time_count": on_time,
        "punctuality": by_month,
        "overdue": [{"due_date": item.due_date.isoformat(), "amount": owed(item)} for item in overdue],
        "upcoming": [{"due_date": item.due_date.isoformat(), "amount": owed(item)} for item in upcoming],
        "upcoming_total": str(sum((Decimal(owed(item)) for item in upcoming), Decimal("0.00"))),
        "limit_changes": changes,
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


def _id_range(user_ids):
    """The chunk's id bounds. Chunks are runs of consecutive ids, so with the bounds the database
    reads one narrow slice of the (month, user) index whatever its statistics say."""
    low, high = (min(user_ids), max(user_ids)) if user_ids else (0, -1)
    return {"user_id__gte": low, "user_id__lte": high}


def health_reports_generate(*, user_ids, month, now=None):
    """Compute and store the month's reports for these borrowers; those that already have one
    are left as they are. Returns how many were created."""
    now = now or timezone.now()
    # A re-run or a retried chunk skips the borrowers done already (the unique constraint would
    # refuse them anyway; this just saves computing them again).
    done = set(
        HealthReport.objects.filter(month=month, **_id_range(user_ids), user_id__in=user_ids).values_list(
            "user_id", flat=True
        )
    )
    user_ids = [user_id for user_id in user_ids if user_id not in done]
    if not user_ids:
        return 0
    customers, by_customer, per_customer, per_user_appeals, as_of = _chunk_data(user_ids, month, now)
    preferences = dict(
        CommunicationPreference.objects.filter(user_id__in=customers.keys()).values_list("user_id", "report_emails")
    )
    empty_appeals = {"submitted": 0, "open": 0, "waiting_for_you": 0}
    rows = []
    for user_id, customer_id in customers.items():
        data = per_customer.get(customer_id) or {"scores": [], "installments": [], "changes": []}
        columns, snapshot = health_report_compute(
            month=month,
            as_of=as_of,
            accounts=[(pk, limit, balance, currency) for pk, limit, balance, currency in by_customer[customer_id]],
            scores=data["scores"],
            installments=data["installments"],
            changes=data["changes"],
            appeals=per_user_appeals.get(user_id, empty_appeals),
        )
        wants_email = preferences.get(user_id, True)
        rows.append(
            HealthReport(
                user_id=user_id,
                month=month,
                snapshot=snapshot,
                computed_at=now,
                email_status=HealthReport.EmailStatus.PENDING if wants_email else HealthReport.EmailStatus.SKIPPED,
                **columns,
            )
        )
    with transaction.atomic():
        HealthReport.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
        # Ours are the rows stamped with this run's time; a concurrent run's rows carry its own.
        created = HealthReport.objects.filter(
            month=month, **_id_range(user_ids), user_id__in=customers.keys(), computed_at=now
        ).count()
        if created:
            audit_event_record(
                actor=None,
                actor_label="system",
                action="health_reports_generated",
                summary=f"{created} health reports for {month:%Y-%m} (users {min(customers)}–{max(customers)})",
                after={"month": month.strftime("%Y-%m"), "created": created},
            )
    return created


def health_report_generate(*, user, month=None, now=None):
    """One borrower's report for ``month`` (default: the current month, to date), made if missing."""
    now = now or timezone.now()
    month = month or report_month_current(now=now)
    if user.customer_id is None:
        raise PortalError(_("Reports are made for borrowers who have verified their identity."))
    health_reports_generate(user_ids=[user.pk], month=month, now=now)
    return HealthReport.objects.get(user=user, month=month)


# --- presenting: the same figures for the page, the email and the API --------------------------


def _decimal(value):
    return Decimal(value) if value is not None else None


def _percent(value):
    return int((Decimal(value) * 100).quantize(Decimal(1))) if value is not None else None


def health_report_figures(report):
    """The report's snapshot turned into what a page or an email shows (numbers, dates, words in
    the active language). Everything comes from the snapshot, nothing from today's data."""
    from accounts.models import LimitChange

    data = report.snapshot
    kinds = dict(LimitChange.Kind.choices)
    utilisation = _decimal(data["utilisation"])
    on_time_rate = _decimal(data["on_time_rate"])
    punctuality = [
        {"month": label, "due": due, "on_time": on_time, "percent": round(100 * on_time / due) if due else None}
        for label, due, on_time in data["punctuality"]
    ]
    return {
        "month": data["month"],
        "month_date": report.month,
        "as_of": datetime.fromisoformat(data["as_of"]).date(),
        "currency": data["currency"],
        "grade": data["grade"],
        "grade_summary": GRADE_SUMMARIES[data["grade"]],
        "grade_reason": GRADE_REASONS[data["reason"]],
        "score": data["score"],
        "score_change": data["score_change"],
        "score_points": [tuple(point) for point in data["score_points"]],
        # For email clients without SVG: the score as a bar across 300–950 (strings: rendered as is).
        "score_rows": [
            {"month": label, "score": str(value), "bar": str(max(round((value - 300) * 100 / 650), 1))}
            for label, value in data["score_points"]
        ],
        "credit_limit": Decimal(data["credit_limit"]),
        "balance": Decimal(data["balance"]),
        "utilisation": utilisation,
        "utilisation_percent": _percent(utilisation),
        "utilisation_bar": min(_percent(utilisation), 100) if utilisation is not None else 0,
        "on_time_rate": on_time_rate,
        "on_time_percent": _percent(on_time_rate),
        "due_count": data["due_count"],
        "on_time_count": data["on_time_count"],
        "punctuality": punctuality,
        "overdue": [
            {"due_date": datetime.fromisoformat(item["due_date"]).date(), "amount": Decimal(item["amount"])}
            for item in data["overdue"]
        ],
        "upcoming": [
            {"due_date": datetime.fromisoformat(item["due_date"]).date(), "amount": Decimal(item["amount"])}
            for item in data["upcoming"]
        ],
        "upcoming_total": Decimal(data["upcoming_total"]),
        "limit_changes": [
            {
                "date": datetime.fromisoformat(change["date"]).date(),
                "kind": kinds.get(change["kind"], change["kind"]),
                "previous": Decimal(change["previous"]),
                "new": Decimal(change["new"]),
                "adverse": change["adverse"],
            }
            for change in data["limit_changes"]
        ],
        "appeals": data["appeals"],
        "tips": [
            {"slug": slug, "title": TIPS[slug][0], "text": TIPS[slug][1], "url": article_url(slug)}
            for slug in data["tips"]
        ],
    }


# --- unsubscribe tokens -------------------------------------------------------------------------


def report_unsubscribe_token(*, user_id):
    return signing.TimestampSigner(salt=UNSUBSCRIBE_SALT).sign(str(user_id))


def report_unsubscribe_user_id(*, token):
    """The user id a token was made for, or a PortalError if it is forged, altered or too old."""
    try:
        value = signing.TimestampSigner(salt=UNSUBSCRIBE_SALT).unsign(token, max_age=UNSUBSCRIBE_MAX_AGE)
    except signing.SignatureExpired as error:
        raise PortalError(
            _("This unsubscribe link has expired. Sign in and change your email preferences instead."),
            code="expired",
        ) from error
    except signing.BadSignature as error:
        raise PortalError(
            _("This unsubscribe link is not valid. Sign in and change your email preferences instead."),
            code="invalid",
        ) from error
    return int(value)


def report_emails_unsubscribe(*, token, request=None):
    """Turn off the monthly report email for the token's borrower (one click from the email)."""
    from accounts.models import User

    user_id = report_unsubscribe_user_id(token=token)
    with transaction.atomic():
        user = User.objects.filter(pk=user_id).first()
        if user is None:
            raise PortalError(
                _("This unsubscribe link is not valid. Sign in and change your email preferences instead.")
            )
        preference, _created = CommunicationPreference.objects.select_for_update().get_or_create(user=user)
        if preference.report_emails:
            preference.report_emails = False
            preference.save(update_fields=["report_emails", "updated_at"])
            audit_event_record(
                actor=None,
                actor_label=user.get_username(),
                action="report_emails_unsubscribed",
                target=preference,
                before={"report_emails": True},
                after={"report_emails": False},
                request=request,
            )
        HealthReport.objects.filter(user=user, email_status=HealthReport.EmailStatus.PENDING).update(
            email_status=HealthReport.EmailStatus.SKIPPED
        )
    return preference


# --- email -------------------------------------------------------------------------------------


def _report_message(report, user, templates, connection, urls):
    figures = health_report_figures(report)
    token = report_unsubscribe_token(user_id=user.pk)
    unsubscribe_url = urls["unsubscribe"].replace("TOKEN", token)
    context = {
        "report": figures,
        "report_url": f"{urls['report']}{report.pk}/",
        "preferences_url": urls["preferences"],
        "unsubscribe_url": unsubscribe_url,
        "site_url": settings.SITE_URL,
        "LANGUAGE_CODE": "en" if translation.get_language() == "en" else "zh-Hans",
        "title": _("Your financial health report for %(month)s") % {"month": figures["month"]},
    }
    message = EmailMultiAlternatives(
        subject=f"{settings.EMAIL_SUBJECT_PREFIX}{context['title']}",
        body=templates["text"].render(context),
        to=[user.email],
        connection=connection,
        headers={
            # RFC 2369 / RFC 8058: mail clients show an unsubscribe button that POSTs here.
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(templates["html"].render(context), "text/html")
    return message


def _claim(month, user_ids, now, limit):
    """Mark up to ``limit`` of these borrowers' pending report emails as being sent; return them."""
    with transaction.atomic():
        candidates = HealthReport.objects.filter(
            month=month,
            **_id_range(user_ids),
            user_id__in=user_ids,
            email_status=HealthReport.EmailStatus.PENDING,
        ).order_by("pk")
        if db_connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        claimed = list(candidates.values_list("pk", flat=True)[:limit])
        HealthReport.objects.filter(pk__in=claimed).update(
            email_status=HealthReport.EmailStatus.SENDING, email_claimed_at=now
        )
    return claimed


def _email_batch_send(connection, messages):
    """Send a batch over the open connection; return how many left (the rest did not)."""
    sent = 0
    for message in messages:
        connection.send_messages([message])
        sent += 1
    return sent


def health_report_emails_send(*, user_ids, month, now=None):
    """Send these borrowers' pending report emails for ``month``: each at most once. Returns the
    number sent."""
    from accounts.models import User

    now = now or timezone.now()
    templates = {
        "html": get_template("education/reports/email.html"),
        "text": get_template("education/reports/email.txt"),
    }
    # Resolved once per chunk, filled in per message.
    urls = {
        "unsubscribe": settings.SITE_URL + reverse("report_unsubscribe", args=["TOKEN"]),
        "report": settings.SITE_URL + reverse("health_report_detail", args=[0]).removesuffix("0/"),
        "preferences": settings.SITE_URL + reverse("communication_preferences"),
    }
    total = 0
    connection = get_connection()
    connection.open()
    try:
        while claimed := _claim(month, user_ids, now, EMAIL_BATCH):
            reports = list(HealthReport.objects.filter(pk__in=claimed).order_by("pk"))
            users = {
                row.pk: row
                for row in User.objects.filter(pk__in=[r.user_id for r in reports]).only(
                    "pk", "email", "preferred_language"
                )
            }
            by_language = defaultdict(list)
            for report in reports:
                by_language[users[report.user_id].preferred_language].append(report)
            messages, order = [], []
            for language, group in by_language.items():
                with translation.override(language):
                    for report in group:
                        messages.append(_report_message(report, users[report.user_id], templates, connection, urls))
                        order.append(report.pk)
            sent = 0
            try:
                sent = _email_batch_send(connection, messages)
            finally:
                # Whatever happened, record what left; what did not goes back to waiting.
                sent_ids, unsent_ids = order[:sent], order[sent:]
                HealthReport.objects.filter(pk__in=sent_ids).update(
                    email_status=HealthReport.EmailStatus.SENT, email_sent_at=timezone.now()
                )
                HealthReport.objects.filter(pk__in=unsent_ids, email_status=HealthReport.EmailStatus.SENDING).update(
                    email_status=HealthReport.EmailStatus.PENDING, email_claimed_at=None
                )
            total += sent
    finally:
        connection.close()
    return total


def health_report_emails_recover(*, now=None, older_than=EMAIL_CLAIM_TIMEOUT):
    """Return claims left behind by a crashed worker to ``pending`` so the next run sends them."""
    now = now or timezone.now()
    return HealthReport.objects.filter(
        email_status=HealthReport.EmailStatus.SENDING, email_claimed_at__lt=now - older_than
    ).update(email_status=HealthReport.EmailStatus.PENDING, email_claimed_at=None)


# --- the monthly run ---------------------------------------------------------------------------


def health_reports_chunk_process(*, user_ids, month, now=None):
    """Everything one chunk task does: make the reports, then send their emails. Safe to rerun."""
    created = health_reports_generate(user_ids=user_ids, month=month, now=now)
    sent = health_report_emails_send(user_ids=user_ids, month=month, now=now)
    return created, sent


def health_reports_monthly_plan(*, chunk_size=REPORT_CHUNK):
    """The monthly run cut into chunks of borrower ids (one task each)."""
    ids = health_report_borrower_ids()
    return [ids[start : start + chunk_size] for start in range(0, len(ids), chunk_size)]


def health_report_pending_email_chunks(*, month, chunk_size=REPORT_CHUNK):
    """Borrower ids whose report email for ``month`` is still waiting, in chunks (for recovery)."""
    ids = list(
        HealthReport.objects.filter(month=month, email_status=HealthReport.EmailStatus.PENDING)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
    return [ids[start : start + chunk_size] for start in range(0, len(ids), chunk_size)]


def communication_preference_get(*, user):
    """The borrower's preferences (the defaults, unsaved, if they never changed them)."""
    return CommunicationPreference.objects.filter(user=user).first() or CommunicationPreference(user=user)


def communication_preference_update(*, user, report_emails, reminder_emails, time_zone, request=None):
    """Save the borrower's choices. Transactional notices are not affected by any of them."""
    from zoneinfo import available_timezones

    if time_zone not in available_timezones():
        raise PortalError(_("Choose a time zone from the list."), field="time_zone")
    with transaction.atomic():
        preference, _created = CommunicationPreference.objects.select_for_update().get_or_create(user=user)
        before = {
            "report_emails": preference.report_emails,
            "reminder_emails": preference.reminder_emails,
            "time_zone": preference.time_zone,
        }
        after = {"report_emails": report_emails, "reminder_emails": reminder_emails, "time_zone": time_zone}
        if before == after:
            return preference
        preference.report_emails = report_emails
        preference.reminder_emails = reminder_emails
        preference.time_zone = time_zone
        preference.save(update_fields=["report_emails", "reminder_emails", "time_zone", "updated_at"])
        if not report_emails:
            HealthReport.objects.filter(user=user, email_status=HealthReport.EmailStatus.PENDING).update(
                email_status=HealthReport.EmailStatus.SKIPPED
            )
        audit_event_record(
            actor=user,
            action="communication_preferences_updated",
            target=preference,
            before=before,
            after=after,
            request=request,
        )
    return preference
