"""The tables a policy run writes tens of thousands of rows into keep no index their queries do
not use: every index is written with every row (portal 0005, accounts 0016)."""

import pytest
from django.db import IntegrityError, connection, transaction

from accounts.models import LimitChange, RiskDecision
from portal.models import AuditEvent, Notification
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the index definitions are PostgreSQL's; CI runs this"
    ),
]

BUSY = [Notification, AuditEvent, LimitChange, RiskDecision]

INDEXES_SQL = """
SELECT index.relname, entry.indisunique, entry.indpred IS NOT NULL, pg_get_indexdef(entry.indexrelid),
    array(SELECT attribute.attname FROM unnest(entry.indkey) WITH ORDINALITY AS key(number, position)
          JOIN pg_attribute AS attribute ON attribute.attrelid = entry.indrelid AND attribute.attnum = key.number
          ORDER BY key.position)
FROM pg_index AS entry JOIN pg_class AS index ON index.oid = entry.indexrelid
WHERE entry.indrelid = %s::regclass
"""


def indexes(model):
    with connection.cursor() as cursor:
        cursor.execute(INDEXES_SQL, [model._meta.db_table])
        return [
            {"name": name, "unique": unique, "partial": partial, "definition": definition, "columns": list(columns)}
            for name, unique, partial, definition, columns in cursor.fetchall()
        ]


@pytest.mark.parametrize("model", BUSY, ids=lambda model: model._meta.db_table)
def test_no_index_repeats_the_leading_columns_of_another(model):
    found = indexes(model)
    for index in found:
        if index["unique"] or index["partial"]:
            continue  # a unique or partial index does more than speed a lookup
        width = len(index["columns"])
        covering = [
            other["name"]
            for other in found
            if other is not index and not other["partial"] and other["columns"][:width] == index["columns"]
        ]
        assert not covering, f"{index['name']} on {index['columns']} is already served by {covering}"


@pytest.mark.parametrize("model", BUSY, ids=lambda model: model._meta.db_table)
def test_no_pattern_matching_copies_of_exact_match_indexes(model):
    assert not [index["name"] for index in indexes(model) if "pattern_ops" in index["definition"]]


def test_the_notice_key_still_makes_a_second_notice_impossible():
    recipient = UserFactory()
    Notification.objects.create(recipient=recipient, kind="test", title="t", body="b", idempotency_key="once")
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(recipient=recipient, kind="test", title="t", body="b", idempotency_key="once")
    Notification.objects.create(recipient=recipient, kind="test", title="t", body="b")  # no key: no limit
    Notification.objects.create(recipient=recipient, kind="test", title="t", body="b")
    assert Notification.objects.filter(recipient=recipient).count() == 3
