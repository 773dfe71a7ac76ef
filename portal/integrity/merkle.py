"""Canonical records and the Merkle tree of a block, RFC 6962 style (leaf hashes prefixed 0x00,
node hashes 0x01, the last odd node carried up unpaired). Standard library only: the offline
verifier imports this module without Django."""

import base64
import hashlib
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

GENESIS_HASH = "0" * 64


def canonical_value(value):
    """A database value as JSON data: Decimal as its string, times in UTC ISO 8601."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, (bytes, memoryview)):
        return base64.b64encode(bytes(value)).decode()
    return value


def canonical_bytes(data):
    """Sorted keys, no spaces, UTF-8: the same data always gives the same bytes."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def leaf_hash(record):
    return hashlib.sha256(b"\x00" + canonical_bytes(record)).hexdigest()


def _node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def tree_levels(leaf_hashes):
    """Every level of the tree, leaves first, as bytes."""
    level = [bytes.fromhex(leaf) for leaf in leaf_hashes]
    levels = [level]
    while len(level) > 1:
        paired = [_node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
        levels.append(level)
    return levels


def merkle_root(leaf_hashes):
    if not leaf_hashes:
        return hashlib.sha256(b"").hexdigest()
    return tree_levels(leaf_hashes)[-1][0].hex()


def inclusion_proof(levels, index):
    """The audit path of leaf ``index`` (RFC 6962 section 2.1.1), hex, bottom up."""
    path = []
    for level in levels[:-1]:
        sibling = index ^ 1
        if sibling < len(level):
            path.append(level[sibling].hex())
        index //= 2
    return path


def root_from_proof(*, leaf, index, tree_size, proof):
    """The root an audit path leads to (RFC 9162 section 2.1.3.2), or None when the path cannot
    belong to a tree of that size."""
    if index >= tree_size:
        return None
    position, last = index, tree_size - 1
    result = bytes.fromhex(leaf)
    for sibling_hex in proof:
        sibling = bytes.fromhex(sibling_hex)
        if last == 0:
            return None
        if position & 1 or position == last:
            result = _node(sibling, result)
            while not position & 1 and position != 0:
                position >>= 1
                last >>= 1
        else:
            result = _node(result, sibling)
        position >>= 1
        last >>= 1
    if last != 0:
        return None
    return result.hex()


def block_head_bytes(head):
    return canonical_bytes(head)


def block_hash(head):
    return hashlib.sha256(block_head_bytes(head)).hexdigest()
