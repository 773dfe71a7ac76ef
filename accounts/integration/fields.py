"""The types of value the core system sends, each with the one parser that checks it.

A parser takes what arrived (a JSON value from the API or JSON Lines, always text from CSV) and
returns the Python value, or raises ``RowValueError`` with a message that says what to send
instead. The API builds its OpenAPI row schemas from the same declarations."""

import abc
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from functools import cache

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.identity import national_id

# Clocks differ a little; an observation up to this far ahead of ours still counts as "now".
FUTURE_TOLERANCE = timedelta(minutes=5)
_WHOLE_NUMBER = re.compile(r"^[+-]?\d+$")


_NUMBER_TYPES = (int, float, Decimal, str)


@cache
def _bounds(max_digits, decimal_places):
    """The first number too large for the field, and the step of its last decimal place."""
    return Decimal(10) ** (max_digits - decimal_places), Decimal(1).scaleb(-decimal_places)


class RowValueError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def is_blank(value):
    return value is None or (isinstance(value, str) and (not value or value.isspace()))


def _text_parse(value):
    """Text without surrounding whitespace; anything but text is refused."""
    if not isinstance(value, str):
        raise RowValueError(_("Expected text (a JSON string)."))
    return value.strip()


# Lazy, so that only a refused value pays for the translation.
_MOMENT_NOT_TEXT = gettext_lazy("Expected a date and time as text, e.g. 2025-03-31T09:30:00+08:00.")
_MOMENT_NOT_ISO = gettext_lazy("Expected a date and time in ISO 8601, e.g. 2025-03-31T09:30:00+08:00.")
_DAY_NOT_TEXT = gettext_lazy("Expected a date as text, e.g. 2025-03-31.")
_DAY_NOT_ISO = gettext_lazy("Expected a date in ISO 8601, e.g. 2025-03-31.")


def _iso_parse(value, parse, *, not_text, not_iso):
    """What Django's ``parse`` (``parse_date``, ``parse_datetime``) reads from text in ISO 8601."""
    if not isinstance(value, str):
        raise RowValueError(str(not_text))
    try:
        parsed = parse(value.strip())
    except ValueError:
        parsed = None
    if parsed is None:
        raise RowValueError(str(not_iso))
    return parsed


@dataclass(frozen=True)
class Field(abc.ABC):
    help_text: str = ""
    required: bool = True
    # What an optional field means when it is left out.
    default: object = None

    @abc.abstractmethod
    def parse(self, value, *, now):
        """The Python value of ``value``, or ``RowValueError``."""


@dataclass(frozen=True)
class Text(Field):
    max_length: int = 64

    def parse(self, value, *, now):
        value = _text_parse(value)
        if len(value) > self.max_length:
            raise RowValueError(_("Use at most %(count)s characters.") % {"count": self.max_length})
        return value


@dataclass(frozen=True)
class Number(Field):
    """A decimal number with at most ``decimal_places`` decimals and ``max_digits`` digits."""

    max_digits: int = 12
    decimal_places: int = 2
    min_value: Decimal | None = None

    def parse(self, value, *, now):
        if isinstance(value, bool) or not isinstance(value, _NUMBER_TYPES):
            raise RowValueError(_("Expected a number, e.g. 1250.00."))
        try:
            number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
        except InvalidOperation:
            raise RowValueError(_("Expected a number, e.g. 1250.00.")) from None
        if not number.is_finite():
            raise RowValueError(_("Expected a number, e.g. 1250.00."))
        if self.min_value is not None and number < self.min_value:
            raise RowValueError(_("This amount cannot be negative."))
        ceiling, quantum = _bounds(self.max_digits, self.decimal_places)
        if abs(number) >= ceiling:
            raise RowValueError(_("This number is too large."))
        exact = number.quantize(quantum)
        if exact != number:
            raise RowValueError(_("Use at most %(count)s decimal places.") % {"count": self.decimal_places})
        return exact


@dataclass(frozen=True)
class WholeNumber(Field):
    min_value: int = 0
    max_value: int = 2**31 - 1

    def parse(self, value, *, now):
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise RowValueError(_("Expected a whole number."))
        if isinstance(value, str):
            if not _WHOLE_NUMBER.match(value.strip()):
                raise RowValueError(_("Expected a whole number."))
            value = int(value)
        if not self.min_value <= value <= self.max_value:
            raise RowValueError(
                _("Expected a whole number from %(low)s to %(high)s.") % {"low": self.min_value, "high": self.max_value}
            )
        return value


@dataclass(frozen=True)
class Moment(Field):
    """A date and time in ISO 8601. Without an offset it is read in the project's time zone."""

    not_in_future: bool = True

    def parse(self, value, *, now):
        moment = _iso_parse(value, parse_datetime, not_text=_MOMENT_NOT_TEXT, not_iso=_MOMENT_NOT_ISO)
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, timezone.get_default_timezone())
        if self.not_in_future and moment > now + FUTURE_TOLERANCE:
            raise RowValueError(_("This time is in the future. Send an observation only once it has happened."))
        return moment


@dataclass(frozen=True)
class Day(Field):
    def parse(self, value, *, now):
        return _iso_parse(value, parse_date, not_text=_DAY_NOT_TEXT, not_iso=_DAY_NOT_ISO)


@dataclass(frozen=True)
class Choice(Field):
    choices: tuple = ()

    def parse(self, value, *, now):
        value = _text_parse(value)
        if value not in self.choices:
            raise RowValueError(
                _("Unknown value “%(value)s”: use one of %(choices)s.")
                % {"value": value[:40], "choices": ", ".join(self.choices)}
            )
        return value


@dataclass(frozen=True)
class CodeList(Field):
    """One to ``max_items`` codes: a JSON list of strings, or (in CSV) codes separated by ``|``."""

    max_items: int = 4

    def parse(self, value, *, now):
        if isinstance(value, str):
            value = value.split("|")
        if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
            raise RowValueError(_("Expected a list of codes (JSON strings), or codes separated by | in CSV."))
        codes = list(dict.fromkeys(code.strip() for code in value if code.strip()))
        if not 1 <= len(codes) <= self.max_items:
            raise RowValueError(
                _("Give one to %(count)s reason codes, most important first.") % {"count": self.max_items}
            )
        return codes


@dataclass(frozen=True)
class NationalIdNumber(Field):
    def parse(self, value, *, now):
        if not isinstance(value, str):
            raise RowValueError(_("Expected the 18-character resident ID number as text."))
        try:
            return national_id.validate(value)
        except ValidationError as error:
            raise RowValueError(error.messages[0]) from None
