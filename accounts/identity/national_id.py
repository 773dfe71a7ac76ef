"""The PRC resident identity number (GB 11643-1999): 18 characters, the last an ISO 7064
MOD 11-2 check character. Only a keyed hash and the last four characters are ever stored."""

import datetime
import hashlib
import hmac
import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARACTERS = "10X98765432"
_SHAPE = re.compile(r"^[1-9]\d{16}[\dX]$")


def normalize(value):
    """Upper-case, without spaces; full-width digits and X typed on a phone become ASCII."""
    return unicodedata.normalize("NFKC", value or "").replace(" ", "").strip().upper()


def check_character(first_seventeen):
    total = sum(int(digit) * weight for digit, weight in zip(first_seventeen, _WEIGHTS, strict=True))
    return _CHECK_CHARACTERS[total % 11]


def validate(value):
    """Return the normalised number or raise ValidationError with a message a borrower can act on."""
    number = normalize(value)
    if not _SHAPE.match(number):
        raise ValidationError(
            _("Enter all 18 characters of your resident ID number: 17 digits, then a digit or the letter X."),
            code="format",
        )
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        birth = None
    if birth is None or birth.year < 1900 or birth > datetime.date.today():
        raise ValidationError(
            _("The date of birth inside this ID number (characters 7 to 14) is not a real date. Check the number."),
            code="birth_date",
        )
    if check_character(number[:17]) != number[17]:
        raise ValidationError(
            _("This ID number does not pass its check: a character may be mistyped. Compare it with your ID card."),
            code="check_digit",
        )
    return number


def keyed_hash(number):
    key = settings.NATIONAL_ID_HASH_KEY.encode()
    return hmac.new(key, normalize(number).encode(), hashlib.sha256).hexdigest()


def last_four(number):
    return normalize(number)[-4:]
