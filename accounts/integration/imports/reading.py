"""Reading a core-system file: its format from the extension, its rows with their line numbers,
and the one error an import ends with."""

import csv
import itertools
import json
from decimal import Decimal

from django.utils.translation import gettext as _

from accounts.integration.fields import printable
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


# What --encoding accepts: UTF-8 (the default), or GB18030, which many Chinese core systems export
# and which reads GBK and GB2312 files too (both are subsets).
ENCODINGS = ("utf-8", "gb18030")


def _text_lines(handle, path, encoding="utf-8"):
    """The file's lines as text, so that bytes that are not in ``encoding`` are reported by line.
    A byte-order mark at the start is dropped."""
    for line, data in enumerate(handle, start=1):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            raise CoreDataImportError(
                path=path,
                line=line,
                field="",
                message=_("This line is not %(encoding)s text. Name the file's encoding with --encoding.")
                % {"encoding": encoding.upper()},
            ) from None
        yield text.removeprefix("\ufeff") if line == 1 else text


def _csv_records(reader, path):
    """The CSV records; a line the csv module cannot read is refused by its number."""
    try:
        yield from reader
    except csv.Error as error:
        raise CoreDataImportError(
            path=path,
            line=reader.line_num,
            field="",
            message=_("This line is not valid CSV (%(error)s).") % {"error": error},
        ) from None


def _csv_header(records, path, kind):
    """The header's column names (blank lines before it skipped), each a field of ``kind`` and
    given once; None for an empty or blank file."""
    header = next((record for record in records if any(name.strip() for name in record)), None)
    if header is None:
        return None
    header = [name.strip() for name in header]
    for name in header:
        if name not in kind.fields:
            raise CoreDataImportError(
                path=path, line=1, field=printable(name), message=_("Unknown column: use only the documented fields.")
            )
        if header.count(name) > 1:
            raise CoreDataImportError(path=path, line=1, field=name, message=_("This column appears twice."))
    return header


def csv_rows(handle, path, kind, encoding="utf-8"):
    """``(line, row)`` for each record of a CSV file; ``line`` is where the record starts."""
    reader = csv.reader(_text_lines(handle, path, encoding))
    records = _csv_records(reader, path)
    header = _csv_header(records, path, kind)
    if header is None:
        return
    line = reader.line_num
    for record in records:
        start, line = line + 1, reader.line_num
        if not record:
            continue
        if len(record) > len(header):
            raise CoreDataImportError(
                path=path, line=start, field="", message=_("This line has more values than the header has columns.")
            )
        yield start, dict(zip(header, record, strict=False))


def jsonl_rows(handle, path, kind, encoding="utf-8"):
    """``(line, row)`` for each non-blank line of a JSON Lines file."""
    for line, text in enumerate(_text_lines(handle, path, encoding), start=1):
        if not text.strip():
            continue
        try:
            # Decimal keeps amounts exact, as the API's validators expect.
            yield line, json.loads(text, parse_float=Decimal)
        except ValueError as error:  # JSONDecodeError, or a number past Python's 4300 digits
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


def empty_refuse(path):
    """A file with no rows is refused: a transfer cut short must not pass for "nothing to do"."""
    raise CoreDataImportError(
        path=path,
        line=None,
        field="",
        message=_("The file holds no rows (it is empty, blank or only a header). Check that it arrived whole."),
    )


def chunks(iterable, size):
    iterator = iter(iterable)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk
