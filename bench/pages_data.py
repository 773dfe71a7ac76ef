"""The page benchmark's data: N bound borrowers with a year of history, written in bulk.

Each borrower gets an account (``bench.common``), a limit-change ledger with four changes over
the year (two risk reductions with reason codes, two restorations), twelve monthly credit scores,
thirteen repayments, two notices a month in the notification centre (half read), three articles
read, one appeal in ten borrowers (one in three of them decided, with a reply and its timeline),
and twelve monthly health reports made by the portal's own service (so their figures and their
emails are real). Everything but the reports is written by COPY; the whole build takes a couple
of minutes on two cores for 10,000 borrowers.

Rows are given as dicts of the columns that matter; every other column gets its model field's
default (``copy_objects``), so a column added later with a default does not break the build."""

import random
from datetime import datetime, timedelta
from datetime import time as time_of_day
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import NOT_PROVIDED
from django.utils import timezone

from bench.common import copy_borrowers_with_accounts, copy_rows

ZONE = ZoneInfo("Asia/Shanghai")
# (months ago, kind, factor of the opening limit, reason codes)
LEDGER = [
    (10, "risk_reduction", 0.8, ["score_drop", "high_borrowing_frequency"]),
    (7, "restoration", 1.0, []),
    (4, "risk_reduction", 0.8, ["slow_repayment"]),
    (1, "restoration", 1.0, []),
]
ARTICLES_READ = ["budgeting-basics", "how-limits-are-set", "what-moves-a-credit-score"]
NOTICE_KINDS = [
    ("repayment_due", "还款提醒", "您的本期还款将于 10 日到期，请确保账户余额充足。"),
    (
        "limit_changed",
        "您的信用额度已调整",
        "根据定期复核，您的信用额度已调整。可在额度历史中查看原因，60 天内可申诉。",
    ),
]


def limit_of(i):
    return 20000 + (i % 9) * 5000


def copy_objects(cursor, model, columns, rows):
    """COPY ``rows`` (tuples in the order of ``columns``, field attnames) into ``model``'s table;
    every other concrete field but an auto primary key gets its default (a callable default is
    called once), ``auto_now``/``auto_now_add`` fields the current time, a nullable field NULL."""
    now = timezone.now()
    fixed = {}
    for field in model._meta.concrete_fields:
        if field.attname in columns or (field.primary_key and field.get_internal_type().endswith("AutoField")):
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now
        elif field.default is not NOT_PROVIDED:
            value = field.get_default()
        elif field.null:
            value = None
        else:
            value = ""
        fixed[field.attname] = field.get_db_prep_save(value, connection)
    prepare = [model._meta.get_field(name.removesuffix("_id")) for name in columns]
    all_columns = [*[f.column for f in prepare], *[model._meta.get_field(n.removesuffix("_id")).column for n in fixed]]
    constant = tuple(fixed.values())

    def prepared():
        for row in rows:
            yield (*(f.get_db_prep_save(v, connection) for f, v in zip(prepare, row, strict=True)), *constant)

    copy_rows(cursor, model._meta.db_table, all_columns, prepared())


def months_ago(now, months):
    return now - timedelta(days=30 * months)


def copy_ledger(cursor, count, now):
    from accounts.models import LimitChange

    def rows():
        for i in range(1, count + 1):
            opening = limit_of(i)
            previous = opening
            for sequence, (ago, kind, factor, codes) in enumerate(LEDGER, start=2):
                new = round(opening * factor)
                when = months_ago(now, ago) + timedelta(minutes=i % 1440)
                decided_by = "policy" if kind == "risk_reduction" else "core_system"
                deadline = when + timedelta(days=60) if kind == "risk_reduction" else None
                # A restoration follows an upheld appeal: the ledger takes that as the consent.
                consent = "appeal" if new > previous else ""
                yield (i, sequence, kind, previous, new, "active", "active", codes, decided_by, when, deadline, consent)
                previous = new

    columns = [
        "account_id",
        "sequence",
        "kind",
        "previous_limit",
        "new_limit",
        "previous_status",
        "new_status",
        "reason_codes",
        "decided_by",
        "effective_at",
        "appeal_deadline",
        "consent",
    ]
    copy_objects(cursor, LimitChange, columns, rows())


def copy_scores_and_repayments(cursor, count, now, rng):
    def scores():
        for i in range(1, count + 1):
            score = rng.randint(620, 800)
            for ago in range(12, 0, -1):
                score = max(300, min(950, score + rng.randint(-15, 12)))
                yield (i, score, months_ago(now, ago))

    copy_rows(cursor, "accounts_creditscore", ["account_id", "score", "scored_at"], scores())

    def installments():
        today = timezone.localdate(now)
        for i in range(1, count + 1):
            for ago in range(12, -1, -1):
                due = (today - timedelta(days=30 * ago)).replace(day=10)
                external = f"I{i:08d}-{due:%Y%m}"
                if due >= today:
                    yield (external, i, due, 1000, 0, None, "scheduled")
                    continue
                roll = rng.random()
                if roll < 0.02:
                    yield (external, i, due, 1000, 0, None, "overdue")
                else:
                    paid_day = due + timedelta(days=2 if roll < 0.10 else -1)
                    yield (external, i, due, 1000, 1000, datetime.combine(paid_day, time_of_day(10), ZONE), "paid")

    copy_rows(
        cursor,
        "accounts_repaymentinstallment",
        ["external_id", "account_id", "due_date", "amount_due", "amount_paid", "paid_at", "status"],
        installments(),
    )


