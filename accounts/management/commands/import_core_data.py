"""Import a file from the lender's core system: ``manage.py import_core_data --kind risk-signals
signals.csv``. The format follows the extension (.csv with a header line, or .jsonl with one JSON
object per line); the fields are those of the integration API. All or nothing.

``--encoding`` names the file's encoding: UTF-8 (the default) or GB18030 (which also reads GBK
and GB2312). A file without rows is refused. While it runs, the command shows its progress on
standard error: a bar on a terminal, else a plain line every ``--progress-every`` seconds."""

import os
import time

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from accounts.integration.imports import CHUNK_SIZE, ENCODINGS, CoreDataImportError, core_data_import
from accounts.integration.services import ROW_KINDS


class PlainProgress:
    """A line on standard error at most every ``every`` seconds: for logs, where a bar is noise."""

    def __init__(self, stream, *, total, every):
        self.stream, self.total, self.every = stream, total, every
        self.last = time.monotonic()

    def __call__(self, done_bytes, rows_read):
        now = time.monotonic()
        if now - self.last < self.every:
            return
        self.last = now
        share = f"{100 * done_bytes / self.total:.0f}%" if self.total else "?"
        rows = f", {rows_read} rows" if rows_read is not None else ""
        self.stream.write(f"{share} of {self.total / 1e6:.1f} MB read{rows}")


class Command(BaseCommand):
    help = "Import customers, accounts, balances, repayment schedules, score updates or risk signals from a file."

    def add_arguments(self, parser):
        parser.add_argument("--kind", required=True, choices=sorted(ROW_KINDS), help="What the file holds.")
        parser.add_argument("--chunk-size", type=int, default=CHUNK_SIZE, help="Rows read and written at a time.")
        parser.add_argument(
            "--encoding",
            default="utf-8",
            type=str.lower,
            choices=ENCODINGS,
            help="The file's encoding: utf-8 (default) or gb18030 (also for GBK and GB2312 files).",
        )
        parser.add_argument(
            "--progress-every",
            type=float,
            default=10.0,
            help="Seconds between progress lines when standard error is no terminal.",
        )
        parser.add_argument("path", help="A .csv or .jsonl file.")

    def handle(self, *args, kind, path, chunk_size, encoding, progress_every, **options):
        if chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1.")
        started = time.monotonic()
        try:
            summary = self._import(kind=kind, path=path, chunk_size=chunk_size, encoding=encoding, every=progress_every)
        except CoreDataImportError as error:
            raise CommandError(error.message) from error
        counts = summary.counts
        self.stdout.write(
            f"{summary.path}: {summary.rows_read} rows read, {counts.created} inserted, {counts.updated} updated, "
            f"{counts.unchanged} unchanged in {time.monotonic() - started:.2f} s ({kind}, {summary.method})."
        )

    def _import(self, *, kind, path, chunk_size, encoding, every):
        total = _file_size(path)
        options = {"kind": kind, "path": path, "chunk_size": chunk_size, "encoding": encoding}
        if not self.stderr.isatty():
            return core_data_import(**options, progress=PlainProgress(self.stderr, total=total, every=every))
        columns = (TextColumn(f"{kind}"), BarColumn(), DownloadColumn(), TextColumn("{task.fields[rows]}"))
        console = Console(file=self.stderr._out)
        with Progress(*columns, TimeRemainingColumn(), console=console, transient=True) as bar:
            task = bar.add_task(kind, total=total, rows="")

            def advance(done_bytes, rows_read):
                bar.update(task, completed=done_bytes, rows=f"{rows_read} rows" if rows_read is not None else "")

            return core_data_import(**options, progress=advance)


def _file_size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0  # the import names the missing file
