"""The types of value the core system sends, each with the one parser that checks it.

A parser takes what arrived (a JSON value from the API or JSON Lines, always text from CSV) and
returns the Python value, or raises ``RowValueError`` with a message that says what to send
instead. The API builds its OpenAPI row schemas from the same declarations."""

import abc
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.identity import national_id

# Clocks differ a little; an observation up to this far ahead of ours still counts as "now".
FUTURE_TOLERANCE = timedelta(minutes=5)
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,12}")
# Control characters (NUL, C0, DEL, C1) and lone surrogates: no database column takes them as
# text (PostgreSQL refuses NUL and surrogates outright), and no name or code contains them.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# The same, and Python's other white space, for the schema's patterns (ECMA 262 syntax).
_CONTROL_CLASS = r"\u0000-\u001f\u007f-\u009f"
_UNMASKED_DIGITS = re.compile(r"(?:[^0-9]*[0-9]){5}")
_SPACE_CLASS = r" \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# A decimal as text: digits, an optional point with digits, an optional leading minus. No
# exponent, no plus, no spaces: what the schema's pattern says, exactly.
_DECIMAL_TEXT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
# Never earlier than this, whatever the setting says: no record of the product line is.
EPOCH = date(1970, 1, 1)


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
    """Text without surrounding whitespace and without control characters; anything but text is
    refused."""
    if not isinstance(value, str):
        raise RowValueError(_("Expected text (a JSON string)."))
    control_characters_refuse(value)
    return value.strip()


def control_characters_refuse(text):
    """Refuse ``text`` that holds a control character (NUL, a line break, a tab...)."""
    found = _CONTROL.search(text)
    if found:
        raise RowValueError(
            _("Remove the control character U+%(code)04X: text may not contain NUL, tabs or line breaks.")
            % {"code": ord(found.group())}
        )


def printable(text):
    """``text`` with each control character written as its escape (``\\u0000``), to quote a
    name that was sent (an unknown field) in an error."""
    return _CONTROL.sub(lambda found: f"\\u{ord(found.group()):04x}", str(text))


def earliest_date():
    """The first day any date from the core system may name (``INTEGRATION_EARLIEST_DATE``,
    never before 1970)."""
    return max(date.fromisoformat(str(settings.INTEGRATION_EARLIEST_DATE)), EPOCH)


def latest_due_date(now):
    """The last day a due date may name: ``INTEGRATION_DUE_DATE_MAX_YEARS`` years from today."""
    today = timezone.localdate(now)
    return today.replace(year=today.year + settings.INTEGRATION_DUE_DATE_MAX_YEARS, day=min(today.day, 28))


def _too_early(earliest):
    return RowValueError(
        _("This date is before %(earliest)s, the earliest any record may carry.") % {"earliest": earliest.isoformat()}
    )


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
    """Text of at most ``max_length`` characters as sent; kept without surrounding white space."""

    max_length: int = 64

    def parse(self, value, *, now):
        text = _text_parse(value)
        if len(value) > self.max_length:
            raise RowValueError(_("Use at most %(count)s characters.") % {"count": self.max_length})
        return text

    def schema_pattern(self):
        """What the schema says a value looks like: no control character, and (when required)
        something besides white space."""
        if not self.required:
            return rf"^[^{_CONTROL_CLASS}]*$"
        return rf"^[^{_CONTROL_CLASS}]*[^{_CONTROL_CLASS}{_SPACE_CLASS}][^{_CONTROL_CLASS}]*$"


@dataclass(frozen=True)
class MaskedAccount(Text):
    """An account number as people may see it: at most four digits in all ("招商银行 ****1234"),
    so a full card or bank account number is never stored, however it is spaced."""

    def parse(self, value, *, now):
        text = super().parse(value, now=now)
        if _UNMASKED_DIGITS.match(text):
            raise RowValueError(_("Send the account masked, with at most four digits, e.g. ****1234."))
        return text

    def schema_pattern(self):
        return rf"^(?!(?:[^0-9]*[0-9]){{5}})[^{_CONTROL_CLASS}]*$"


