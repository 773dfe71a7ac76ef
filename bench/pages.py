"""Benchmark: every borrower page against the signed-in floor, on PostgreSQL under gunicorn.

Builds (once; ``--rebuild`` to start again) a database of N borrowers with a year of history
(bench/pages_data.py), serves the portal with production settings under gunicorn (2 sync
workers) and, beside it, the signed-in floor (bench/floor/: a database session, one indexed
query on the user table, a 20-row template), and drives each borrower page with wrk for a fixed
time at 20 connections with a signed-in borrower's session, each page followed by the floor so
the two share the machine's state. Queries per request come from one instrumented request per
page (in this process, on the same database). It prints req/s, p50, p95, p99, queries and the
page's share of the floor's req/s in the run next to it, then stops what it started.

    .venv/bin/python bench/pages.py                                 # every page, 5 s each
    .venv/bin/python bench/pages.py --seconds 3 --pages dashboard history
    .venv/bin/python bench/pages.py --rebuild --borrowers 20000

Only loopback addresses; its own database (``bench_pages``) and its own Redis database (10).
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from bench.pages_load import Server, wrk_run  # noqa: E402

SECRET_KEY = "bench-pages-secret-key-not-for-production-0123456789abcdef"  # noqa: S105
HEADERS = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}  # as behind the TLS proxy
# The signed-in borrower: user 20 (Chinese, with an appeal under review); user 40 has a draft
# request for the closure wizard's later steps.
BORROWER, WIZARD_BORROWER = 20, 40
TARGET_SHARE, TARGET_P95 = 0.5, 100.0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--borrowers", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=5, help="load time per page (and per floor run)")
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--pages", nargs="*", help="only these pages (names as printed)")
    parser.add_argument("--rebuild", action="store_true", help="drop and build the database again")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--database", default="bench_pages")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/10")
    parser.add_argument("--port", type=int, default=8717, help="the portal's port; the floor's is the next one")
    return parser.parse_args()


def environ_for(args):
    return {
        "DJANGO_ENV": "production",
        "DEBUG": "false",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": f"{args.server}/{args.database}",
        "REDIS_URL": args.redis,
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "STATIC_ROOT": str(ROOT / "var" / "bench-pages-static"),
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }


def built_borrowers(args):
    """How many borrowers the database was built with, or None when it must be built."""
    try:
        with psycopg.connect(f"{args.server}/{args.database}", connect_timeout=5) as connection:
            row = connection.execute("SELECT borrowers FROM bench_pages_built").fetchone()
            return row[0] if row else None
    except psycopg.Error:
        return None


def database_prepare(args):
    """Django started on the benchmark's database, built unless it already is (at this size)."""
    import django

    os.environ.update(environ_for(args))
    if args.rebuild or built_borrowers(args) != args.borrowers:
        from bench.common import recreate_database

        recreate_database(args.server, args.database)
        django.setup()
        build(args)
    else:
        django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # the code may have moved on since the build
    call_command("collectstatic", interactive=False, verbosity=0)


def build(args):
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from bench import pages_data

    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    pages_data.build(args.borrowers)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_pages_built (borrowers integer NOT NULL)")
        cursor.execute("INSERT INTO bench_pages_built VALUES (%s)", [args.borrowers])
    print(f"built {args.borrowers:,} borrowers in {time.perf_counter() - started:.0f} s", flush=True)


def session_cookie(user_id):
    """A signed-in session for the user, as the portal's sign-in leaves it."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils.module_loading import import_string

    from accounts.models import User

    user = User.objects.get(pk=user_id)
    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def wizard_draft(user_id):
    """A draft request (its first step done) for the wizard's later steps; returns its URLs."""
    from django.utils import timezone

    from accounts.closure import services
    from accounts.models import ClosureRequest, CreditAccount, User

    user = User.objects.get(pk=user_id)
    account = CreditAccount.objects.get(customer_id=user.customer_id)
    draft = ClosureRequest.objects.filter(account=account, status=ClosureRequest.Status.DRAFT).first()
    if draft is None or draft.draft_expired(timezone.now()):
        draft = services.closure_request_draft_create(user=user, account=account, kind="pause")
    base = f"/credit/{account.pk}/manage/{draft.pk}"
    return {"wizard choose": f"{base}/choose/", "wizard impact": f"{base}/impact/"}


