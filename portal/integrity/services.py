"""Sealing rows into signed blocks, and verifying the chain.

Sealing never blocks writers: it takes no table or row locks on the sealed tables, only the
advisory lock that lets one sealer run at a time, and it reads rows that are already committed.
A row is due for sealing while it has no ``SealEntry``, so a transaction that commits a lower id
after a higher one was sealed is sealed by the next run, never skipped."""

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal import services as portal_services
from portal.db import ids_among, rows_append, transaction_lock
from portal.integrity import keys, merkle, signing
from portal.integrity.models import IntegrityVerification, SealBlock, SealEntry
from portal.integrity.registry import sealed_models
from portal.models import Notification

logger = logging.getLogger(__name__)

SEAL_LOCK = "portal.integrity.seal"
BLOCK_ROWS = 10_000
COMPLIANCE_GROUP = "Compliance officer"
ALERT_EMAIL_KIND = "integrity_mismatch"
FETCH_CHUNK = 5_000


# The minute run looks only at rows above the highest id sealed this long ago: a row with a
# lower id would have had to keep its transaction open for longer than this, which no request
# or task does (every task's hard limit is under 15 minutes). The daily run looks at every row.
SEAL_LAG = timedelta(hours=1)


def _scan_floor(sealed, *, full):
    """The id above which unsealed rows of ``sealed`` are looked for."""
    if full or sealed.when:  # a row may become final long after it was written
        return 0
    settled = (
        SealBlock.objects.filter(sealed_at__lt=timezone.now() - SEAL_LAG)
        .order_by("-sequence")
        .values_list("sequence", flat=True)
        .first()
    )
    if settled is None:
        return 0
    highest = SealEntry.objects.filter(model=sealed.label, block__sequence__lte=settled).aggregate(Max("object_id"))
    return highest["object_id__max"] or 0


def _due_rows(sealed, *, after, limit):
    """Final rows above id ``after`` without a seal entry, in id order: an index range scan
    that probes the entries' unique index, so a long backlog is read once, page by page."""
    sealed_already = SealEntry.objects.filter(model=sealed.label, object_id=OuterRef("pk"))
    return list(sealed.rows().filter(pk__gt=after).filter(~Exists(sealed_already)).order_by("pk")[:limit])


def integrity_seal(*, block_rows=BLOCK_ROWS, max_blocks=100, full=False):
    """Seal the committed rows that have no seal yet, ``block_rows`` at most per block, each
    block in its own transaction; returns the blocks written. ``full`` looks at every row rather
    than those written in the last hour or so (the daily catch-up). Safe to run twice or at
    once: the second waits for the first's lock and then finds nothing due."""
    cursors = {}
    written = []
    for _index in range(max_blocks):
        block = _block_seal(block_rows=block_rows, cursors=cursors, full=full)
        if block is None:
            break
        written.append(block)
        if block.row_count < block_rows:
            break
    return written


def _block_seal(*, block_rows, cursors, full):
    private_key = keys.signing_key()
    with transaction.atomic():
        transaction_lock(SEAL_LOCK)
        leaves = []  # (label, row pk, record, time)
        for sealed in sealed_models():
            remaining = block_rows - len(leaves)
            if remaining <= 0:
                break
            if sealed.label not in cursors:
                cursors[sealed.label] = _scan_floor(sealed, full=full)
            rows = _due_rows(sealed, after=cursors[sealed.label], limit=remaining)
            for row in rows:
                leaves.append((sealed.label, row["pk"], sealed.record(row), row[sealed.time_attname]))
            if rows:
                cursors[sealed.label] = rows[-1]["pk"]
        if not leaves:
            return None
        hashes = [merkle.leaf_hash(record) for _label, _pk, record, _time in leaves]
        previous = SealBlock.objects.order_by("-sequence").first()
        times = [time for *_rest, time in leaves]
        block = SealBlock(
            sequence=previous.sequence + 1 if previous else 1,
            previous_hash=previous.block_hash if previous else merkle.GENESIS_HASH,
            merkle_root=merkle.merkle_root(hashes),
            row_count=len(leaves),
            first_row_at=min(times),
            last_row_at=max(times),
            sealed_at=timezone.now(),
            key_id=signing.key_id(private_key.public_key()),
        )
        head = merkle.block_head_bytes(block.head())
        block.block_hash = merkle.block_hash(block.head())
        block.signature = signing.sign(private_key, head)
        block.save()
        rows_append(
            SealEntry,
            [
                {"block_id": block.pk, "position": position, "model": label, "object_id": pk, "leaf_hash": leaf}
                for position, ((label, pk, _record, _time), leaf) in enumerate(zip(leaves, hashes, strict=True))
            ],
        )
    return block


