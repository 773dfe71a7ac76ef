"""Closure requests in the staff admin: read-only, filterable, and processed by hand only
through the completion service, never before the cooling-off period ends; a request staff
reject by hand records who rejected it."""

import importlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.closure import services
from accounts.credit.services import limit_change_apply
from accounts.models import ClosureRequest
from portal.models import AuditEvent
from tests.factories import StaffFactory, credit_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(borrower, monkeypatch):
    monkeypatch.setattr(services.secrets, "randbelow", lambda _limit: 123456)
    account = credit_account(customer=borrower.customer, credit_limit="50000.00")
    closure_request = services.closure_request_draft_create(
        user=borrower, account=account, kind="lower", target_limit="30000"
    )
    services.closure_request_impact_acknowledge(closure_request=closure_request, user=borrower)
    services.closure_request_reason_set(closure_request=closure_request, user=borrower, reason="other")
    services.closure_verification_code_send(closure_request=closure_request, user=borrower)
    services.closure_request_verify(closure_request=closure_request, user=borrower, code="123456")
    return services.closure_request_submit(closure_request=closure_request, user=borrower)


@pytest.fixture
def processor(db):
    staff = StaffFactory(is_superuser=False, preferred_language="en")
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_closurerequest", "process_closurerequest"])
    )
    return staff


def test_staff_filter_by_status_and_age_and_cannot_edit(client, processor, submitted, django_assert_max_num_queries):
    client.force_login(processor)
    changelist = reverse("admin:accounts_closurerequest_changelist")
    with django_assert_max_num_queries(20):
        page = client.get(changelist + "?status__exact=submitted&age=1d").content.decode()
    assert submitted.reference in page
    assert submitted.reference not in client.get(changelist + "?age=older").content.decode()
    change = client.get(reverse("admin:accounts_closurerequest_change", args=[submitted.pk])).content.decode()
    assert 'name="_save"' not in change
    assert "code_hash" not in change


def test_manual_processing_waits_for_the_cooling_off_then_goes_through_the_ledger(client, processor, submitted):
    client.force_login(processor)
    changelist = reverse("admin:accounts_closurerequest_changelist")
    form = {"action": "process_due", "_selected_action": [submitted.pk]}
    page = client.post(changelist, form, follow=True).content.decode()
    assert "still in its cooling-off period" in page
    submitted.refresh_from_db()
    assert submitted.status == "submitted"

    ClosureRequest.objects.filter(pk=submitted.pk).update(
        cooling_off_ends_at=submitted.cooling_off_ends_at - timedelta(days=2)
    )
    client.post(changelist, form)
    submitted.refresh_from_db()
    submitted.account.refresh_from_db()
    assert submitted.status == "completed"
    assert submitted.account.credit_limit == Decimal("30000.00")
    assert AuditEvent.objects.filter(action="closure_request.completed", actor=processor).exists()


def test_the_processing_action_needs_its_permission(client, submitted):
    viewer = StaffFactory(is_superuser=False)
    viewer.user_permissions.add(Permission.objects.get(codename="view_closurerequest"))
    client.force_login(viewer)
    page = client.get(reverse("admin:accounts_closurerequest_changelist")).content.decode()
    assert "process_due" not in page


@pytest.fixture
def overtaken(submitted):
    """A due request for 30,000 on a line a risk review has since cut to 25,000."""
    limit_change_apply(
        account=submitted.account,
        kind="risk_reduction",
        new_limit="25000",
        reason_codes=["score_drop"],
        decided_by="policy",
    )
    ClosureRequest.objects.filter(pk=submitted.pk).update(
        cooling_off_ends_at=submitted.cooling_off_ends_at - timedelta(days=2)
    )
    return submitted


def test_a_request_staff_reject_by_hand_records_who_rejected_it(client, processor, overtaken):
    client.force_login(processor)
    form = {"action": "process_due", "_selected_action": [overtaken.pk]}
    client.post(reverse("admin:accounts_closurerequest_changelist"), form)
    overtaken.refresh_from_db()
    assert (overtaken.status, overtaken.rejected_by) == ("rejected", processor)


def test_a_request_the_beat_task_rejects_has_nobody_behind_the_rejection(overtaken):
    services.closure_requests_process()
    overtaken.refresh_from_db()
    assert (overtaken.status, overtaken.rejected_by) == ("rejected", None)


def test_the_migration_reads_who_rejected_a_request_from_the_audit_log(processor, overtaken):
    services.closure_request_complete(closure_request_id=overtaken.pk, actor=processor)
    ClosureRequest.objects.filter(pk=overtaken.pk).update(rejected_by=None)
    migration = importlib.import_module("accounts.migrations.0018_closure_request_rejected_by")
    migration.rejected_by_fill(django_apps, schema_editor=None)
    overtaken.refresh_from_db()
    assert overtaken.rejected_by == processor
