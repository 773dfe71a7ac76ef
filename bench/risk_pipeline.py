"""Benchmark: score signals for N accounts, end to end, on PostgreSQL.

Builds N accounts with a login and a score history (set-up, timed separately), writes one score
signal per account to a CSV file (about 10 % fall 50+ points from their high), then measures:

  ingest    the import command loading the file (COPY into staging, then set-based upserts)
  evaluate  a policy run over the new signals, as the beat job does: one set-based statement
            picks the accounts the policy may act on, then chunks decide them on worker processes,
            applying the decisions with their ledger rows, notices and audit events
  floor     COPY of the same file into a bare table (best of three): the least any ingestion could cost
  schema floor
            the least the same rows cost in the portal's own tables, with their indexes, unique and
            check constraints and foreign keys: the file stored as signals and score points, and
            copies of every row the run wrote (decisions, ledger rows, notices, audit events,
            account updates), each table by one set-based statement in each of as many
            concurrent sessions as there are workers, then rolled back. No validation, no policy,
            no rendering: what any implementation keeping this schema pays

and prints signals/s, decisions/s, peak memory and the ratios to both floors.

    .venv/bin/python bench/risk_pipeline.py --accounts 1000000
    .venv/bin/python bench/risk_pipeline.py --accounts 20000          # a quick run

It uses its own database (dropped and created), so it never touches the portal's data.
"""

import argparse
import csv
import io
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.common import (  # noqa: E402
    copy_borrowers_with_accounts,
    copy_rows,
    django_start,
    peak_rss_mb,
    redis_keys_delete,
    redis_keys_own,
    run_as_tasks,
)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument(
        "--chunk", type=int, default=None, help="accounts per chunk task (default: the beat job's, EVALUATION_CHUNK)"
    )
    parser.add_argument("--workers", type=int, default=2, help="worker processes for the evaluation tasks")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--database", default="portal_bench")
    parser.add_argument(
        "--redis",
        default="redis://127.0.0.1:6379/15",
        help="broker for the email tasks (keys under a prefix of this run's own, deleted after)",
    )
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


def build_accounts(count, rng):
    """Customers, logins, accounts with their opening ledger row, and one score 90 days ago."""
    from accounts.models import CreditProduct

    product, _created = CreditProduct.objects.get_or_create(
        code="revolving", defaults={"name_zh": "随借随还信用额度", "name_en": "Borrow-anytime credit line"}
    )
    now = timezone.now()
    opened = now - timezone.timedelta(days=400)
    scored = now - timezone.timedelta(days=90)
    # One transaction: the database checks at commit that every account matches its ledger.
    with transaction.atomic(), connection.cursor() as django_cursor:
        cursor = django_cursor.cursor
        copy_borrowers_with_accounts(
            cursor,
            count=count,
            product_id=product.pk,
            limit_of=lambda i: 20000 + (i % 9) * 5000,
            balance_of=lambda i: i % 7 * 1000,
            opened=opened,
            now=now,
        )
        prior = [rng.randint(700, 780) for _ in range(count)]
        copy_rows(
            cursor,
            "accounts_creditscore",
            ["account_id", "score", "scored_at"],
            ((i, prior[i - 1], scored) for i in range(1, count + 1)),
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return prior


def write_signals(path, prior, rng):
    """One score signal per account: about 10 % fall 50 to 90 points, the rest move a little."""
    observed = (timezone.now() - timezone.timedelta(hours=1)).isoformat()
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["external_id", "account_external_id", "kind", "value", "observed_at"])
        for i, score in enumerate(prior, start=1):
            new = score - rng.randint(50, 90) if rng.random() < 0.10 else score + rng.randint(-20, 20)
            writer.writerow([f"S{i:08d}", f"A{i:08d}", "score_update", max(300, min(950, new)), observed])


def ingest(path):
    call_command("import_core_data", "--kind", "risk-signals", str(path), stdout=io.StringIO())