@dataclass
class Mismatch:
    message: str
    block: SealBlock | None = None
    model: str = ""
    object_id: int | None = None

    @property
    def key(self):
        text = f"{self.block.sequence if self.block else ''}|{self.model}|{self.object_id}"
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class ChainCheck:
    blocks: int = 0
    rows: int = 0
    mismatch: Mismatch | None = None
    head: SealBlock | None = None


def chain_check(*, public_key=None, known_head=None):
    """Recompute every block: its rows against their leaf hashes, the leaves against the Merkle
    root, the head against its hash and signature, and the link to the block before. Stops at
    the first thing that does not match. ``known_head`` (sequence, hash), the head an earlier
    verification saw, must still be there: cutting blocks off the end is caught too."""
    public_key = public_key or keys.public_key()
    expected_key_id = signing.key_id(public_key)
    result = ChainCheck()
    previous_hash = merkle.GENESIS_HASH
    models_by_label = {sealed.label: sealed for sealed in sealed_models()}
    for block in SealBlock.objects.order_by("sequence").iterator(chunk_size=100):
        mismatch = _block_check(block, result.blocks + 1, previous_hash, public_key, expected_key_id, models_by_label)
        if mismatch is None and known_head and block.sequence == known_head[0] and block.block_hash != known_head[1]:
            mismatch = Mismatch(_("the block differs from the one an earlier verification saw"), block=block)
        if mismatch is not None:
            result.mismatch = mismatch
            return result
        result.blocks += 1
        result.rows += block.row_count
        result.head = block
        previous_hash = block.block_hash
    if known_head and result.blocks < known_head[0]:
        result.mismatch = Mismatch(
            _("the chain ends at block %(end)s, but block %(seen)s was verified before: blocks were removed")
            % {"end": result.blocks, "seen": known_head[0]}
        )
    return result


def _block_check(block, expected_sequence, previous_hash, public_key, expected_key_id, models_by_label):
    if block.sequence != expected_sequence:
        return Mismatch(_("block %(number)s is missing from the chain") % {"number": expected_sequence}, block=block)
    head = block.head()
    if block.previous_hash != previous_hash:
        return Mismatch(_("the block does not link to the block before it"), block=block)
    if merkle.block_hash(head) != block.block_hash:
        return Mismatch(_("the block head does not match its hash"), block=block)
    if block.key_id != expected_key_id:
        return Mismatch(
            _("the block is signed with key %(key)s, not the portal's key") % {"key": block.key_id}, block=block
        )
    if not signing.signature_valid(public_key, merkle.block_head_bytes(head), block.signature):
        return Mismatch(_("the block's signature is not valid"), block=block)
    entries = list(block.entries.order_by("position").values_list("position", "model", "object_id", "leaf_hash"))
    if len(entries) != block.row_count or any(entry[0] != index for index, entry in enumerate(entries)):
        return Mismatch(_("the block's list of sealed rows was changed"), block=block)
    if merkle.merkle_root([entry[3] for entry in entries]) != block.merkle_root:
        return Mismatch(_("the sealed rows were reordered or replaced"), block=block)
    rows = _rows_fetch(entries, models_by_label)
    for _position, label, object_id, leaf in entries:
        row = rows.get((label, object_id))
        if row is None:
            return Mismatch(_("the sealed row was deleted"), block=block, model=label, object_id=object_id)
        if merkle.leaf_hash(models_by_label[label].record(row)) != leaf:
            return Mismatch(_("the sealed row was changed"), block=block, model=label, object_id=object_id)
    return None