def copy_notices_and_reads(cursor, count, now):
    from education.models import ArticleRead
    from portal.models import Notification

    def notices():
        for i in range(1, count + 1):
            for ago in range(24, 0, -1):
                kind, title, body = NOTICE_KINDS[ago % 2]
                when = now - timedelta(days=15 * ago, minutes=i % 1440)
                read = when + timedelta(hours=3) if ago > 6 else None
                yield (i, kind, title, body, "/", when, read, "none")

    columns = ["recipient_id", "kind", "title", "body", "link", "created_at", "read_at", "email_status"]
    copy_objects(cursor, Notification, columns, notices())
    reads = ((i, slug, now - timedelta(days=40)) for i in range(1, count + 1) for slug in ARTICLES_READ)
    copy_objects(cursor, ArticleRead, ["user_id", "article_slug", "first_read_at"], reads)


def copy_appeals(cursor, count, now):
    """One appeal in ten borrowers, on their latest risk reduction (sequence 4); one in three of
    them decided (upheld). Each has the borrower's statement as a message and a public event."""
    from appeals.models import Appeal, AppealEvent, AppealMessage

    cursor.execute("SELECT account_id, id FROM accounts_limitchange WHERE sequence = 4 AND account_id % 10 = 0")
    change_of = dict(cursor.fetchall())  # account i belongs to customer i, whose login is user i

    def appeals():
        for i in range(10, count + 1, 10):
            created = months_ago(now, 4) + timedelta(days=2, minutes=i % 1440)
            decided = i % 30 == 0
            status, outcome = ("decided", "upheld") if decided else ("submitted", "")
            decided_at = created + timedelta(days=9) if decided else None
            reason = "复核后维持原决定：近期还款记录仍有逾期。" if decided else ""
            yield (
                f"AP-{i:08d}",
                change_of[i],
                i,
                "data_wrong",
                "我的还款一直按时，请复核。",
                "restore",
                status,
                "CN",
                created,
                created + timedelta(days=15),
                outcome,
                reason,
                decided_at,
            )

    columns = [
        "reference",
        "limit_change_id",
        "submitted_by_id",
        "grounds",
        "statement",
        "desired_outcome",
        "status",
        "jurisdiction",
        "created_at",
        "due_at",
        "outcome",
        "decision_reason",
        "decided_at",
    ]
    copy_objects(cursor, Appeal, columns, appeals())
    cursor.execute("SELECT id, submitted_by_id, created_at FROM appeals_appeal")
    submitted = cursor.fetchall()
    copy_objects(
        cursor,
        AppealMessage,
        ["appeal_id", "author_id", "from_borrower", "visibility", "body", "created_at"],
        ((pk, user, True, "public", "我的还款一直按时，请复核。", when) for pk, user, when in submitted),
    )
    copy_objects(
        cursor,
        AppealEvent,
        ["appeal_id", "kind", "actor_id", "public", "description", "created_at"],
        ((pk, "submitted", user, True, "", when) for pk, user, when in submitted),
    )


def build(count, *, seed=17):
    """Everything above for borrowers 1..count, then the twelve monthly reports; returns seconds."""
    from accounts.models import CreditProduct

    rng = random.Random(seed)
    product, _created = CreditProduct.objects.get_or_create(
        code="revolving", defaults={"name_zh": "随借随还信用额度", "name_en": "Borrow-anytime credit line"}
    )
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as django_cursor:
        cursor = django_cursor.cursor
        copy_borrowers_with_accounts(
            cursor,
            count=count,
            product_id=product.pk,
            limit_of=limit_of,
            balance_of=lambda i: rng.randint(0, limit_of(i) // 1000) * 1000,
            opened=now - timedelta(days=400),
            now=now,
        )
        copy_ledger(cursor, count, now)
        copy_scores_and_repayments(cursor, count, now, rng)
        copy_notices_and_reads(cursor, count, now)
        copy_appeals(cursor, count, now)
    reports_build(count, now)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


REPORT_TEMPLATES = 200


def reports_build(count, now):
    """The last twelve months' health reports. The portal's own service makes the latest month's
    for the first REPORT_TEMPLATES borrowers (real figures, emails queued); every other borrower
    and month gets a copy of one of those (set-based, one INSERT): the service would take most
    of an hour for 120,000 reports on two busy cores, and the pages read one report at a time."""
    from education.models import HealthReport
    from education.services.report_metrics import month_add
    from education.services.reports import health_reports_generate, report_month_previous

    month = report_month_previous(now=now)
    templates = list(range(1, min(REPORT_TEMPLATES, count) + 1))
    health_reports_generate(user_ids=templates, month=month, now=now)
    months = [month_add(month, offset) for offset in range(-11, 1)]
    copied = [
        field.column
        for field in HealthReport._meta.concrete_fields
        if field.attname not in ("id", "user_id", "month", "email_status")
    ]
    with connection.cursor() as cursor:
        cursor.execute(  # the column names come from the model, not from input
            f"""
            INSERT INTO education_healthreport (user_id, month, email_status, {", ".join(copied)})
            SELECT borrower.id, wanted.month, 'sent', {", ".join(f"template.{column}" for column in copied)}
            FROM generate_series(1, %s) AS borrower(id)
            CROSS JOIN unnest(%s::date[]) AS wanted(month)
            JOIN education_healthreport AS template
              ON template.user_id = (borrower.id - 1) %% %s + 1 AND template.month = %s
            WHERE NOT EXISTS (
                SELECT 1 FROM education_healthreport AS own
                WHERE own.user_id = borrower.id AND own.month = wanted.month
            )
            """,  # noqa: S608
            [count, months, len(templates), month],
        )
