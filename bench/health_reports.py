"""Benchmark: the monthly financial health report run for N borrowers, on PostgreSQL.

Builds N bound borrowers, each with an account, twelve monthly scores and thirteen repayments
(set-up, by COPY, timed separately), then runs the monthly job as the Celery tasks do: the plan
(``health_reports_monthly_plan``) cut into chunks, and ``health_reports_chunk_process`` per chunk
(compute in bulk, insert, claim, render, send over one connection) on two worker processes, as a
worker on two cores runs them. It prints reports/s, emails/s, total seconds and peak memory. A
second run checks that nothing is made or sent twice.

Mail goes to an in-memory backend that builds each full MIME message (as SMTP would) and counts
it, so the figures include rendering and encoding but no network.

    .venv/bin/python bench/health_reports.py                      # 100,000 borrowers
    .venv/bin/python bench/health_reports.py --borrowers 10000    # a quick run

It uses its own database (dropped and created), so it never touches the portal's data.
"""

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from datetime import datetime, timedelta  # noqa: E402
from datetime import time as time_of_day  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.common import (  # noqa: E402
    copy_borrowers_with_accounts,
    copy_rows,
    django_start,
    peak_rss_mb,
    run_as_tasks,
)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--borrowers", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=1_000, help="borrowers per chunk task")
    parser.add_argument("--workers", type=int, default=2, help="worker processes for the chunk tasks")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--database", default="portal_bench_reports")
    parser.add_argument("--seed", type=int, default=11)
    return parser.parse_args()


class CountingEmailBackend:
    """Builds every message's MIME bytes (the work an SMTP backend does before the wire) and
    keeps only a count."""

    sent = 0
    bytes = 0

    def __init__(self, fail_silently=False, **kwargs):
        pass

    def open(self):
        return True

    def close(self):
        pass

    def send_messages(self, messages):
        for message in messages:
            CountingEmailBackend.bytes += len(message.message().as_bytes())
        CountingEmailBackend.sent += len(messages)
        return len(messages)


def build_borrowers(count, rng):
    """Customers and bound logins, one account each with its opening ledger row, a score on the
    15th of each of the last twelve months and a repayment on the 10th of each month (one in
    twelve paid late, one in fifty unpaid), plus next month's repayment."""
    from accounts.models import CreditProduct
    from education.services.report_metrics import month_add
    from education.services.reports import report_month_previous

    product, _created = CreditProduct.objects.get_or_create(
        code="revolving", defaults={"name_zh": "随借随还信用额度", "name_en": "Borrow-anytime credit line"}
    )
    zone = ZoneInfo("Asia/Shanghai")
    now = timezone.now()
    opened = now - timedelta(days=500)
    month = report_month_previous()
    months = [month_add(month, offset) for offset in range(-11, 1)]
    with transaction.atomic(), connection.cursor() as django_cursor:
        cursor = django_cursor.cursor
        limits = [20000 + (i % 9) * 5000 for i in range(count + 1)]
        copy_borrowers_with_accounts(
            cursor,
            count=count,
            product_id=product.pk,
            limit_of=limits.__getitem__,
            balance_of=lambda i: rng.randint(0, limits[i] // 1000) * 1000,
            opened=opened,
            now=now,
        )

        def scores():
            for i in range(1, count + 1):
                score = rng.randint(620, 800)
                for first in months:
                    score = max(300, min(950, score + rng.randint(-15, 12)))
                    yield (i, score, datetime.combine(first.replace(day=15), time_of_day(12), tzinfo=zone))

        copy_rows(cursor, "accounts_creditscore", ["account_id", "score", "scored_at"], scores())

        def installments():
            for i in range(1, count + 1):
                for first in [*months, month_add(month, 1)]:
                    due = first.replace(day=10)
                    external = f"I{i:08d}-{due:%Y%m}"
                    if first > month:
                        yield (external, i, due, 1000, 0, None, "scheduled")
                        continue
                    roll = rng.random()
                    if roll < 0.02:
                        yield (external, i, due, 1000, 0, None, "overdue")
                    else:
                        paid_day = due + timedelta(days=2 if roll < 0.10 else -1)
                        paid_at = datetime.combine(paid_day, time_of_day(10), tzinfo=zone)
                        yield (external, i, due, 1000, 1000, paid_at, "paid")

        copy_rows(
            cursor,
            "accounts_repaymentinstallment",
            ["external_id", "account_id", "due_date", "amount_due", "amount_paid", "paid_at", "status"],
            installments(),
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return month


def process_chunk(job):
    """One chunk task's body; returns what it created and sent, and what the backend counted."""
    from bench.health_reports import CountingEmailBackend as Backend
    from education.services import reports

    user_ids, month = job
    before = Backend.sent, Backend.bytes
    created, sent = reports.health_reports_chunk_process(user_ids=user_ids, month=month)
    return created, sent, Backend.sent - before[0], Backend.bytes - before[1]


def run_monthly(month, chunk, workers):
    """What the beat task and the chunk tasks do: the plan cut into chunks, run as the chunk tasks
    would on ``workers`` Celery worker processes. Returns (created, sent, messages counted,
    bytes counted)."""
    from education.services import reports

    jobs = [(user_ids, month) for user_ids in reports.health_reports_monthly_plan(chunk_size=chunk)]
    results = run_as_tasks(process_chunk, jobs, workers)
    return tuple(sum(column) for column in zip(*results, strict=True)) if results else (0, 0, 0, 0)


def main():
    args = parse_args()
    django_start(server=args.server, database=args.database)
    settings.EMAIL_BACKEND = "bench.health_reports.CountingEmailBackend"
    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)

    started = time.perf_counter()
    month = build_borrowers(args.borrowers, rng)
    setup_seconds = time.perf_counter() - started

    started = time.perf_counter()
    created, sent, counted, counted_bytes = run_monthly(month, args.chunk, args.workers)
    run_seconds = time.perf_counter() - started

    started = time.perf_counter()
    created_again, sent_again, counted_again, _bytes = run_monthly(month, args.chunk, args.workers)
    rerun_seconds = time.perf_counter() - started

    with connection.cursor() as cursor:
        cursor.execute("SELECT grade, count(*) FROM education_healthreport GROUP BY grade ORDER BY grade")
        grades = ", ".join(f"{grade} {count:,}" for grade, count in cursor.fetchall())
        cursor.execute("SELECT count(*) FROM education_healthreport WHERE email_status = 'sent'")
        (marked_sent,) = cursor.fetchone()

    print(
        f"borrowers                {args.borrowers:>12,}   chunk {args.chunk:,}   month {month:%Y-%m}"
        f"   {args.workers} worker processes"
    )
    print(f"set-up (not counted)     {setup_seconds:>12.1f} s")
    print(f"reports created          {created:>12,}       {created / run_seconds:>10,.0f} reports/s")
    print(f"emails sent              {sent:>12,}       {sent / run_seconds:>10,.0f} emails/s")
    print(f"monthly run total        {run_seconds:>12.1f} s")
    print(f"average email size       {counted_bytes / max(counted, 1) / 1024:>12.1f} KB")
    print(f"grades                   {grades}")
    print(f"re-run: created / sent   {created_again:>5,} / {sent_again:,} in {rerun_seconds:.1f} s (must be 0 / 0)")
    print(f"backend count / marked sent {counted + counted_again:,} / {marked_sent:,}")
    print(f"peak RSS                 {peak_rss_mb():>12.0f} MB")


if __name__ == "__main__":
    main()
