"""Reading a core-system file: its format from the extension, its rows with their line numbers,
and the one error an import ends with."""

import csv
import itertools
import json
from decimal import Decimal

from django.utils.translation import gettext as _

from portal.exceptions import PortalError


class CoreDataImportError(PortalError):
    """The file cannot be imported; nothing was changed. ``line`` is 1-based (a CSV header is
    line 1), ``field`` the column or JSON key at fault."""

    def __init__(self, *, path, line, field, message):
        where = _("%(path)s, line %(line)s") % {"path": path, "line": line} if line else str(path)
        if field:
            where += ", " + _("field “%(field)s”") % {"field": field}
        super().__init__(
            _("%(where)s: %(message)s Nothing was imported.") % {"where": where, "message": message},
            code="import_failed",
            field=field,
        )
        self.path, self.line = path, line


def import_refuse(path, errors):
    """Stop the import at the first of ``errors`` (``RowError``s, by line)."""
    first = min(errors)
    raise CoreDataImportError(path=path, line=first.row, field=first.field, message=first.message)


def _text_lines(handle, path):
    """The file's lines as text, so that bytes that are not UTF-8 are reported by line."""
    for line, data in enumerate(handle, start=1):
        try:
            yield data.decode("utf-8-sig" if line == 1 else "utf-8")
        except UnicodeDecodeError:
            raise CoreDataImportError(
                path=path, line=line, field="", message=_("This line is not UTF-8 text.")
            ) from None


def _csv_header(reader, path, kind):
    """The header's column names, each a field of ``kind`` and given once; None for an empty file."""
    header = next(reader, None)
    if header is None:
        return None
    header = [name.strip() for name in header]
    for name in header:
        if name not in kind.fields:
            raise CoreDataImportError(
                path=path, line=1, field=name, message=_("Unknown column: use only the documented fields.")
            )
        if header.count(name) > 1:
            raise CoreDataImportError(path=path, line=1, field=name, message=_("This column appears twice."))
    return header


def csv_rows(handle, path, kind):
    """``(line, row)`` for each record of a CSV file; ``line`` is where the record starts."""
    reader = csv.reader(_text_lines(handle, path))
    header = _csv_header(reader, path, kind)
    if header is None:
        return
    line = reader.line_num
    for record in reader:
        start, line = line + 1, reader.line_num
        if not record:
            continue
        if len(record) > len(header):
            raise CoreDataImportError(
                path=path, line=start, field="", message=_("This line has more values than the header has columns.")
            )
        yield start, dict(zip(header, record, strict=False))


def jsonl_rows(handle, path, kind):
    """``(line, row)`` for each non-blank line of a JSON Lines file."""
    for line, text in enumerate(_text_lines(handle, path), start=1):
        if not text.strip():
            continue
        try:
            # Decimal keeps amounts exact, as the API's validators expect.
            yield line, json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as error:
            raise CoreDataImportError(
                path=path, line=line, field="", message=_("This line is not valid JSON (%(error)s).") % {"error": error}
            ) from None


# File extension → format, and format → reader.
FORMATS = {".csv": "csv", ".jsonl": "jsonl"}
READERS = {"csv": csv_rows, "jsonl": jsonl_rows}


def file_format_get(path):
    file_format = FORMATS.get(path.suffix.lower())
    if file_format is None:
        raise CoreDataImportError(
            path=path, line=None, field="", message=_("Name the file .csv or .jsonl so its format is known.")
        )
    return file_format


def file_open(path):
    try:
        return path.open("rb")
    except OSError as error:
        raise CoreDataImportError(path=path, line=None, field="", message=error.strerror or str(error)) from None


def chunks(iterable, size):
    iterator = iter(iterable)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk
