"""Borrower pages, evidence uploads and downloads, and who may reach what."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from appeals.models import Appeal, EvidenceFile
from portal.models import Notification
from tests.appeals.conftest import JPEG, PDF, PNG, file_appeal, pdf
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def _post_appeal(client, change, files=(), statement="The bureau reported a loan I never took."):
    return client.post(
        reverse("appeals:create", args=[change.pk]),
        {"grounds": "not_my_activity", "statement": statement, "desired_outcome": "restore", "files": list(files)},
    )


def test_the_form_is_prefilled_with_the_decision(borrower_client, decision):
    response = borrower_client.get(reverse("appeals:create", args=[decision.pk]))
    assert response.status_code == 200
    assert "¥30,000.00" in response.content.decode()
    assert "score_drop" not in response.content.decode()  # reasons in words, not codes


def test_filing_with_evidence_lands_on_the_tracker(borrower_client, decision, settings):
    files = [
        SimpleUploadedFile("statement.pdf", PDF),
        SimpleUploadedFile("photo.png", PNG),
        SimpleUploadedFile("receipt.jpg", JPEG),
    ]
    response = _post_appeal(borrower_client, decision, files)
    appeal = Appeal.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("appeals:detail", args=[appeal.pk])
    page = borrower_client.get(response.url).content.decode()
    assert appeal.reference in page
    assert 'id="next-step"' in page  # the tracker's "what happens next", in either language
    stored = list(EvidenceFile.objects.values_list("stored_name", "content_type"))
    assert {content_type for _name, content_type in stored} == {"application/pdf", "image/png", "image/jpeg"}
    for stored_name, _type in stored:
        assert not (settings.MEDIA_ROOT / stored_name).exists()
        assert (settings.PRIVATE_MEDIA_ROOT / stored_name[:2] / stored_name).exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("invoice.pdf", b"<html><script>alert(1)</script></html>"),  # HTML renamed .pdf
        ("tool.png", b"MZ\x90\x00" + b"\x00" * 40),  # an executable renamed .png
        ("empty.pdf", b""),
    ],
)
def test_disguised_or_empty_files_are_refused_and_nothing_is_saved(borrower_client, decision, name, content, settings):
    response = _post_appeal(borrower_client, decision, [SimpleUploadedFile(name, content)])
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Appeal.objects.count() == 0
    assert not settings.PRIVATE_MEDIA_ROOT.exists() or not any(settings.PRIVATE_MEDIA_ROOT.rglob("*.*"))


def test_oversized_file_is_refused(borrower_client, decision, settings):
    settings.APPEAL_EVIDENCE_MAX_BYTES = 100
    response = _post_appeal(borrower_client, decision, [SimpleUploadedFile("big.pdf", PDF + b"0" * 200)])
    assert "too large" in str(response.context["form"].errors) or response.context["form"].errors
    assert Appeal.objects.count() == 0


def test_more_than_five_files_are_refused(borrower_client, decision):
    response = _post_appeal(borrower_client, decision, [SimpleUploadedFile(f"f{n}.pdf", PDF) for n in range(6)])
    assert response.context["form"].errors["files"]
    assert Appeal.objects.count() == 0


def test_path_traversal_names_are_neutralised(borrower_client, decision, settings):
    _post_appeal(borrower_client, decision, [SimpleUploadedFile("../../etc/passwd.pdf", PDF)])
    evidence = EvidenceFile.objects.get()
    assert evidence.original_name == "passwd.pdf"
    assert "/" not in evidence.stored_name and ".." not in evidence.stored_name
    assert not (settings.PRIVATE_MEDIA_ROOT.parent / "etc").exists()


def test_empty_statement_gets_a_message(borrower_client, decision):
    response = _post_appeal(borrower_client, decision, statement="   ")
    assert response.context["form"].errors["statement"]
    assert Appeal.objects.count() == 0


def test_duplicate_appeal_page_points_to_the_open_one(borrower_client, borrower, appeal, decision):
    response = borrower_client.get(reverse("appeals:create", args=[decision.pk]))
    assert appeal.reference in response.content.decode()
    _post_appeal(borrower_client, decision)
    assert Appeal.objects.count() == 1


def test_evidence_download_is_an_attachment_with_nosniff(borrower, borrower_client, decision):
    appeal = file_appeal(borrower, decision, files=[pdf("proof.pdf")])
    response = borrower_client.get(reverse("appeals:evidence", args=[appeal.evidence.get().pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF


def test_another_borrower_gets_404_for_appeal_pages_and_evidence(client, other_borrower, borrower, decision):
    appeal = file_appeal(borrower, decision, files=[pdf()])
    client.force_login(other_borrower)
    evidence = appeal.evidence.get()
    for url in [
        reverse("appeals:detail", args=[appeal.pk]),
        reverse("appeals:withdraw", args=[appeal.pk]),
        reverse("appeals:evidence", args=[evidence.pk]),
        reverse("appeals:create", args=[decision.pk]),
    ]:
        assert client.get(url).status_code == 404
    assert client.post(reverse("appeals:withdraw", args=[appeal.pk])).status_code == 404
    assert client.post(reverse("appeals:reply", args=[appeal.pk]), {"body": "x"}).status_code == 404
    assert Appeal.objects.get().status == Appeal.Status.SUBMITTED


def test_staff_with_permission_download_and_without_get_403(client, borrower, decision, reviewer):
    appeal = file_appeal(borrower, decision, files=[pdf()])
    url = reverse("appeals:evidence", args=[appeal.evidence.get().pk])
    client.force_login(reviewer)
    assert client.get(url).status_code == 200
    client.force_login(StaffFactory(group="Risk analyst"))
    assert client.get(url).status_code == 403


def test_evidence_is_not_reachable_by_media_url(client, borrower, borrower_client, decision):
    appeal = file_appeal(borrower, decision, files=[pdf()])
    stored = appeal.evidence.get().stored_name
    for url in (f"/media/{stored}", f"/media/{stored[:2]}/{stored}", f"/private-media/{stored[:2]}/{stored}"):
        assert borrower_client.get(url).status_code == 404


def test_reply_with_files_and_withdraw_with_confirmation(borrower, borrower_client, appeal):
    response = borrower_client.post(
        reverse("appeals:reply", args=[appeal.pk]), {"body": "Here is my statement.", "files": [pdf("more.pdf")]}
    )
    assert response.status_code == 302
    assert appeal.evidence.get().original_name == "more.pdf"
    confirm = borrower_client.get(reverse("appeals:withdraw", args=[appeal.pk]))
    assert confirm.status_code == 200
    assert Appeal.objects.get().status == Appeal.Status.SUBMITTED
    borrower_client.post(reverse("appeals:withdraw", args=[appeal.pk]))
    assert Appeal.objects.get().status == Appeal.Status.WITHDRAWN


def test_empty_reply_gets_a_message(borrower_client, appeal):
    response = borrower_client.post(reverse("appeals:reply", args=[appeal.pk]), {"body": ""})
    assert response.status_code == 400
    assert response.context["reply_form"].errors["body"]


def test_my_appeals_list_is_scoped_and_bounded(
    borrower, borrower_client, other_borrower, django_assert_max_num_queries
):
    from tests.appeals.conftest import reduction

    for _ in range(3):
        file_appeal(borrower, reduction(borrower.customer))
    file_appeal(other_borrower, reduction(other_borrower.customer))
    with django_assert_max_num_queries(12):
        response = borrower_client.get(reverse("appeals:list"))
    assert len(response.context["page"].object_list) == 3


def test_the_notice_and_the_history_offer_the_appeal_link(borrower, borrower_client, decision):
    url = reverse("appeals:create", args=[decision.pk])
    notice = Notification.objects.get(pk=decision.notice_id)
    assert url in borrower_client.get(reverse("notification_detail", args=[notice.pk])).content.decode()
    assert url in borrower_client.get(reverse("credit_history", args=[decision.account_id])).content.decode()


def test_no_appeal_link_after_the_deadline(client, borrower, decision, clock):
    clock.move_to(decision.appeal_deadline + timedelta(seconds=1))
    client.force_login(borrower)
    borrower_client = client
    url = reverse("appeals:create", args=[decision.pk])
    assert url not in borrower_client.get(reverse("credit_history", args=[decision.account_id])).content.decode()
    assert borrower_client.get(url).status_code == 200  # the page explains; submitting is refused
    response = _post_appeal(borrower_client, decision)
    assert "deadline" in str(response.context["form"].errors) or response.context["form"].errors
    assert Appeal.objects.count() == 0


def test_an_english_reader_sees_labels_that_start_with_a_capital(borrower_client, borrower, appeal):
    """Choice labels are lowercase in the catalogue (they also sit inside sentences); a label
    that stands alone on the borrower's page starts with a capital."""
    borrower.preferred_language = "en"
    borrower.save(update_fields=["preferred_language"])
    html = borrower_client.get(reverse("appeals:detail", args=[appeal.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<strong>Submitted</strong>" in html and "<strong>submitted</strong>" not in html
    assert ">Lowered after a risk review<" in html
    listing = borrower_client.get(reverse("appeals:list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Submitted" in listing
