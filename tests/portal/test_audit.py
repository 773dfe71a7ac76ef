import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError, InternalError
from django.urls import reverse

from portal.models import AppendOnlyError, AuditEvent
from portal.services import audit_event_record
from tests.factories import BorrowerFactory

pytestmark = pytest.mark.django_db


def test_an_event_records_actor_target_summary_and_redacts_secrets(borrower, rf):
    request = rf.get("/", REMOTE_ADDR="203.0.113.9")
    event = audit_event_record(
        actor=borrower,
        action="test.changed",
        target=borrower,
        before={"email": "a@example.com", "password": "old"},
        after={"email": "b@example.com", "password": "new"},
        request=request,
    )
    event.refresh_from_db()
    assert event.actor == borrower
    assert event.actor_label == borrower.email
    assert (event.target_type, event.target_id) == ("accounts.user", str(borrower.pk))
    assert event.before == {"email": "a@example.com", "password": "••••"}
    assert event.after["password"] == "••••"
    assert event.ip_address == "203.0.113.9"


def test_the_orm_refuses_to_change_or_delete_an_event(borrower):
    event = audit_event_record(actor=borrower, action="test.made")
    event.action = "test.rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="test.rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.made"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's; CI runs on PostgreSQL")
def test_postgresql_refuses_raw_updates_and_deletes(borrower):
    event = audit_event_record(actor=borrower, action="test.made")
    for statement in (
        "UPDATE portal_auditevent SET action = 'x' WHERE id = %s",
        "DELETE FROM portal_auditevent WHERE id = %s",
    ):
        with pytest.raises((InternalError, DatabaseError)), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "test.made"


def test_successful_and_failed_logins_are_recorded(client, borrower, password):
    client.post(reverse("account_login"), {"login": borrower.email, "password": "wrong-password"})
    client.post(reverse("account_login"), {"login": borrower.email, "password": password})

    failed = AuditEvent.objects.get(action="auth.login_failed")
    assert failed.actor is None
    assert failed.actor_label == borrower.email
    assert "wrong-password" not in str(failed.summary) + str(failed.after)
    assert AuditEvent.objects.filter(action="auth.login", actor=borrower).count() == 1


def test_login_is_rate_limited_after_repeated_failures(client, password):
    borrower = BorrowerFactory()
    for _attempt in range(5):
        client.post(reverse("account_login"), {"login": borrower.email, "password": "wrong-password"})
    response = client.post(reverse("account_login"), {"login": borrower.email, "password": password})
    # allauth refuses even the right password while the limit holds.
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session