def borrower_pages(user_id):
    """Name → URL of every borrower page, for this borrower's own objects."""
    from appeals.models import Appeal
    from education.models import HealthReport
    from portal.models import Notification

    account = user_id  # account i belongs to customer i, whose login is user i (pages_data)
    notice = Notification.objects.filter(recipient_id=user_id, in_centre=True).latest("created_at")
    appeal = Appeal.objects.filter(submitted_by_id=user_id).latest("created_at")
    report = HealthReport.objects.filter(user_id=user_id).order_by("-month").first()
    return {
        "dashboard": "/",
        "history": f"/credit/{account}/history/",
        "repayments": f"/credit/{account}/repayments/",
        "notifications": "/notifications/",
        "notification": f"/notifications/{notice.pk}/",
        "appeals": "/appeals/",
        "appeal": f"/appeals/{appeal.pk}/",
        "wizard start": f"/credit/{account}/manage/",
        "learn": "/learn/",
        "article": "/learn/budgeting-basics/",
        "reports": "/reports/",
        "report": f"/reports/{report.pk}/",
        "settings": "/settings/",
    }


def queries_per_request(path, cookie):
    """Status, query count and server CPU time (ms, median of five) of a request, served in this
    process on the same database. CPU time hardly depends on what else the machine is running,
    unlike the throughput figures, so it compares runs made on a busy machine."""
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_COOKIE=cookie)
    client.get(path)  # the first request fills per-process caches, as a warm worker's are
    count = [0]

    def counter(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        status = client.get(path).status_code
    spent = []
    for _ in range(5):
        started = time.process_time()
        client.get(path)
        spent.append((time.process_time() - started) * 1000)
    return status, count[0], sorted(spent)[2]


def table_print(rows):
    print(
        f"{'page':<16}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'queries':>9}{'cpu ms':>8}"
        f"{'floor r/s':>11}{'share':>8}"
    )
    for row in rows:
        missed = []
        if row["share"] < TARGET_SHARE:
            missed.append("share")
        if row["p95"] > TARGET_P95:
            missed.append("p95")
        print(
            f"{row['name']:<16}{row['rps']:>8.0f}{row['p50']:>9.1f}{row['p95']:>9.1f}{row['p99']:>9.1f}"
            f"{row['queries']:>9}{row['cpu']:>8.1f}{row['floor']:>11.0f}{row['share']:>7.0%}"
            + (f"  misses {', '.join(missed)}" if missed else "")
            + (f"  {row['bad']} answers not 200" if row["bad"] else "")
        )


def drive(args, pages, cookies):
    """Each page under load, then the floor; returns the table's rows."""
    portal, floor = f"http://127.0.0.1:{args.port}", f"http://127.0.0.1:{args.port + 1}/floor/"
    rows = []
    for name, path in pages.items():
        headers = {**HEADERS, "Cookie": cookies[name]}
        status, queries, cpu = queries_per_request(path, cookies[name])
        if status != 200:
            print(f"{name}: {path} answers {status}; skipped", flush=True)
            continue
        wrk_run(portal + path, seconds=1, connections=args.connections, headers=headers)  # warm-up
        page = wrk_run(portal + path, seconds=args.seconds, connections=args.connections, headers=headers)
        base = wrk_run(floor, seconds=args.seconds, connections=args.connections, headers=headers)
        share = page["rps"] / base["rps"]
        rows.append({"name": name, **page, "queries": queries, "cpu": cpu, "floor": base["rps"], "share": share})
        print(f"  {name}: {page['rps']:.0f} req/s, floor {base['rps']:.0f}", file=sys.stderr, flush=True)
    return rows


def main():
    args = parse_args()
    database_prepare(args)
    pages = borrower_pages(BORROWER)
    cookie = session_cookie(BORROWER)
    wizard = wizard_draft(WIZARD_BORROWER)
    cookies = dict.fromkeys(pages, cookie) | dict.fromkeys(wizard, session_cookie(WIZARD_BORROWER))
    pages |= wizard
    if args.pages:
        pages = {name: path for name, path in pages.items() if name in args.pages}
    environ = environ_for(args)
    floor_environ = {**environ, "DJANGO_SETTINGS_MODULE": "bench.floor.settings"}
    with (
        Server("config.wsgi:application", args.port, environ) as portal,
        Server("bench.floor.wsgi:application", args.port + 1, floor_environ) as floor,
    ):
        portal.wait_ready("/health/", HEADERS)
        floor.wait_ready("/floor/", {**HEADERS, "Cookie": cookie})
        rows = drive(args, pages, cookies)
    print(
        f"\n{args.borrowers:,} borrowers, gunicorn 2 sync workers, wrk {args.connections} connections,"
        f" {args.seconds} s per page then {args.seconds} s of the floor"
    )
    table_print(rows)


if __name__ == "__main__":
    main()
