"""Every evidence download is an audit event (who, which file, which appeal, when) that a
supervisor finds in the audit log by its action."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfWriter

from appeals import services
from portal.models import AuditEvent
from tests.appeals.conftest import file_appeal
from tests.factories import BorrowerFactory, StaffFactory

pytestmark = pytest.mark.django_db

ACTION = "appeal.evidence_downloaded"


def pdf(name="proof.pdf"):
    """A one-page PDF as pypdf writes it (uploads are parsed, so it must be a real one)."""
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    output = io.BytesIO()
    writer.write(output)
    return SimpleUploadedFile(name, output.getvalue())


def test_the_service_records_who_downloaded_which_file_of_which_appeal(borrower, decision, rf):
    appeal = file_appeal(borrower, decision, files=[pdf("bank statement.pdf")])
    evidence = appeal.evidence.get()

    services.evidence_download_record(evidence=evidence, user=borrower, request=rf.get("/", REMOTE_ADDR="203.0.113.7"))

    event = AuditEvent.objects.get(action=ACTION)
    assert (event.actor, event.target_type, event.target_id) == (borrower, "appeals.appeal", str(appeal.pk))
    assert event.target_label == appeal.reference
    assert event.summary == "bank statement.pdf"
    assert event.after == {"evidence_id": evidence.pk, "file": "bank statement.pdf", "sha256": evidence.sha256}
    assert event.ip_address == "203.0.113.7"
    assert event.occurred_at is not None


def test_each_download_by_the_borrower_or_a_reviewer_is_an_audit_event(client, borrower, decision, reviewer):
    appeal = file_appeal(borrower, decision, files=[pdf("proof.pdf")])
    url = reverse("appeals:evidence", args=[appeal.evidence.get().pk])

    client.force_login(borrower)
    client.get(url)
    client.get(url)
    client.force_login(reviewer)
    client.get(url)

    downloads = AuditEvent.objects.filter(action=ACTION, target_id=str(appeal.pk)).order_by("pk")
    assert [event.actor for event in downloads] == [borrower, borrower, reviewer]


def test_a_refused_download_is_not_recorded(client, borrower, decision):
    appeal = file_appeal(borrower, decision, files=[pdf()])
    client.force_login(BorrowerFactory())

    response = client.get(reverse("appeals:evidence", args=[appeal.evidence.get().pk]))

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action=ACTION).exists()


def test_a_supervisor_finds_the_downloads_in_the_audit_log_by_action(client, borrower, decision, reviewer):
    appeal = file_appeal(borrower, decision, files=[pdf("proof.pdf")])
    client.force_login(reviewer)
    client.get(reverse("appeals:evidence", args=[appeal.evidence.get().pk]))
    client.force_login(StaffFactory(group="Supervisor"))

    response = client.get(reverse("admin:portal_auditevent_changelist"), {"action": ACTION})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == list(AuditEvent.objects.filter(action=ACTION))
    page = response.content.decode()
    assert reviewer.email in page
    assert appeal.reference in page
    assert "proof.pdf" in page