def evaluate_chunk(chunk_id):
    from accounts.tasks import risk_policy_evaluate_chunk

    return risk_policy_evaluate_chunk(chunk_id)  # the Celery task's body, run in this process


def evaluate(chunk, workers):
    """As the beat job does: start a policy run (one set-based statement picks the accounts the
    policy may act on and stores them in chunks); the chunks then run as the chunk tasks would
    on ``workers`` Celery worker processes."""
    from accounts.risk import services as risk

    started = time.perf_counter()
    run = risk.risk_evaluation_run_start(chunk_size=chunk)
    select_seconds = time.perf_counter() - started
    chunk_ids = list(run.chunks.order_by("pk").values_list("pk", flat=True))
    return run.candidates, select_seconds, sum(run_as_tasks(evaluate_chunk, chunk_ids, workers))


def quiet():
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")


def copy_floor(path, *, tries=3):
    """The best of ``tries`` COPYs of the file into a bare table: the machine's speed varies from
    one second to the next, and a floor should not."""
    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor
        cursor.execute(
            "CREATE TEMP TABLE bare_signal (external_id text, account_external_id text, kind text, value numeric,"
            " observed_at timestamptz)"
        )
        times = []
        for _ in range(tries):
            cursor.execute("TRUNCATE bare_signal")
            started = time.perf_counter()
            with (
                open(path, "rb") as handle,
                cursor.copy("COPY bare_signal FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
            ):
                while data := handle.read(1 << 20):
                    copy.write(data)
            times.append(time.perf_counter() - started)
        return min(times)


def _copies(model, *, where, changed=None, joins=""):
    """Statements inserting copies of ``model``'s rows matching ``where`` (source rows are
    ``source``), each with a new id recorded in the temporary table ``floor_<table>`` (old, new)
    so later copies can point at it; ``changed`` maps a column to the expression copied instead."""
    table = model._meta.db_table
    columns = [field.column for field in model._meta.concrete_fields if not field.primary_key]
    values = ", ".join((changed or {}).get(column, f"source.{column}") for column in columns)
    return [
        f"""CREATE TEMP TABLE floor_{table} ON COMMIT DROP AS
            SELECT source.id AS old, nextval(pg_get_serial_sequence('{table}', 'id')) AS new
            FROM {table} AS source WHERE {where}""",  # noqa: S608
        f"""INSERT INTO {table} (id, {", ".join(columns)})
            SELECT copy.new, {values} FROM {table} AS source JOIN floor_{table} AS copy ON copy.old = source.id
            {joins}""",  # noqa: S608
    ]


def _floor_statements(part, parts):
    """The schema floor's statements for the ``part``-th of ``parts`` sessions: its share of the
    decisions' rows (by account id); None marks the COPY of its share of the file, "ingested" the
    moment the file's rows are in and checked."""
    from accounts.models import CreditAccount, CreditScore, LimitChange, RiskDecision, RiskSignal
    from portal.models import AuditEvent, Notification

    account = CreditAccount._meta.db_table
    notice, change = Notification._meta.db_table, LimitChange._meta.db_table
    shifted = "raw.observed_at::timestamptz + interval '1 second'"  # a new score point, not a conflict
    from_file = f"FROM floor_raw AS raw JOIN {account} AS account ON account.external_id = raw.account_external_id"
    share = f"% {parts} = {part}"
    return [
        "CREATE TEMP TABLE floor_raw (external_id text, account_external_id text, kind text, value text,"
        " observed_at text) ON COMMIT DROP",
        None,
        f"""INSERT INTO {RiskSignal._meta.db_table} (external_id, account_id, kind, value, observed_at, received_at)
            SELECT 'floor-' || raw.external_id, account.id, raw.kind, raw.value::numeric, {shifted}, now()
            {from_file}""",  # noqa: S608
        f"""INSERT INTO {CreditScore._meta.db_table} (account_id, score, scored_at)
            SELECT account.id, raw.value::integer, {shifted} {from_file}""",  # noqa: S608
        "SET CONSTRAINTS ALL IMMEDIATE",  # the file's rows are in, their foreign keys checked
        "ingested",
        *_copies(
            Notification,
            where=f"""source.kind LIKE 'limit_change.%' AND source.id IN (
                SELECT notice_id FROM {change} WHERE kind = 'risk_reduction' AND account_id {share})""",  # noqa: S608
        ),
        *_copies(
            LimitChange,
            where=f"source.kind = 'risk_reduction' AND source.account_id {share}",
            changed={"sequence": "source.sequence + 1000", "notice_id": "notice.new"},
            joins=f"LEFT JOIN floor_{notice} AS notice ON notice.old = source.notice_id",
        ),
        *_copies(
            RiskDecision,
            where=f"source.limit_change_id IS NOT NULL AND source.account_id {share}",
            changed={
                "trigger_key": "reverse(source.trigger_key)",
                "limit_change_id": "change.new",
                "notice_id": "notice.new",
            },
            joins=f"""JOIN floor_{change} AS change ON change.old = source.limit_change_id
                LEFT JOIN floor_{notice} AS notice ON notice.old = source.notice_id""",
        ),
        *_copies(
            AuditEvent,
            where=f"""(source.action LIKE 'risk_decision.%' OR source.action LIKE 'limit_change.%')
                AND source.target_id::bigint {share}""",
        ),
        f"""UPDATE {account} SET updated_at = now()
            WHERE id {share} AND id IN (SELECT account_id FROM {change} WHERE kind = 'risk_reduction')""",  # noqa: S608
        "SET CONSTRAINTS ALL IMMEDIATE",  # the foreign keys and the ledger check, as at commit
    ]


def schema_floor(path, *, sessions):
    """Seconds to write, set-based and with every constraint checked, the rows this run needed
    (see the module's docstring), split over ``sessions`` concurrent database sessions as the
    run's work is split over its workers: (until the file's rows are in, until all are).
    Rolled back, so it changes nothing."""
    shares = [path.with_suffix(f".{part}.csv") for part in range(sessions)]  # not timed
    with open(path) as source:
        handles = [open(share, "w") for share in shares]  # noqa: SIM115
        header = source.readline()
        for handle in handles:
            handle.write(header)
        for number, line in enumerate(source):
            handles[number % sessions].write(line)
        for handle in handles:
            handle.close()

    ingested = threading.Barrier(sessions)
    marks = {}

    def session(part):
        try:
            with transaction.atomic(), connection.cursor() as django_cursor:
                cursor = django_cursor.cursor
                for statement in _floor_statements(part, sessions):
                    if statement == "ingested":
                        ingested.wait()
                        marks.setdefault("ingested", time.perf_counter())
                    elif statement is None:
                        with (
                            open(shares[part], "rb") as handle,
                            cursor.copy("COPY floor_raw FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
                        ):
                            while data := handle.read(1 << 20):
                                copy.write(data)
                    else:
                        cursor.execute(statement)
                        if os.environ.get("BENCH_VERBOSE"):
                            elapsed = time.perf_counter() - started
                            print(f"  [{part}] {cursor.rowcount:>9} rows {elapsed:6.1f} s  {statement.split()[:3]}")
                transaction.set_rollback(True)
        finally:
            connection.close()

    threads = [threading.Thread(target=session, args=(part,)) for part in range(sessions)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    finished = time.perf_counter()
    for share in shares:
        share.unlink()
    return marks["ingested"] - started, finished - started


def main():
    args = parse_args()
    # The email tasks really queue, under keys of this run's own (deleted after; the database
    # may hold others' keys, so it is never emptied).
    django_start(
        server=args.server,
        database=args.database,
        environ={"CELERY_TASK_ALWAYS_EAGER": "false", "REDIS_URL": args.redis},
    )
    redis_prefix = redis_keys_own()
    try:
        from accounts.models import PolicyVersion
        from accounts.risk.services import EVALUATION_CHUNK

        call_command("migrate", verbosity=0)
        args.chunk = args.chunk or EVALUATION_CHUNK
        # Measure the cut itself: the baseline warns first, which would make this run all warnings.
        PolicyVersion.objects.filter(status="active").update(warn_before_cut=False)
        rng = random.Random(args.seed)
        seconds = {}

        started = time.perf_counter()
        prior = build_accounts(args.accounts, rng)
        seconds["setup"] = time.perf_counter() - started

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "signals.csv"
            write_signals(path, prior, rng)
            del prior

            started = time.perf_counter()
            ingest(path)
            seconds["ingest"] = time.perf_counter() - started

            started = time.perf_counter()
            candidates, seconds["select"], decided = evaluate(args.chunk, args.workers)
            seconds["evaluate"] = time.perf_counter() - started

            # The floors are measured on a quiet server: the run's writes are flushed first, so their
            # checkpoint does not slow the floors down (it would flatter the ratios).
            quiet()
            seconds["floor"] = copy_floor(path)
            quiet()
            seconds["schema_ingest"], seconds["schema"] = schema_floor(path, sessions=args.workers)

        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM accounts_limitchange WHERE kind = 'risk_reduction'")
            (reductions,) = cursor.fetchone()
            cursor.execute("SELECT count(*) FROM portal_notification")
            (notices,) = cursor.fetchone()
    finally:
        redis_keys_delete(args.redis, redis_prefix)
    print_results(args, seconds, candidates=candidates, decided=decided, reductions=reductions, notices=notices)


def print_results(args, seconds, *, candidates, decided, reductions, notices):
    ingest_seconds, evaluate_seconds, select_seconds = seconds["ingest"], seconds["evaluate"], seconds["select"]
    floor_seconds, schema_seconds, schema_ingest_seconds = seconds["floor"], seconds["schema"], seconds["schema_ingest"]
    setup_seconds = seconds["setup"]
    total = ingest_seconds + evaluate_seconds
    print(f"accounts                 {args.accounts:>12,}")
    print(f"set-up (not counted)     {setup_seconds:>12.1f} s")
    print(f"ingest                   {ingest_seconds:>12.1f} s   {args.accounts / ingest_seconds:>10,.0f} signals/s")
    print(
        f"evaluate + apply         {evaluate_seconds:>12.1f} s   {args.accounts / evaluate_seconds:>10,.0f} accounts/s"
    )
    print(f"  candidates (set-based) {select_seconds:>12.1f} s   {candidates:>10,} accounts the policy may act on")
    chunk_seconds = evaluate_seconds - select_seconds
    workers = f"{args.workers} worker processes, {args.chunk:,} accounts each"
    print(f"  chunks                 {chunk_seconds:>12.1f} s   {workers}")
    print(f"decisions applied        {decided:>12,}       {decided / evaluate_seconds:>10,.0f} decisions/s")
    print(f"limit reductions / notices {reductions:>10,} / {notices:,}")
    print(f"end to end               {total:>12.1f} s   {args.accounts / total:>10,.0f} signals/s")
    print(f"bare COPY floor          {floor_seconds:>12.1f} s   end to end is {total / floor_seconds:.1f}x the floor")
    sessions = f"schema floor ({args.workers} sessions)"
    print(
        f"{sessions:<25}{schema_seconds:>12.1f} s   {schema_seconds / floor_seconds:.1f}x the bare COPY;"
        f" end to end is {total / schema_seconds:.1f}x this"
    )
    print(
        f"  the file's rows        {schema_ingest_seconds:>12.1f} s   {schema_ingest_seconds / floor_seconds:.1f}x"
        f" the bare COPY; ingest is {ingest_seconds / schema_ingest_seconds:.1f}x this"
    )
    print(f"peak RSS                 {peak_rss_mb():>12.0f} MB")


if __name__ == "__main__":
    main()
