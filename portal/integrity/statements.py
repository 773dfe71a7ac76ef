"""A signed statement of someone's sealed rows that they can check without trusting the portal:
each row's record, its block's signed head and its Merkle inclusion proof. Checked offline by
``python -m portal.integrity.verify``."""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from portal.integrity import keys, merkle, selectors, signing
from portal.integrity.registry import sealed_models

STATEMENT_FORMAT = "portal-sealed-statement/1"


def statement_build(*, subject, rows):
    """``rows``: (model label, row id) pairs the caller has already scoped to the person. Rows not
    sealed yet are listed under ``not_yet_sealed``, without proofs."""
    rows = list(dict.fromkeys(rows))
    proofs, blocks = selectors.seal_proofs(rows=rows)
    by_label = {sealed.label: sealed for sealed in sealed_models()}
    records = {}
    for label in {label for label, _id in rows}:
        ids = [object_id for row_label, object_id in rows if row_label == label and (label, object_id) in proofs]
        for row in by_label[label].rows().filter(pk__in=ids):
            records[(label, row["pk"])] = by_label[label].record(row)
    entries, waiting = [], []
    for label, object_id in rows:
        if (label, object_id) not in proofs:
            waiting.append({"model": label, "id": object_id})
            continue
        block, index, proof = proofs[(label, object_id)]
        entries.append(
            {
                "record": records.get((label, object_id), {"model": label, "id": object_id, "fields": None}),
                "block": block.sequence,
                "leaf_index": index,
                "proof": proof,
            }
        )
    private_key = keys.signing_key()
    statement = {
        "format": STATEMENT_FORMAT,
        "issued_at": merkle.canonical_value(timezone.now()),
        "subject": subject,
        "key_id": signing.key_id(private_key.public_key()),
        "public_key_url": f"{settings.SITE_URL}{reverse('integrity_public_key')}",
        "public_key": keys.public_key_pem(),
        "blocks": [
            {"head": block.head(), "block_hash": block.block_hash, "signature": block.signature}
            for _sequence, block in sorted(blocks.items())
        ],
        "entries": entries,
        "not_yet_sealed": waiting,
    }
    statement["signature"] = signing.sign(private_key, merkle.canonical_bytes(statement))
    return statement
