"""Evidence files are named by what they are, and PDFs that can run something are refused."""

import io
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.annotations import Link
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject

from appeals import evidence as evidence_files
from appeals.models import Appeal, EvidenceFile
from portal.exceptions import PortalError
from tests.appeals.conftest import PNG, file_appeal

pytestmark = pytest.mark.django_db


def _name(value):
    return NameObject(value)


def _dictionary(**entries):
    return DictionaryObject({NameObject(f"/{key}"): value for key, value in entries.items()})


def _pdf(build=None):
    """A one-page PDF written by pypdf; ``build(writer)`` adds what the case needs."""
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    if build is not None:
        build(writer)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _open_action(action):
    def build(writer):
        writer._root_object[NameObject("/OpenAction")] = action

    return build


def _page_annotation(annotation):
    def build(writer):
        writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])

    return build


def _xfa_form(writer):
    writer._root_object[NameObject("/AcroForm")] = _dictionary(
        Fields=ArrayObject(), XFA=TextStringObject("<xdp:xdp xmlns:xdp='http://ns.adobe.com/xdp/'/>")
    )


RECT = ArrayObject([NumberObject(0), NumberObject(0), NumberObject(50), NumberObject(50)])
SCRIPT = _dictionary(S=_name("/JavaScript"), JS=TextStringObject("app.alert(1)"))
LAUNCH = _dictionary(S=_name("/Launch"), F=TextStringObject("calc.exe"))

ACTIVE_PDFS = {
    "script run on opening": _pdf(_open_action(SCRIPT)),
    "document-level script": _pdf(lambda writer: writer.add_open_action(JavaScript("app.alert(1)"))),
    "program launched on opening": _pdf(_open_action(LAUNCH)),
    "embedded file": _pdf(lambda writer: writer.add_attachment("invoice.exe", b"MZ\x90\x00")),
    "rich media": _pdf(_page_annotation(_dictionary(Type=_name("/Annot"), Subtype=_name("/RichMedia"), Rect=RECT))),
    "script behind a link": _pdf(_page_annotation(_dictionary(Type=_name("/Annot"), Subtype=_name("/Link"), A=SCRIPT))),
    "XFA form": _pdf(_xfa_form),
    # The same launch action with its name spelt in hex escapes, as a byte search would miss it.
    "escaped name": _pdf(_open_action(LAUNCH)).replace(b"/Launch", b"/L#61unch"),
}


def _upload(borrower, decision, name, content):
    return file_appeal(borrower, decision, files=[SimpleUploadedFile(name, content)])


def test_a_png_named_html_is_stored_and_downloaded_as_png(borrower, borrower_client, decision):
    polyglot = PNG + b"<html><script>alert(document.cookie)</script></html>"
    appeal = _upload(borrower, decision, "poly.html", polyglot)

    evidence = appeal.evidence.get()
    response = borrower_client.get(reverse("appeals:evidence", args=[evidence.pk]))

    assert evidence.original_name == "poly.png"
    assert response["Content-Disposition"] == 'attachment; filename="poly.png"'
    assert response["Content-Type"] == "image/png"


def test_pdf_bytes_named_exe_download_as_pdf(borrower, borrower_client, decision):
    appeal = _upload(borrower, decision, "statement.exe", _pdf())

    response = borrower_client.get(reverse("appeals:evidence", args=[appeal.evidence.get().pk]))

    assert response["Content-Disposition"] == 'attachment; filename="statement.pdf"'


@pytest.mark.parametrize(
    ("name", "content_type", "expected"),
    [
        ("poly.html", "image/png", "poly.png"),
        ("statement.exe", "application/pdf", "statement.pdf"),
        ("photo", "image/jpeg", "photo.jpg"),
        ("scan.PDF", "application/pdf", "scan.pdf"),
    ],
)
def test_a_name_stored_before_the_fix_downloads_with_the_detected_type(appeal, name, content_type, expected):
    evidence = EvidenceFile(appeal=appeal, original_name=name, content_type=content_type)

    assert evidence_files.download_name(evidence) == expected


