"""Customer records: the holder's name and ID number, kept as a keyed hash and the last four."""

from django.utils.translation import gettext as _

from accounts.identity import national_id
from accounts.identity.services import customer_record_upsert
from accounts.integration.fields import NationalIdNumber, Text
from accounts.integration.services.rows import Counts, RowError, RowKind
from accounts.models import CustomerRecord


class CustomerRows(RowKind):
    name = "customers"
    fields = {
        "external_id": Text(max_length=64, help_text="The core system's customer id."),
        "legal_name": Text(max_length=100, help_text="Name as on the resident ID card."),
        "national_id_number": NationalIdNumber(
            help_text="18-character PRC resident ID number; only a keyed hash and the last four are kept."
        ),
    }

    def check(self, rows):
        errors = []
        for row in rows:
            row.values["national_id_hash"] = national_id.keyed_hash(row.values["national_id_number"])
        holders = dict(
            CustomerRecord.objects.filter(
                national_id_hash__in={row.values["national_id_hash"] for row in rows}
            ).values_list("national_id_hash", "external_id")
        )
        in_batch = {}
        for row in rows:
            number_hash, external_id = row.values["national_id_hash"], row.values["external_id"]
            holder = holders.get(number_hash)
            if holder is not None and holder != external_id:
                errors.append(
                    RowError(
                        row.position,
                        "national_id_number",
                        _("Another customer record (%(other)s) already has this ID number.") % {"other": holder},
                    )
                )
            elif in_batch.setdefault(number_hash, external_id) != external_id:
                errors.append(
                    RowError(
                        row.position,
                        "national_id_number",
                        _("Another row in this batch gives a different customer the same ID number."),
                    )
                )
        return errors

    def write(self, rows, *, actor):
        counts = Counts()
        existing = CustomerRecord.objects.in_bulk([row.values["external_id"] for row in rows], field_name="external_id")
        for row in rows:
            values = row.values
            record = existing.get(values["external_id"])
            if (
                record is not None
                and record.legal_name == values["legal_name"]
                and record.national_id_hash == values["national_id_hash"]
            ):
                counts.unchanged += 1
                continue
            customer_record_upsert(
                external_id=values["external_id"],
                legal_name=values["legal_name"],
                national_id_number=values["national_id_number"],
                actor=actor,
            )
            if record is None:
                counts.created += 1
            else:
                counts.updated += 1
        return counts