@dataclass(frozen=True)
class Number(Field):
    """A decimal number with at most ``decimal_places`` decimals and ``max_digits`` digits."""

    max_digits: int = 12
    decimal_places: int = 2
    min_value: Decimal | None = None

    def parse(self, value, *, now):
        if isinstance(value, bool) or not isinstance(value, _NUMBER_TYPES):
            raise RowValueError(_("Expected a number, e.g. 1250.00."))
        if isinstance(value, str) and not _DECIMAL_TEXT.fullmatch(value):
            raise RowValueError(_("Expected a number, e.g. 1250.00."))
        try:
            number = value if isinstance(value, Decimal) else Decimal(str(value))
        except InvalidOperation:
            raise RowValueError(_("Expected a number, e.g. 1250.00.")) from None
        if not number.is_finite():
            raise RowValueError(_("Expected a number, e.g. 1250.00."))
        if self.min_value is not None and (number < self.min_value or (number.is_signed() and not self.min_value)):
            raise RowValueError(_("This amount cannot be negative."))
        self._size_check(number)
        # Within max_digits now, so no arithmetic below can overflow or round.
        return number.quantize(_bounds(self.max_digits, self.decimal_places)[1])

    def schema_pattern(self):
        """The text the parser takes, exactly: leading zeros and trailing decimal zeros are free."""
        sign = "" if self.min_value is not None and self.min_value >= 0 else "-?"
        whole = self.max_digits - self.decimal_places
        return rf"^{sign}0*[0-9]{{1,{whole}}}(?:\.[0-9]{{1,{self.decimal_places}}}0*)?$"

    def _size_check(self, number):
        """Refuse too many digits before or after the point, read from the number's own digits
        and exponent (``1e999999999`` is refused here, before any arithmetic could overflow)."""
        _sign, digits, exponent = number.as_tuple()
        coefficient = "".join(map(str, digits))
        if not coefficient.strip("0"):
            return  # zero, however written
        if len(coefficient) + exponent > self.max_digits - self.decimal_places:
            raise RowValueError(_("This number is too large."))
        if exponent + len(coefficient) - len(coefficient.rstrip("0")) < -self.decimal_places:
            raise RowValueError(_("Use at most %(count)s decimal places.") % {"count": self.decimal_places})


@dataclass(frozen=True)
class WholeNumber(Field):
    min_value: int = 0
    max_value: int = 2**31 - 1
    schema_text_pattern = r"^[+-]?[0-9]{1,12}$"

    def parse(self, value, *, now):
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise RowValueError(_("Expected a whole number."))
        if isinstance(value, str):
            if not _WHOLE_NUMBER.fullmatch(value):
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
        earliest = earliest_date()
        zone = timezone.get_default_timezone()
        if moment.replace(tzinfo=None) < datetime.combine(earliest, time()) - timedelta(days=1):
            raise _too_early(earliest)  # before any offset can matter (and before year 1 in UTC)
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, zone)
        if moment - datetime.combine(earliest, time(), tzinfo=zone) < timedelta(0):
            raise _too_early(earliest)
        if self.not_in_future and moment - now > FUTURE_TOLERANCE:
            raise RowValueError(_("This time is in the future. Send an observation only once it has happened."))
        return moment


@dataclass(frozen=True)
class Day(Field):
    """A date in ISO 8601, from ``earliest_date()`` to ``latest_due_date(now)``."""

    def parse(self, value, *, now):
        day = _iso_parse(value, parse_date, not_text=_DAY_NOT_TEXT, not_iso=_DAY_NOT_ISO)
        if day < earliest_date():
            raise _too_early(earliest_date())
        latest = latest_due_date(now)
        if day > latest:
            raise RowValueError(
                _("This date is after %(latest)s, more than %(years)s years from today.")
                % {"latest": latest.isoformat(), "years": settings.INTEGRATION_DUE_DATE_MAX_YEARS}
            )
        return day


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
        for code in value:
            control_characters_refuse(code)
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
        control_characters_refuse(value)
        try:
            return national_id.validate(value)
        except ValidationError as error:
            raise RowValueError(error.messages[0]) from None
