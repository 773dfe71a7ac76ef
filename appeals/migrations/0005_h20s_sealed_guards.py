"""Placeholder: filled in by the feature named in this file's name."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("appeals", "0004_evidence_names_by_type"), ("portal", "0010_h20s_seals")]

    operations = []
