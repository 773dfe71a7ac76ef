"""Reads of the seal chain: its head and last verification, and the proofs a statement needs."""

from dataclasses import dataclass

from portal.integrity import merkle
from portal.integrity.models import IntegrityVerification, SealBlock, SealEntry


@dataclass
class IntegrityStatus:
    head: SealBlock | None
    last_verification: IntegrityVerification | None
    last_failure: IntegrityVerification | None


def integrity_status():
    """The chain head, the newest verification and the newest one that found a mismatch."""
    return IntegrityStatus(
        head=SealBlock.objects.order_by("-sequence").first(),
        last_verification=IntegrityVerification.objects.order_by("-started_at", "-id").first(),
        last_failure=IntegrityVerification.objects.filter(outcome=IntegrityVerification.Outcome.FAILED)
        .order_by("-started_at", "-id")
        .first(),
    )


def seal_proofs(*, rows):
    """Inclusion proofs for ``rows`` (pairs of model label and row id): a dict from each sealed
    pair to (block, leaf index, audit path), and the blocks involved. Rows not sealed yet are
    simply absent. One query for the entries, one per block for its leaves."""
    wanted = {}
    for label, object_id in rows:
        wanted.setdefault(label, set()).add(object_id)
    entries = []
    for label, ids in wanted.items():
        entries.extend(SealEntry.objects.filter(model=label, object_id__in=sorted(ids)).select_related("block"))
    blocks = {entry.block.sequence: entry.block for entry in entries}
    levels = {
        sequence: merkle.tree_levels(list(block.entries.order_by("position").values_list("leaf_hash", flat=True)))
        for sequence, block in blocks.items()
    }
    proofs = {
        (entry.model, entry.object_id): (
            entry.block,
            entry.position,
            merkle.inclusion_proof(levels[entry.block.sequence], entry.position),
        )
        for entry in entries
    }
    return proofs, blocks
