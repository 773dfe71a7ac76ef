"""What every benchmark needs: its own database, its own keys in Redis, COPY in bulk, borrowers
with an opened account, chunk tasks on worker processes, and the peak memory it used.

The benchmarks import Django and the portal inside functions on purpose: each script first
points the settings at a database of its own (in ``main``), and only then may Django start."""

import multiprocessing
import os
import resource
import uuid

import django
import psycopg
from django.db import connections


def peak_rss_mb():
    """The largest resident set of this process or any worker process it ran."""
    return max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024


def run_as_tasks(function, jobs, workers):
    """``function`` over ``jobs`` as Celery chunk tasks would run on ``workers`` worker processes
    (forked here, each opening its own database connection); one process runs them in order.
    Returns the results, in no particular order."""
    if workers <= 1:
        return list(map(function, jobs))

    connections.close_all()  # each worker opens its own
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return list(pool.imap_unordered(function, jobs))


def recreate_database(server, name):
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def django_start(*, server, database, environ=None):
    """A fresh database of the benchmark's own, the settings pointed at it (and at the production
    code path, not debug bookkeeping, with ``environ`` on top), and Django started."""
    recreate_database(server, database)
    os.environ["DATABASE_URL"] = f"{server}/{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("ALLOWED_HOSTS", "localhost")
    os.environ.update(environ or {})
    django.setup()


def redis_keys_own():
    """Point the started portal's Redis use (the Celery broker's queues and bindings, the cache)
    at keys under a prefix of this run's own, and return the prefix. The Redis database may be
    shared (a developer's, CI's tests'): the benchmark deletes only these keys afterwards
    (``redis_keys_delete``), never the database."""
    from django.conf import settings

    from config.celery import app

    prefix = f"bench-{os.getpid()}-{uuid.uuid4().hex[:8]}:"
    app.conf.broker_transport_options = {**app.conf.broker_transport_options, "global_keyprefix": prefix}
    for cache in settings.CACHES.values():  # read when a cache is first used, which is later
        cache["KEY_PREFIX"] = f"{prefix}{cache.get('KEY_PREFIX', '')}"
    return prefix


def redis_keys_delete(url, prefix):
    """Delete the keys under ``prefix`` (see redis_keys_own); returns how many there were."""
    import redis

    client = redis.Redis.from_url(url)
    deleted = 0
    batch = []
    for key in client.scan_iter(match=f"{prefix}*", count=1000):
        batch.append(key)
        if len(batch) == 1000:
            deleted += client.delete(*batch)
            batch = []
    if batch:
        deleted += client.delete(*batch)
    return deleted


def copy_rows(cursor, table, columns, rows):
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def copy_borrowers_with_accounts(cursor, *, count, product_id, limit_of, balance_of, opened, now):
    """Borrowers 1..count: a customer record, a bound login (one in three English), and an active
    account with its opening ledger row; ``limit_of(i)`` and ``balance_of(i)`` give the figures.
    Run it inside the transaction that writes the rest, so the ledger check at commit sees it all.
    (Long only because it names every column of the four tables it fills.)"""
    copy_rows(
        cursor,
        "accounts_customerrecord",
        ["id", "external_id", "legal_name", "national_id_hash", "national_id_last4", "created_at", "updated_at"],
        ((i, f"C{i:08d}", "测试", f"{i:064x}", f"{i % 10000:04d}", now, now) for i in range(1, count + 1)),
    )
    copy_rows(
        cursor,
        "accounts_user",
        [
            "id",
            "email",
            "password",
            "preferred_language",
            "customer_id",
            "identity_bound_at",
            "is_staff",
            "is_active",
            "is_superuser",
            "date_joined",
        ],
        (
            (i, f"b{i}@bench.example", "!", "zh-hans" if i % 3 else "en", i, now, False, True, False, now)
            for i in range(1, count + 1)
        ),
    )
    copy_rows(
        cursor,
        "accounts_creditaccount",
        [
            "id",
            "external_id",
            "customer_id",
            "product_id",
            "credit_limit",
            "outstanding_balance",
            "status",
            "opened_at",
            "updated_at",
        ],
        (
            (i, f"A{i:08d}", i, product_id, limit_of(i), balance_of(i), "active", opened, now)
            for i in range(1, count + 1)
        ),
    )
    copy_rows(
        cursor,
        "accounts_limitchange",
        [
            "account_id",
            "sequence",
            "kind",
            "previous_limit",
            "new_limit",
            "previous_status",
            "new_status",
            "reason_codes",
            "decided_by",
            "source_reference",
            "consent",
            "effective_at",
            "created_at",
        ],
        (
            (i, 1, "opening", 0, limit_of(i), "active", "active", "[]", "core_system", "", "", opened, now)
            for i in range(1, count + 1)
        ),
    )
    for table in ("accounts_customerrecord", "accounts_user", "accounts_creditaccount"):
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {count})")