def _rows_fetch(entries, models_by_label):
    ids_by_label = {}
    for _position, label, object_id, _leaf in entries:
        ids_by_label.setdefault(label, []).append(object_id)
    rows = {}
    for label, ids in ids_by_label.items():
        sealed = models_by_label.get(label)
        if sealed is None:
            continue
        manager = sealed.model._base_manager
        for start in range(0, len(ids), FETCH_CHUNK):
            chunk = ids[start : start + FETCH_CHUNK]
            for row in manager.filter(pk__in=ids_among(chunk)).values("pk", *set(sealed.attnames)):
                rows[(label, row["pk"])] = row
    return rows


def integrity_verify(*, alert=False):
    """Check the chain, record the result, and (``alert``) email the compliance officers about a
    mismatch the first time it is found. Returns the ``IntegrityVerification``."""
    started_at = timezone.now()
    last_passed = (
        IntegrityVerification.objects.filter(outcome=IntegrityVerification.Outcome.PASSED, head_sequence__isnull=False)
        .order_by("-started_at", "-id")
        .first()
    )
    check = chain_check(known_head=(last_passed.head_sequence, last_passed.head_hash) if last_passed else None)
    mismatch = check.mismatch
    verification = IntegrityVerification(
        started_at=started_at,
        finished_at=timezone.now(),
        outcome=IntegrityVerification.Outcome.FAILED if mismatch else IntegrityVerification.Outcome.PASSED,
        blocks_checked=check.blocks,
        rows_checked=check.rows,
        head_sequence=check.head.sequence if check.head else None,
        head_hash=check.head.block_hash if check.head else "",
    )
    if mismatch is not None:
        verification.failure_block = mismatch.block.sequence if mismatch.block else None
        verification.failure_model = mismatch.model
        verification.failure_object_id = mismatch.object_id
        verification.failure_sealed_at = mismatch.block.sealed_at if mismatch.block else None
        verification.failure_message = mismatch.message
        verification.failure_key = mismatch.key
    with transaction.atomic():
        verification.alerted = bool(mismatch and alert and _compliance_alert(verification))
        verification.save()
        portal_services.audit_event_record(
            actor=None,
            actor_label="integrity verification",
            action=f"integrity.verify_{verification.outcome}",
            target=verification,
            after={"blocks": check.blocks, "rows": check.rows, "mismatch": verification.failure_message},
        )
    return verification


def _compliance_alert(verification):
    """One email per compliance officer per mismatch: the outbox key makes a mismatch found again
    tomorrow add nothing. Each email is handed to Celery after commit (the outbox sweep sends it
    if the broker is down). Returns whether the officers have been told."""
    officers = list(get_user_model().objects.filter(groups__name=COMPLIANCE_GROUP, is_active=True).order_by("pk"))
    keys_by_officer = {officer.pk: f"integrity:{verification.failure_key[:40]}:{officer.pk}" for officer in officers}
    told = set(
        Notification.objects.filter(idempotency_key__in=keys_by_officer.values()).values_list(
            "idempotency_key", flat=True
        )
    )
    for officer in officers:
        if keys_by_officer[officer.pk] in told:
            continue
        with translation.override(officer.preferred_language):
            context = {"verification": verification, "officer": officer, "site_url": settings.SITE_URL}
            subject = _("Sealed records do not match: block %(block)s") % {"block": verification.failure_block}
            portal_services.outbox_email_send(
                recipient=officer,
                kind=ALERT_EMAIL_KIND,
                subject=f"{settings.EMAIL_SUBJECT_PREFIX}{subject}",
                text=render_to_string("portal/integrity/email/mismatch.txt", context),
                html=render_to_string("portal/integrity/email/mismatch.html", context),
                idempotency_key=keys_by_officer[officer.pk],
            )
    return bool(officers)


def mismatch_describe(verification):
    """One line naming what does not match, for the command and the admin."""
    if verification.outcome == IntegrityVerification.Outcome.PASSED:
        return ""
    parts = [verification.failure_message]
    if verification.failure_model:
        parts.append(f"table {verification.failure_model}, row {verification.failure_object_id}")
    if verification.failure_block is not None:
        parts.append(f"block {verification.failure_block}")
    if verification.failure_sealed_at is not None:
        parts.append(f"sealed {verification.failure_sealed_at:%Y-%m-%d %H:%M:%S} UTC")
    return "; ".join(parts)
