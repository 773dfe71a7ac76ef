"""What every kind of row shares: the cleaned row, its errors, the counts a write returns, and
``RowKind``, the three-step validator each kind fills in."""

import abc
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from accounts.integration.fields import Field, RowValueError, Text, control_characters_refuse, is_blank, printable
from accounts.integration.services.errors import duplicate_message, unknown_account_message
from accounts.models import CreditAccount

MAX_ROWS_PER_CALL = 1000
INTEGRATION_PERMISSION = "accounts.use_integration_api"
NON_FIELD = "non_field_errors"
# Who the audit log names when no service account is involved (the import command).
CORE_SYSTEM_LABEL = "core-system"
ZERO = Decimal("0.00")
SCORE_RANGE = (300, 950)
# The field by which balances, installments and signals name their account.
ACCOUNT_EXTERNAL_ID = Text(max_length=64, help_text="The account's external id.")


@dataclass
class Row:
    """One cleaned row. ``position`` is its 0-based index in an API call, or its line in a file."""

    position: int
    values: dict


@dataclass(frozen=True, order=True)
class RowError:
    row: int | None
    field: str
    message: str


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __iadd__(self, other):
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        return self

    @property
    def changed(self):
        return self.created + self.updated

    def as_dict(self):
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


def integration_access_allowed(user):
    """Only members of a group granted ``INTEGRATION_PERMISSION`` (the "Core system integration"
    group) may push data. Deliberately not ``has_perm``: a superuser holds every permission, but
    is no service account; neither is a login given the permission on its own."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    app_label, codename = INTEGRATION_PERMISSION.split(".")
    return user.groups.filter(permissions__codename=codename, permissions__content_type__app_label=app_label).exists()


def actor_label(actor):
    """The audit log's name for the writer: the service account itself, or the import command."""
    return None if actor is not None else CORE_SYSTEM_LABEL


class RowFields(abc.ABC):
    """The fields of what the core system sends, checked by the shared parsers. Subclasses declare
    ``fields`` (name → parser) and the key that identifies a row, and implement ``check``."""

    name = ""
    key_field = "external_id"
    fields: dict[str, Field] = {}

    def clean(self, raw, *, now):
        """Return ``(values, [])`` for a good row, or ``(None, [(field, message), ...])``."""
        if not isinstance(raw, dict):
            return None, [(NON_FIELD, _("Each row must be an object with named fields."))]
        errors = [
            (printable(name), _("Unknown field: use only the documented fields."))
            for name in raw
            if name not in self.fields
        ]
        values = {}
        for name, parser in self.fields.items():
            try:
                values[name] = self._field_parse(parser, raw.get(name), now=now)
            except RowValueError as error:
                errors.append((name, error.message))
                values[name] = parser.default
        if not errors:
            errors = self.check_values(values)
        return (None if errors else values), errors

    @staticmethod
    def _field_parse(parser, value, *, now):
        """One field's value: its default when left blank (unless required), else what it parses to.
        Text with a control character is refused, also where it would count as blank."""
        if isinstance(value, str):
            control_characters_refuse(value)
        if not is_blank(value):
            return parser.parse(value, now=now)
        if parser.required:
            raise RowValueError(_("This field is required."))
        return parser.default

    def check_values(self, values):
        """Rules across the fields of one row."""
        return []

    def key(self, values):
        return values[self.key_field]

    def duplicates(self, rows, *, seen):
        """Split off rows whose key an earlier row (here or in ``seen``, key → position) already
        used: returns the first of each key, and an error for every repeat."""
        first, errors = [], []
        for row in rows:
            key = self.key(row.values)
            if key in seen:
                errors.append(RowError(row.position, self.key_field, duplicate_message(self, key)))
            else:
                seen[key] = row.position
                first.append(row)
        return first, errors

    @abc.abstractmethod
    def check(self, rows):
        """Errors of rows that need the database to tell (unknown accounts, conflicts)."""


class RowKind(RowFields):
    """One kind of data the core system sends in batches of rows: checked as ``RowFields``, then
    written together (``write``)."""

    @abc.abstractmethod
    def write(self, rows, *, actor):
        """Write checked rows; returns the counts."""


def accounts_resolve(rows, *, field_name="account_external_id"):
    """Set ``account_id`` on each row from its account's external id; unknown ones are errors."""
    wanted = {row.values[field_name] for row in rows}
    known = dict(CreditAccount.objects.filter(external_id__in=wanted).values_list("external_id", "id"))
    errors = []
    for row in rows:
        row.values["account_id"] = known.get(row.values[field_name])
        if row.values["account_id"] is None:
            errors.append(RowError(row.position, field_name, unknown_account_message()))
    return errors
