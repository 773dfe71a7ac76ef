"""The daily verification alerts compliance officers once per mismatch, by email and in admin;
the admin page shows the chain head and the last result to those allowed to see it."""

import pytest
from django.core import mail
from django.urls import reverse

from portal import tasks
from portal.integrity import services
from portal.integrity.models import IntegrityVerification
from portal.models import Notification
from tests.factories import StaffFactory
from tests.portal.integrity.conftest import behind_the_apps_back

pytestmark = pytest.mark.django_db


@pytest.fixture
def officers():
    return [
        StaffFactory(group="Compliance officer", preferred_language="en"),
        StaffFactory(group="Compliance officer", preferred_language="zh-hans"),
    ]


def tamper(change):
    behind_the_apps_back("UPDATE accounts_limitchange SET source_reference = 'edited' WHERE id = %s", [change.pk])


def test_the_daily_run_emails_each_compliance_officer_once_per_mismatch(
    ledger, officers, django_capture_on_commit_callbacks
):
    _account, change = ledger
    tasks.integrity_seal()
    assert tasks.integrity_verify_daily() == "passed"
    tamper(change)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.integrity_verify_daily() == "failed"
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.integrity_verify_daily() == "failed"  # the same mismatch found again tomorrow
    assert sorted(message.to[0] for message in mail.outbox) == sorted(officer.email for officer in officers)
    english = next(message for message in mail.outbox if message.to == [officers[0].email])
    assert "accounts.limitchange" in english.body and str(change.pk) in english.body
    assert "Sealed records do not match" in english.subject
    assert english.alternatives  # an HTML part too
    chinese = next(message for message in mail.outbox if message.to == [officers[1].email])
    assert "Sealed records do not match" not in chinese.subject
    assert IntegrityVerification.objects.filter(outcome="failed", alerted=True).count() == 2


def test_a_different_mismatch_alerts_again(ledger, officers):
    account, change = ledger
    tasks.integrity_seal()
    tamper(change)
    tasks.integrity_verify_daily()
    behind_the_apps_back("UPDATE accounts_limitchange SET source_reference = '' WHERE id = %s", [change.pk])
    opening = account.limit_changes.get(sequence=1)
    tamper(opening)
    tasks.integrity_verify_daily()
    assert Notification.objects.filter(kind=services.ALERT_EMAIL_KIND).count() == 2 * len(officers)


def test_a_passing_run_alerts_nobody(ledger, officers):
    tasks.integrity_seal()
    tasks.integrity_verify_daily()
    assert not Notification.objects.filter(kind=services.ALERT_EMAIL_KIND).exists()


def test_the_admin_shows_the_chain_head_and_a_mismatch(client, ledger, officers, django_assert_max_num_queries):
    _account, change = ledger
    (block,) = services.integrity_seal()
    tamper(change)
    services.integrity_verify()
    client.force_login(officers[0])
    with django_assert_max_num_queries(15):
        response = client.get(reverse("admin:portal_sealblock_changelist"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    assert block.block_hash in page
    assert f"table accounts.limitchange, row {change.pk}" in page
    assert client.get(reverse("admin:portal_integrityverification_changelist")).status_code == 200


def test_the_admin_blocks_list_stays_within_a_query_bound(client, ledger, officers, django_assert_max_num_queries):
    services.integrity_seal(block_rows=1)
    services.integrity_verify()
    client.force_login(officers[0])
    with django_assert_max_num_queries(15):
        response = client.get(reverse("admin:portal_sealblock_changelist"))
    assert response.status_code == 200


def test_staff_without_the_permission_cannot_see_the_chain(client):
    client.force_login(StaffFactory(group="Support agent"))
    assert client.get(reverse("admin:portal_sealblock_changelist")).status_code == 403


def test_nobody_can_add_change_or_delete_blocks_in_admin(client, ledger, officers):
    (block,) = services.integrity_seal()
    client.force_login(StaffFactory(is_superuser=True))
    assert client.get(reverse("admin:portal_sealblock_add")).status_code == 403
    assert client.post(reverse("admin:portal_sealblock_delete", args=[block.pk]), {"post": "yes"}).status_code == 403
