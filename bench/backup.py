"""Benchmark: how long a backup and a restore of a realistic database take, on PostgreSQL.

Builds (once; ``--rebuild`` to start again) the page benchmark's data, N borrowers with a year of
history (bench/pages_data.py), then runs ``manage.py backup_create`` into a new directory and
``manage.py backup_restore`` into a second, empty database, as an operator would (``make backup``,
``make restore``), and prints the database's size, its rows, the dump's size and the wall time of
each command, Django's start included, with the machine's load average beside them. The restored
database and the backup are removed afterwards.

    .venv/bin/python bench/backup.py                          # 10,000 borrowers
    .venv/bin/python bench/backup.py --borrowers 2000 --database bench_backup_small

Only loopback addresses; its own databases (``bench_backup``, ``bench_backup_restored``) and its
own Redis database (11).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from bench.common import recreate_database  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--borrowers", type=int, default=10_000)
    parser.add_argument("--rebuild", action="store_true", help="drop and build the database again")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--database", default="bench_backup")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/11")
    return parser.parse_args()


def built_borrowers(args):
    try:
        with psycopg.connect(f"{args.server}/{args.database}", connect_timeout=5) as connection:
            row = connection.execute("SELECT borrowers FROM bench_backup_built").fetchone()
            return row[0] if row else None
    except psycopg.Error:
        return None


def build(args):
    """In a child process, so this one never holds Django or a connection to the database."""
    recreate_database(args.server, args.database)
    code = (
        "import django, sys, time; django.setup()\n"
        "from django.conf import settings; from django.core.management import call_command\n"
        "from django.db import connection; from bench import pages_data\n"
        "settings.EMAIL_BACKEND = 'django.core.mail.backends.dummy.EmailBackend'\n"
        "call_command('migrate', verbosity=0); pages_data.build(int(sys.argv[1]))\n"
        "with connection.cursor() as cursor:\n"
        "    cursor.execute('CREATE TABLE bench_backup_built (borrowers integer NOT NULL)')\n"
        "    cursor.execute('INSERT INTO bench_backup_built VALUES (%s)', [int(sys.argv[1])])\n"
    )
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, str(args.borrowers)], env=environ_for(args, args.database), check=True)  # noqa: S603
    print(f"built {args.borrowers:,} borrowers in {time.perf_counter() - started:.0f} s", flush=True)


def environ_for(args, database, media=None):
    media = media or Path(tempfile.gettempdir()) / "bench-backup-media"
    return {
        **os.environ,
        "DATABASE_URL": f"{args.server}/{database}",
        "REDIS_URL": args.redis,
        "MEDIA_ROOT": str(media / "media"),
        "PRIVATE_MEDIA_ROOT": str(media / "private-media"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONPATH": str(ROOT),
    }


def timed(command, environ):
    started = time.perf_counter()
    subprocess.run(command, env=environ, cwd=ROOT, check=True)  # noqa: S603
    return time.perf_counter() - started


def database_size(args, database):
    with psycopg.connect(f"{args.server}/{database}") as connection:
        return connection.execute("SELECT pg_database_size(current_database())").fetchone()[0]


def main():
    args = parse_args()
    if args.rebuild or built_borrowers(args) != args.borrowers:
        build(args)
    restored = f"{args.database}_restored"
    workdir = Path(tempfile.mkdtemp(prefix="bench-backup-"))
    manage = [sys.executable, str(ROOT / "manage.py")]
    try:
        backup_seconds = timed(
            [*manage, "backup_create", "--output", str(workdir / "backup")],
            environ_for(args, args.database, workdir / "source"),
        )
        recreate_database(args.server, restored)
        restore_seconds = timed(
            [*manage, "backup_restore", str(workdir / "backup")], environ_for(args, restored, workdir / "target")
        )
        manifest = json.loads((workdir / "backup" / "manifest.json").read_text(encoding="utf-8"))
        dump = manifest["files"][manifest["database"]["file"]]["bytes"]
        load = os.getloadavg()
        print(
            f"\n{args.borrowers:,} borrowers: database {database_size(args, args.database) / 1e6:.0f} MB, "
            f"{len(manifest['row_counts'])} tables, {sum(manifest['row_counts'].values()):,} rows, "
            f"dump {dump / 1e6:.1f} MB\n"
            f"make backup  {backup_seconds:6.1f} s\n"
            f"make restore {restore_seconds:6.1f} s  (into an empty database, row counts checked)\n"
            f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores",
            flush=True,
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        with psycopg.connect(f"{args.server}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')


if __name__ == "__main__":
    main()