def test_an_old_row_named_html_downloads_as_its_type(appeal, borrower_client, settings):
    """Rows saved before the fix keep the sender's name; the download corrects it."""
    evidence = EvidenceFile.objects.create(
        appeal=appeal,
        stored_name="ab" + "0" * 30 + ".png",
        original_name="poly.html",
        content_type="image/png",
        size=len(PNG),
        sha256="0" * 64,
        uploaded_by=appeal.submitted_by,
    )
    path = settings.PRIVATE_MEDIA_ROOT / "ab" / evidence.stored_name
    path.parent.mkdir(parents=True)
    path.write_bytes(PNG)

    response = borrower_client.get(reverse("appeals:evidence", args=[evidence.pk]))

    assert response["Content-Disposition"] == 'attachment; filename="poly.png"'


@pytest.mark.parametrize("case", list(ACTIVE_PDFS))
def test_a_pdf_with_active_content_is_refused_and_nothing_is_saved(borrower_client, decision, case, settings):
    response = borrower_client.post(
        reverse("appeals:create", args=[decision.pk]),
        {
            "grounds": "data_wrong",
            "statement": "The bureau reported a loan I never took.",
            "desired_outcome": "restore",
            "files": [SimpleUploadedFile("statement.pdf", ACTIVE_PDFS[case])],
        },
    )

    assert response.status_code == 200
    # In the borrower's language (Simplified Chinese, the portal's default).
    assert response.context["form"].errors["files"] == [
        "statement.pdf 含有脚本、附件、多媒体或表单程序，我们不接受此类文件。"
        "请将其打印为新的 PDF，或改为发送扫描件或照片。"
    ]
    assert Appeal.objects.count() == 0
    assert not settings.PRIVATE_MEDIA_ROOT.exists() or not any(settings.PRIVATE_MEDIA_ROOT.rglob("*.*"))


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.4\n<html><script>alert(1)</script></html>",
        b"%PDF-1.7\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
    ],
    ids=["not a PDF behind the header", "no cross-reference table"],
)
def test_a_pdf_that_cannot_be_parsed_is_refused(borrower, decision, content):
    with pytest.raises(PortalError) as refused:
        _upload(borrower, decision, "statement.pdf", content)

    assert refused.value.code == "file_unreadable"
    assert "could not be read as a PDF" in refused.value.message
    assert Appeal.objects.count() == 0


def test_a_password_protected_pdf_is_refused(borrower, decision):
    content = _pdf(lambda writer: writer.encrypt(user_password="secret", algorithm="AES-128"))

    with pytest.raises(PortalError) as refused:
        _upload(borrower, decision, "statement.pdf", content)

    assert refused.value.code == "file_encrypted"
    assert Appeal.objects.count() == 0


def test_a_plain_pdf_with_web_links_and_a_page_view_is_accepted(borrower, decision):
    def build(writer):
        writer.add_annotation(0, Link(rect=(0, 0, 50, 50), url="https://bank.example/statement"))
        writer._root_object[NameObject("/OpenAction")] = ArrayObject(
            [writer.pages[0].indirect_reference, _name("/Fit")]
        )

    appeal = _upload(borrower, decision, "statement.pdf", _pdf(build))

    assert appeal.evidence.get().content_type == "application/pdf"


def test_the_migration_renames_files_stored_under_the_senders_extension(appeal):
    names = [("poly.html", "image/png"), ("statement.exe", "application/pdf"), ("photo.jpg", "image/jpeg")]
    stored = [
        EvidenceFile.objects.create(
            appeal=appeal,
            stored_name=f"{index:032x}",
            original_name=name,
            content_type=content_type,
            size=1,
            sha256="0" * 64,
            uploaded_by=appeal.submitted_by,
        )
        for index, (name, content_type) in enumerate(names)
    ]

    import_module("appeals.migrations.0004_evidence_names_by_type").forward(django_apps, None)

    renamed = EvidenceFile.objects.filter(pk__in=[evidence.pk for evidence in stored]).order_by("pk")
    assert [evidence.original_name for evidence in renamed] == ["poly.png", "statement.pdf", "photo.jpg"]
