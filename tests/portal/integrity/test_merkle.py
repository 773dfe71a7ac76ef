"""The Merkle tree follows RFC 6962: roots equal the recursive definition and every audit path
leads back to the root, while a path for another leaf or size does not."""

import hashlib
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from portal.integrity import merkle


def rfc6962_root(leaves):
    if len(leaves) == 1:
        return leaves[0]
    split = 1
    while split * 2 < len(leaves):
        split *= 2
    left, right = rfc6962_root(leaves[:split]), rfc6962_root(leaves[split:])
    return hashlib.sha256(b"\x01" + left + right).digest()


def leaves_of(size):
    return [merkle.leaf_hash({"model": "t", "id": index, "fields": {}}) for index in range(size)]


def test_roots_equal_the_rfc_6962_definition_for_every_size_up_to_70():
    for size in range(1, 71):
        leaves = leaves_of(size)
        assert merkle.merkle_root(leaves) == rfc6962_root([bytes.fromhex(leaf) for leaf in leaves]).hex(), size


def test_every_audit_path_leads_to_the_root():
    for size in range(1, 40):
        leaves = leaves_of(size)
        levels = merkle.tree_levels(leaves)
        root = merkle.merkle_root(leaves)
        for index in range(size):
            proof = merkle.inclusion_proof(levels, index)
            assert merkle.root_from_proof(leaf=leaves[index], index=index, tree_size=size, proof=proof) == root


@given(size=st.integers(min_value=2, max_value=60), data=st.data())
def test_a_path_for_another_leaf_or_a_cut_path_does_not_lead_to_the_root(size, data):
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    other = data.draw(st.integers(min_value=0, max_value=size - 1).filter(lambda value: value != index))
    leaves = leaves_of(size)
    levels = merkle.tree_levels(leaves)
    root = merkle.merkle_root(leaves)
    proof = merkle.inclusion_proof(levels, index)
    assert merkle.root_from_proof(leaf=leaves[other], index=index, tree_size=size, proof=proof) != root
    assert merkle.root_from_proof(leaf=leaves[index], index=index, tree_size=size, proof=proof[:-1]) != root


def test_canonical_records_write_decimals_as_strings_and_times_in_utc():

    shanghai = timezone(timedelta(hours=8))
    record = {"b": Decimal("30000.00"), "a": datetime(2026, 12, 1, 8, 0, tzinfo=shanghai)}
    canonical = merkle.canonical_bytes({key: merkle.canonical_value(value) for key, value in record.items()})
    assert canonical == b'{"a":"2026-12-01T00:00:00.000000Z","b":"30000.00"}'
