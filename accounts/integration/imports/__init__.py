"""Bulk import of the core system's files (CSV or JSON Lines), for ``manage.py import_core_data``.

The file is streamed in chunks, so memory stays flat whatever its size, and every row goes
through the same validator as the API. The whole import is one transaction: the first bad row
stops it, names its line and field, and nothing is kept.

On PostgreSQL the high-volume kinds (balances, repayment schedules, score updates, risk signals)
are copied into a temporary staging table with COPY and merged with a few set-based statements
(``loaders``); a plain risk-signals CSV file is even loaded whole by COPY (``signals_copy``).
Customers and accounts always go through their services row by row (ID-number checks, the
limit-change ledger and notices); so does everything on SQLite, in chunks with bulk writes.
``reading`` turns a file into numbered rows; ``core_data`` ties the steps together."""

from accounts.integration.imports.core_data import CHUNK_SIZE, ImportSummary, core_data_import
from accounts.integration.imports.loaders import ANALYZE_AFTER_ROWS, STAGING
from accounts.integration.imports.reading import ENCODINGS, FORMATS, CoreDataImportError

__all__ = [
    "ANALYZE_AFTER_ROWS",
    "CHUNK_SIZE",
    "ENCODINGS",
    "FORMATS",
    "STAGING",
    "CoreDataImportError",
    "ImportSummary",
    "core_data_import",
]
