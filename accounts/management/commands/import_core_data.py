"""Import a file from the lender's core system: ``manage.py import_core_data --kind risk-signals
signals.csv``. The format follows the extension (.csv with a header line, or .jsonl with one JSON
object per line); the fields are those of the integration API. All or nothing."""

import time

from django.core.management.base import BaseCommand, CommandError

from accounts.integration.imports import CHUNK_SIZE, CoreDataImportError, core_data_import
from accounts.integration.services import ROW_KINDS


class Command(BaseCommand):
    help = "Import customers, accounts, balances, repayment schedules, score updates or risk signals from a file."

    def add_arguments(self, parser):
        parser.add_argument("--kind", required=True, choices=sorted(ROW_KINDS), help="What the file holds.")
        parser.add_argument("--chunk-size", type=int, default=CHUNK_SIZE, help="Rows read and written at a time.")
        parser.add_argument("path", help="A .csv or .jsonl file.")

    def handle(self, *args, kind, path, chunk_size, **options):
        if chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1.")
        started = time.monotonic()
        try:
            summary = core_data_import(kind=kind, path=path, chunk_size=chunk_size)
        except CoreDataImportError as error:
            raise CommandError(error.message) from error
        counts = summary.counts
        self.stdout.write(
            f"{summary.path}: {summary.rows_read} rows read, {counts.created} inserted, {counts.updated} updated, "
            f"{counts.unchanged} unchanged in {time.monotonic() - started:.2f} s ({kind}, {summary.method})."
        )
