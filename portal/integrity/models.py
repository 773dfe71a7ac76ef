"""The seal chain: blocks, the rows each block holds, and the verifications run over them.
Imported by ``portal.models`` so the models belong to the portal app."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.integrity import merkle


class SealBlock(models.Model):
    """One signed block: the rows sealed at one run, their Merkle root, and the hash of the block
    before it. The head (``head()``) is what the signature covers."""

    sequence = models.PositiveIntegerField(_("block number"), unique=True)
    previous_hash = models.CharField(_("previous block hash"), max_length=64)
    merkle_root = models.CharField(_("Merkle root"), max_length=64)
    row_count = models.PositiveIntegerField(_("rows"))
    first_row_at = models.DateTimeField(_("earliest row"))
    last_row_at = models.DateTimeField(_("latest row"))
    sealed_at = models.DateTimeField(_("sealed"), db_index=True)
    key_id = models.CharField(_("signing key"), max_length=16)
    block_hash = models.CharField(_("block hash"), max_length=64, unique=True)
    signature = models.CharField(_("signature"), max_length=100)

    class Meta:
        verbose_name = _("sealed block")
        verbose_name_plural = _("sealed blocks")
        ordering = ["-sequence"]

    def __str__(self):
        return f"#{self.sequence} {self.block_hash[:12]}"

    def head(self):
        return {
            "version": 1,
            "sequence": self.sequence,
            "previous_hash": self.previous_hash,
            "merkle_root": self.merkle_root,
            "row_count": self.row_count,
            "first_row_at": merkle.canonical_value(self.first_row_at),
            "last_row_at": merkle.canonical_value(self.last_row_at),
            "sealed_at": merkle.canonical_value(self.sealed_at),
            "key_id": self.key_id,
        }


class SealEntry(models.Model):
    """A row sealed in a block, at its position among the block's leaves. Its existence is what
    "sealed" means: rows are selected for sealing by having none, never by id order, so a row
    whose transaction commits after a later id was sealed is still picked up by the next run."""

    block = models.ForeignKey(SealBlock, on_delete=models.PROTECT, related_name="entries", db_index=False)
    position = models.PositiveIntegerField(_("position"))
    model = models.CharField(_("table"), max_length=100)
    object_id = models.BigIntegerField(_("row id"))
    leaf_hash = models.CharField(_("leaf hash"), max_length=64)

    class Meta:
        verbose_name = _("sealed row")
        verbose_name_plural = _("sealed rows")
        constraints = [
            models.UniqueConstraint(fields=["model", "object_id"], name="seal_entry_once_per_row"),
            models.UniqueConstraint(fields=["block", "position"], name="seal_entry_position_unique"),
        ]

    def __str__(self):
        return f"{self.model} {self.object_id}"


class IntegrityVerification(models.Model):
    """One recomputation of the whole chain, and the first row or block that did not match."""

    class Outcome(models.TextChoices):
        PASSED = "passed", _("passed")
        FAILED = "failed", _("mismatch found")

    started_at = models.DateTimeField(_("started"), db_index=True)
    finished_at = models.DateTimeField(_("finished"))
    outcome = models.CharField(_("result"), max_length=10, choices=Outcome.choices)
    blocks_checked = models.PositiveIntegerField(_("blocks checked"), default=0)
    rows_checked = models.PositiveBigIntegerField(_("rows checked"), default=0)
    # The last block this run found intact; the next run checks it is still there, unchanged.
    head_sequence = models.PositiveIntegerField(_("chain head"), null=True, blank=True)
    head_hash = models.CharField(_("chain head hash"), max_length=64, blank=True)
    failure_block = models.PositiveIntegerField(_("block"), null=True, blank=True)
    failure_model = models.CharField(_("table"), max_length=100, blank=True)
    failure_object_id = models.BigIntegerField(_("row id"), null=True, blank=True)
    failure_sealed_at = models.DateTimeField(_("sealed"), null=True, blank=True)
    failure_message = models.TextField(_("what does not match"), blank=True)
    # The same mismatch found again on later days alerts once: its key is the alert's email key.
    failure_key = models.CharField(max_length=64, blank=True)
    alerted = models.BooleanField(_("compliance alerted"), default=False)

    class Meta:
        verbose_name = _("integrity verification")
        verbose_name_plural = _("integrity verifications")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outcome__in=["passed", "failed"]), name="integrity_verification_outcome_valid"
            )
        ]

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.get_outcome_display()}"
