"""Evidence stored before names followed the detected type keeps the sender's extension
(``poly.html`` holding a PNG): give each such name the extension of its stored content type, as
``appeals.evidence.evidence_name`` now does at upload. Written out here so that later changes to
that function do not change what this migration did."""

from django.db import migrations

EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}


def _renamed(name, content_type):
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return (stem or "evidence") + EXTENSIONS.get(content_type, ".bin")


def forward(apps, schema_editor):
    EvidenceFile = apps.get_model("appeals", "EvidenceFile")
    changed = []
    for evidence in EvidenceFile.objects.only("pk", "original_name", "content_type").iterator(chunk_size=2000):
        name = _renamed(evidence.original_name, evidence.content_type)
        if name != evidence.original_name:
            evidence.original_name = name
            changed.append(evidence)
    EvidenceFile.objects.bulk_update(changed, ["original_name"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("appeals", "0003_closure_request_appeals")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
