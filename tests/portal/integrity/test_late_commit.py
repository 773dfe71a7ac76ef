"""Rows commit out of id order: a transaction holding a lower id can commit after a higher id
was sealed. The next seal still takes it (PostgreSQL, two real connections)."""

import threading

import pytest
from django.db import connection, connections, transaction

from portal.integrity import services
from portal.integrity.models import SealEntry
from portal.models import AuditEvent
from portal.services import audit_event_record

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs two concurrent transactions"),
]


def sealed(event_id):
    return SealEntry.objects.filter(model="portal.auditevent", object_id=event_id).exists()


def test_a_row_committed_after_a_later_id_was_sealed_is_sealed_next_time():
    written, release, slow = threading.Event(), threading.Event(), {}

    def slow_writer():
        try:
            with transaction.atomic():
                slow["event"] = audit_event_record(actor=None, action="test.slow")
                written.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert written.wait(timeout=30)
    fast = audit_event_record(actor=None, action="test.fast")
    services.integrity_seal()
    assert slow["event"].pk < fast.pk
    assert sealed(fast.pk) and not sealed(slow["event"].pk)
    release.set()
    thread.join(timeout=30)
    services.integrity_seal()
    assert sealed(slow["event"].pk)
    assert AuditEvent.objects.count() == SealEntry.objects.filter(model="portal.auditevent").count()
    assert services.integrity_verify().outcome == "passed"
