"""Benchmark: a stress test of a policy version over a book of N accounts, on PostgreSQL.

Builds (or, with --reuse, keeps) a book in a database of its own: N borrowers with an active
line, two scores each (a high 60 days ago and the score now, about 15 % of them 20-60 points
lower), borrowing, repayment-speed and linked-overdue signals for some, late repayments for some,
two products, opening dates over three years, an active segment set of four segments, and a
stricter draft with per-segment overrides. Then runs the stress test as its Celery task does
(chunked, progress saved after each chunk) under a 40-point score shock, 5 % linked overdue and
macro tightening, and prints the time, accounts/s, peak memory and the projected decisions.

    .venv/bin/python bench/stress_test.py                       # 1,000,000 accounts
    .venv/bin/python bench/stress_test.py --accounts 100000     # a quick run
    .venv/bin/python bench/stress_test.py --reuse               # the book built last time

The database (default ``bench_stress``) is dropped and created unless --reuse is given; nothing
else is touched.
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import django  # noqa: E402
import psycopg  # noqa: E402

from bench.common import copy_borrowers_with_accounts, copy_rows, peak_rss_mb, recreate_database  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--database", default="bench_stress")
    parser.add_argument("--reuse", action="store_true", help="keep the book already in the database")
    parser.add_argument("--chunk", type=int, default=None, help="accounts per chunk (default: STRESS_CHUNK)")
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


def database_exists(server, name):
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        return connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def django_start(*, server, database, reuse):
    if not (reuse and database_exists(server, database)):
        recreate_database(server, database)
        reuse = False
    os.environ["DATABASE_URL"] = f"{server}/{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("ALLOWED_HOSTS", "localhost")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
    os.environ.pop("REDIS_URL", None)  # nothing is queued: the task's body runs here
    django.setup()
    return reuse


ZERO_BY_TYPE = {
    "boolean": "false",
    "smallint": "0",
    "integer": "0",
    "bigint": "0",
    "numeric": "0",
    "character varying": "''",
    "text": "''",
    "jsonb": "'{}'",
    "timestamp with time zone": "now()",
    "date": "current_date",
}
BOOK_TABLES = [
    "accounts_customerrecord",
    "accounts_user",
    "accounts_creditaccount",
    "accounts_limitchange",
    "accounts_creditscore",
    "accounts_risksignal",
    "accounts_repaymentinstallment",
]


def zero_defaults(cursor):
    """Give each required column of the tables COPY fills a default of its type's zero value,
    in this database only: columns other features add are filled without this file knowing them."""
    cursor.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_name = ANY(%s)"
        " AND is_nullable = 'NO' AND column_default IS NULL AND column_name <> 'id'",
        [BOOK_TABLES],
    )
    for table, column, data_type in cursor.fetchall():
        if data_type in ZERO_BY_TYPE:
            cursor.execute(f'ALTER TABLE {table} ALTER COLUMN "{column}" SET DEFAULT {ZERO_BY_TYPE[data_type]}')


def build_book(count, rng):
    """The accounts, their scores, signals and repayments (COPY, one transaction)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import CreditProduct

    revolving, _created = CreditProduct.objects.get_or_create(
        code="revolving", defaults={"name_zh": "随借随还信用额度", "name_en": "Borrow-anytime credit line"}
    )
    CreditProduct.objects.get_or_create(code="campus", defaults={"name_zh": "校园额度", "name_en": "Campus line"})
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as django_cursor:
        cursor = django_cursor.cursor
        zero_defaults(cursor)
        copy_borrowers_with_accounts(
            cursor,
            count=count,
            product_id=revolving.pk,
            limit_of=lambda i: 20000 + (i % 9) * 5000,
            balance_of=lambda i: (i % 11) * 2000,
            opened=now - timezone.timedelta(days=1100),
            now=now,
        )
        # Opening dates spread over three years (the ledger's opening row keeps its own date).
        cursor.execute(
            "UPDATE accounts_creditaccount SET opened_at = %s - make_interval(days => ((id * 7919) %% 1100)::int)",
            [now],
        )
        high_at, now_at = now - timezone.timedelta(days=60), now - timezone.timedelta(days=1)
        highs = [rng.randint(640, 820) for _ in range(count)]
        copy_rows(
            cursor,
            "accounts_creditscore",
            ["account_id", "score", "scored_at"],
            (
                row
                for i, high in enumerate(highs, start=1)
                for row in (
                    (i, high, high_at),
                    (i, high - (rng.randint(20, 60) if rng.random() < 0.15 else rng.randint(0, 10)), now_at),
                )
            ),
        )
        del highs
        signals = []
        for i in range(1, count + 1):
            draw = rng.random()
            if draw < 0.10:
                signals.append((i, "borrowing_frequency", rng.randint(2, 20)))
            elif draw < 0.15:
                signals.append((i, "repayment_speed", rng.randint(-2, 8)))
            elif draw < 0.17:
                signals.append((i, "linked_overdue", rng.randint(1, 90)))
        copy_rows(
            cursor,
            "accounts_risksignal",
            ["external_id", "account_id", "kind", "value", "observed_at", "received_at"],
            ((f"B{n:09d}", i, kind, value, now_at, now_at) for n, (i, kind, value) in enumerate(signals)),
        )
        today = now.date()
        copy_rows(
            cursor,
            "accounts_repaymentinstallment",
            ["account_id", "external_id", "due_date", "amount_due", "amount_paid", "status"],
            (
                (i, f"I{i:09d}", today - timezone.timedelta(days=30 + i % 200), 1200, 0, "overdue")
                for i in range(1, count + 1, 12)
            ),
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def segments_and_draft():
    """An active segment set (new, heavy users, late payers, everyone else) and a stricter draft
    (cuts without warning first) with per-segment overrides; returns the draft and its author."""
    from accounts.models import PolicyVersion, SegmentRule, SegmentSet, User

    SegmentSet.objects.filter(status="active").update(status="retired")
    segment_set = SegmentSet.objects.create(name="Bench", status="active")
    SegmentRule.objects.bulk_create(
        [
            SegmentRule(segment_set=segment_set, position=1, key="new", label="New customers", max_tenure_days=180),
            SegmentRule(
                segment_set=segment_set, position=2, key="heavy-use", label="Heavy use", min_utilisation_percent=80
            ),
            SegmentRule(
                segment_set=segment_set, position=3, key="late-payers", label="Late payers", min_late_installments=1
            ),
            SegmentRule(segment_set=segment_set, position=4, key="rest", label="Everyone else"),
        ]
    )
    analyst, _created = User.objects.get_or_create(email="bench-analyst@bench.example", defaults={"is_staff": True})
    draft = PolicyVersion.objects.create(
        name="Stricter (bench)",
        base_cut_percent=40,
        score_drop_points=40,
        warn_before_cut=False,
        segment_overrides={"new": {"base_cut_percent": 50}, "late-payers": {"score_drop_points": 30}},
        created_by=analyst,
    )
    return draft, analyst


def main():
    args = parse_args()
    reused = django_start(server=args.server, database=args.database, reuse=args.reuse)

    from django.contrib.auth.models import Permission
    from django.core.management import call_command

    from accounts.models import CreditAccount, StressTest
    from accounts.risk.stress import services as stress

    seconds_build = 0.0
    call_command("migrate", verbosity=0)
    if not reused or not CreditAccount.objects.exists():
        started = time.perf_counter()
        build_book(args.accounts, random.Random(args.seed))
        seconds_build = time.perf_counter() - started
    draft, analyst = segments_and_draft()
    stress.task_enqueue_on_commit = lambda *args, **kwargs: None  # the task's body runs below, timed
    analyst.user_permissions.add(Permission.objects.get(codename="run_stresstest"))
    analyst = type(analyst).objects.get(pk=analyst.pk)  # fresh permission cache
    stress_test = stress.stress_test_start(
        policy=draft, actor=analyst, score_shock_points=40, overdue_share_percent="5", macro_tightening=True
    )

    started, cpu_started = time.perf_counter(), time.process_time()
    stress.stress_test_run(stress_test_id=stress_test.pk, chunk_size=args.chunk or stress.STRESS_CHUNK)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    stress_test = StressTest.objects.get(pk=stress_test.pk)
    print_results(
        args, stress_test, seconds=seconds, cpu_seconds=cpu_seconds, seconds_build=seconds_build, reused=reused
    )


def print_results(args, stress_test, *, seconds, cpu_seconds, seconds_build, reused):
    result = stress_test.result
    accounts = result["accounts"]
    print(f"accounts in the book       {accounts:>12,}")
    book = "reused (--reuse)" if reused else f"{seconds_build:.1f} s (not counted)"
    print(f"book                       {book:>12}")
    print(f"stress test                {seconds:>12.1f} s   {accounts / seconds:>10,.0f} accounts/s")
    print(f"  CPU in this process      {cpu_seconds:>12.1f} s   (the rest is PostgreSQL, or waiting for a core)")
    decided = result["decided"]
    print(
        f"  policy_decide ran        {decided['candidate']:>12,} / {decided['baseline']:,} times"
        " (draft / in force; accounts with figures seen before reuse the outcome)"
    )
    print(f"peak RSS                   {peak_rss_mb():>12.0f} MB")
    print("projected (draft / version in force), 40-point shock, 5 % linked overdue, macro tightening:")
    candidate, baseline = result["candidate"], result["baseline"] or {"by_segment": {}, "total": {}}
    for key in [*candidate["by_segment"], "total"]:
        mine = candidate["total"] if key == "total" else candidate["by_segment"][key]
        theirs = baseline["total"] if key == "total" else baseline["by_segment"].get(key, {})
        print(
            f"  {key:<12} accounts {mine['accounts']:>9,}"
            f"  cuts {mine['reduction']:>7,} / {theirs.get('reduction', 0):>7,}"
            f"  after warning {mine['cut_after_warning']:>7,} / {theirs.get('cut_after_warning', 0):>7,}"
            f"  freezes {mine['freeze']:>7,} / {theirs.get('freeze', 0):>7,}"
            f"  removed {float(mine['limit_removed']):>15,.0f} / {float(theirs.get('limit_removed', 0)):>15,.0f}"
        )
    print(f"load average at the end   {' '.join(f'{load:.1f}' for load in os.getloadavg())}")
    print("The machine is shared (two cores, several other jobs running): the times are an upper bound.")


if __name__ == "__main__":
    main()
