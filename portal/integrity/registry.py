"""Which models are sealed and what of them: a model opts in with ``SEALED_FIELDS`` (the fields
whose values are sealed; fields that legitimately change later, such as a notice's read time,
stay out), optionally ``SEALED_WHEN`` (a Q: rows are sealed once final, e.g. a decision no
longer waiting for approval) and ``SEALED_TIME_FIELD`` (default ``created_at``). Found through
``django.apps``, so this bottom layer never imports the apps above it."""

from django.apps import apps
from django.db import models
from django.db.models import Q

from portal.integrity import merkle


class SealedModel:
    def __init__(self, model):
        self.model = model
        self.label = model._meta.label_lower
        self.table = model._meta.db_table
        self.fields = [model._meta.get_field(name) for name in model.SEALED_FIELDS]
        self.attnames = [field.attname for field in self.fields]
        self.columns = [field.column for field in self.fields]
        self.when = getattr(model, "SEALED_WHEN", Q())
        self.time_attname = model._meta.get_field(getattr(model, "SEALED_TIME_FIELD", "created_at")).attname
        # One converter per field, chosen once: the verification runs it on millions of rows.
        self.converters = [(field.attname, _converter(field)) for field in self.fields]

    def rows(self):
        """The final rows, as dicts of the sealed attnames plus ``pk`` and the row's time."""
        return self.model._base_manager.filter(self.when).values("pk", *set(self.attnames) | {self.time_attname})

    def record(self, row):
        """The canonical record a leaf hashes: table, id and the sealed values."""
        return {
            "model": self.label,
            "id": row["pk"],
            "fields": {attname: convert(row[attname]) for attname, convert in self.converters},
        }


def _unchanged(value):
    return value


def _converter(field):
    """How a field's database value becomes canonical JSON data (see merkle.canonical_value)."""
    if isinstance(field, (models.DateTimeField, models.DecimalField, models.DateField, models.UUIDField)):
        return merkle.canonical_value
    if isinstance(field, (models.BinaryField, models.DurationField)):
        return merkle.canonical_value
    return _unchanged


def sealed_models():
    return [SealedModel(model) for model in apps.get_models() if getattr(model, "SEALED_FIELDS", None)]


def sealed_model(label):
    return next((sealed for sealed in sealed_models() if sealed.label == label), None)
