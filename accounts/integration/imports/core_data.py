"""``core_data_import``: one file of one kind, all or nothing."""

from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from accounts.integration import services
from accounts.integration.imports.loaders import loader_for
from accounts.integration.imports.reading import (
    READERS,
    chunks,
    empty_refuse,
    file_format_get,
    file_open,
    import_refuse,
)
from portal.db import bulk_statements_prepare

CHUNK_SIZE = 5000


@dataclass
class ImportSummary:
    kind: str
    path: Path
    rows_read: int
    counts: services.Counts
    method: str


def _no_progress(done_bytes, rows_read):
    pass


def core_data_import(*, kind, path, chunk_size=CHUNK_SIZE, encoding="utf-8", progress=_no_progress):
    """Import one file of ``kind`` (a key of ``services.ROW_KINDS``) in ``encoding``, all or nothing.

    ``progress(done_bytes, rows_read)`` is called as the file is read (``rows_read`` None while
    the fast path copies it whole). A file without rows is refused."""
    path = Path(path)
    row_kind = services.ROW_KINDS[kind]
    file_format = file_format_get(path)
    batch_now = timezone.now()
    with file_open(path) as handle, transaction.atomic():
        bulk_statements_prepare()
        services.integration_kind_lock(kind)
        loader = loader_for(row_kind, path)
        loader.encoding, loader.progress = encoding, progress
        rows_read = loader.copy_csv(handle, now=batch_now) if file_format == "csv" else None
        if rows_read is None:
            handle.seek(0)
            rows = READERS[file_format](handle, path, row_kind, encoding)
            rows_read = _rows_load(loader, rows, path=path, now=batch_now, chunk_size=chunk_size, handle=handle)
        if not rows_read:
            empty_refuse(path)
        counts = loader.finish()
        services.integration_summary_record(kind=kind, counts=counts, source=path.name)
    return ImportSummary(kind=kind, path=path, rows_read=rows_read, counts=counts, method=loader.method)


def _rows_load(loader, rows, *, path, now, chunk_size, handle):
    """Clean ``(line, row)`` pairs chunk by chunk into ``loader``, stopping at the first bad row;
    returns how many were read."""
    rows_read = 0
    for chunk in chunks(rows, chunk_size):
        batch = services.Batch(kind=loader.kind, now=now)
        for line, raw in chunk:
            batch.add(line, raw)
            if batch.errors:
                import_refuse(path, batch.errors)
        rows_read += len(chunk)
        loader.add(batch.rows)
        loader.progress(handle.tell(), rows_read)
    return rows_read
