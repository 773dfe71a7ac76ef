"""Check a sealed statement offline, without Django and without trusting the portal:

    python -m portal.integrity.verify statement.json --public-key portal-key.pem

Fetch the public key once from the portal's /integrity/public-key/ (or from its published
fingerprint); without --public-key the key inside the statement is used, which only proves
the statement is consistent, not who made it. Prints "verified" or the first entry that fails;
exits 0 when everything checks, 1 when something does not, 2 when the file cannot be read."""

import argparse
import json
import sys

from portal.integrity import merkle, signing

FORMAT = "portal-sealed-statement/1"


class StatementError(Exception):
    pass


def statement_check(statement, public_key):
    """Every problem found, as readable lines; an empty list means verified."""
    problems = []
    if statement.get("format") != FORMAT:
        return [f"not a sealed statement (format {statement.get('format')!r})"]
    key_id = signing.key_id(public_key)
    if statement.get("key_id") != key_id:
        problems.append(f"the statement names key {statement.get('key_id')}, but the public key given is {key_id}")
    unsigned = {name: value for name, value in statement.items() if name != "signature"}
    if not signing.signature_valid(public_key, merkle.canonical_bytes(unsigned), statement.get("signature", "")):
        problems.append("the statement's signature is not valid: it was changed or signed with another key")
    heads = {}
    for block in statement.get("blocks", []):
        head = block["head"]
        number = head.get("sequence")
        if merkle.block_hash(head) != block.get("block_hash"):
            problems.append(f"block {number}: its head does not match its hash")
        elif head.get("key_id") != key_id:
            problems.append(f"block {number}: signed with key {head.get('key_id')}, not {key_id}")
        elif not signing.signature_valid(public_key, merkle.block_head_bytes(head), block.get("signature", "")):
            problems.append(f"block {number}: its signature is not valid")
        else:
            heads[number] = head
    for position, entry in enumerate(statement.get("entries", []), start=1):
        record = entry.get("record") or {}
        name = f"entry {position} ({record.get('model')} {record.get('id')})"
        head = heads.get(entry.get("block"))
        if head is None:
            problems.append(f"{name}: its block {entry.get('block')} is missing or not validly signed")
            continue
        root = merkle.root_from_proof(
            leaf=merkle.leaf_hash(record),
            index=entry.get("leaf_index", -1),
            tree_size=head["row_count"],
            proof=entry.get("proof", []),
        )
        if root != head["merkle_root"]:
            problems.append(f"{name}: does not match what block {head['sequence']} sealed")
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m portal.integrity.verify", description=__doc__.split("\n\n")[0])
    parser.add_argument("statement", help="the statement JSON file downloaded from the portal")
    parser.add_argument("--public-key", help="the portal's public key (PEM), fetched from /integrity/public-key/")
    arguments = parser.parse_args(argv)
    try:
        with open(arguments.statement, encoding="utf-8") as handle:
            statement = json.load(handle)
        if arguments.public_key:
            with open(arguments.public_key, encoding="ascii") as handle:
                public_key = signing.public_key_load(handle.read())
        else:
            print("warning: no --public-key given; using the key inside the statement", file=sys.stderr)
            public_key = signing.public_key_load(statement["public_key"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(f"cannot read: {error}", file=sys.stderr)
        return 2
    problems = statement_check(statement, public_key)
    for problem in problems:
        print(f"FAILED {problem}")
    if problems:
        return 1
    entries = len(statement.get("entries", []))
    waiting = len(statement.get("not_yet_sealed", []))
    print(f"verified: {entries} entries match their signed blocks" + (f"; {waiting} not sealed yet" if waiting else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
