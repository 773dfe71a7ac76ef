"""On PostgreSQL the database refuses to change or delete what was sealed, while the fields
left out of the seal (a notice's read time, its email status) still change."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts.models import RiskDecision
from portal.integrity import services
from portal.integrity.models import SealBlock, SealEntry
from portal.models import Notification
from tests.portal.integrity.test_sealing import pending_decision

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the seal guards are PostgreSQL triggers"),
]


def sql(statement, params):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def refused(action):
    with pytest.raises(DatabaseError, match="sealed"), transaction.atomic():
        action()


def test_a_sealed_notice_keeps_its_text_but_can_be_read(ledger):
    _account, change = ledger
    services.integrity_seal()
    notices = Notification.objects.filter(pk=change.notice_id)
    refused(lambda: notices.update(title="nothing happened"))
    refused(lambda: sql("DELETE FROM portal_notification WHERE id = %s", [change.notice_id]))
    assert notices.update(read_at=timezone.now(), email_status="sent") == 1
    notice = notices.get()
    notice.save()  # a full save that changes no sealed value is allowed
    assert services.integrity_verify().outcome == "passed"


def test_a_notice_not_sealed_yet_may_still_change(ledger):
    _account, change = ledger
    assert Notification.objects.filter(pk=change.notice_id).update(title="corrected before sealing") == 1


def test_a_sealed_decision_cannot_be_rewritten_but_a_pending_one_can(ledger):
    account, _change = ledger
    decision = pending_decision(account)
    services.integrity_seal()
    decisions = RiskDecision.objects.filter(pk=decision.pk)
    assert decisions.update(review_note="still waiting") == 1
    decisions.update(status="rejected")
    services.integrity_seal()
    refused(lambda: decisions.update(status="applied"))
    refused(lambda: decisions.delete())


def test_the_seal_chain_itself_is_append_only(ledger):
    services.integrity_seal()

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        SealBlock.objects.update(row_count=0)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        SealEntry.objects.all().delete()


def test_every_sealed_table_is_guarded_on_every_sealed_column():
    """A field added to SEALED_FIELDS needs its column in the table's trigger too (a migration)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal")
        triggers = dict(cursor.fetchall())
    for sealed in services.sealed_models():
        append_only = {f"{sealed.table}_no_update"} & set(triggers)  # the ledger and the audit log
        if append_only:
            continue
        definition = triggers[f"{sealed.table}_sealed_update"]
        assert f"{sealed.table}_sealed_delete" in triggers
        assert [column for column in sealed.columns if f"old.{column}" not in definition.lower()] == [], sealed.label
