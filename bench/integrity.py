"""Benchmark: sealing throughput and the time to verify N sealed rows, on PostgreSQL.

Writes N audit events (set-up, by one INSERT ... SELECT, not counted), seals them all into
signed blocks of 10,000 rows as the daily catch-up does (``integrity_seal(full=True)``), times
a minute run that seals 5,000 new rows on top of the N, then recomputes the whole chain as
``manage.py integrity_verify`` does (``chain_check``). Audit events are the widest sealed rows
the portal writes in bulk, so the figures are for a realistic leaf.

    .venv/bin/python bench/integrity.py                    # 300,000 rows, about a minute
    .venv/bin/python bench/integrity.py --rows 10000000    # the full 10 M (about an hour)

Unless run with --rows 10000000 it prints the 10 M figures extrapolated linearly, labelled as
such. It uses its own database (dropped and created), so it never touches the portal's data.
"""

import argparse
import base64
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from bench.common import django_start, peak_rss_mb  # noqa: E402

FULL = 10_000_000
INSERT_ROWS = """
INSERT INTO portal_auditevent
    (occurred_at, actor_label, action, target_type, target_id, target_label, summary, before, after)
SELECT now() - make_interval(secs => %(rows)s - n), 'policy v1', 'risk_decision.applied',
       'accounts.creditaccount', n::text, 'ACC-' || lpad(n::text, 8, '0'), '',
       jsonb_build_object('limit', '50000.00'),
       jsonb_build_object('kind', 'reduction', 'proposed_limit', '30000.00', 'reasons', jsonb_build_array('score_drop'))
FROM generate_series(%(first)s, %(last)s) AS n
"""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=300_000, help="audit events to seal and verify")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--database", default="h_h20s_bench")
    return parser.parse_args()


def rows_insert(connection, first, last):
    with connection.cursor() as cursor:
        for start in range(first, last + 1, 1_000_000):
            cursor.execute(INSERT_ROWS, {"rows": last, "first": start, "last": min(start + 999_999, last)})
        cursor.execute("ANALYZE portal_auditevent")


def main():
    args = parse_args()
    seed = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    django_start(
        server=args.server, database=args.database, environ={"INTEGRITY_SIGNING_KEY": base64.b64encode(seed).decode()}
    )
    from django.core.management import call_command
    from django.db import connection

    from portal.integrity import services

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    rows_insert(connection, 1, args.rows)
    setup_seconds = time.perf_counter() - started

    started = time.perf_counter()
    blocks = services.integrity_seal(full=True, max_blocks=10**9)
    seal_seconds = time.perf_counter() - started
    sealed = sum(block.row_count for block in blocks)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE portal_sealentry")

    rows_insert(connection, args.rows + 1, args.rows + 5_000)
    started = time.perf_counter()
    minute_blocks = services.integrity_seal()
    minute_seconds = time.perf_counter() - started

    started = time.perf_counter()
    check = services.chain_check()
    verify_seconds = time.perf_counter() - started
    assert check.mismatch is None, check.mismatch

    seal_rate, verify_rate = sealed / seal_seconds, check.rows / verify_seconds
    print(
        f"rows sealed              {sealed:>12,}   in {len(blocks):,} blocks"
        f"   (set-up {setup_seconds:.1f} s, not counted)"
    )
    print(f"sealing                  {seal_seconds:>12.1f} s   {seal_rate:>10,.0f} rows/s")
    print(
        f"minute run, 5,000 new    {minute_seconds:>12.2f} s   "
        f"({sum(block.row_count for block in minute_blocks):,} rows on top of {sealed:,})"
    )
    print(f"verify all blocks        {verify_seconds:>12.1f} s   {verify_rate:>10,.0f} rows/s   ({check.rows:,} rows)")
    if check.rows < FULL:
        print(
            f"EXTRAPOLATED to {FULL:,} rows (linear, not measured): seal {FULL / seal_rate / 60:.1f} min, "
            f"verify {FULL / verify_rate / 60:.1f} min"
        )
    print(f"peak RSS                 {peak_rss_mb():>12.0f} MB")
    print("(a shared machine: 2 cores, several other jobs running; figures are indicative)")


if __name__ == "__main__":
    main()
