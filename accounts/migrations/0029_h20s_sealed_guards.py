"""Placeholder: filled in by the feature named in this file's name."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("accounts", "0028_h18s_segments_stress"), ("portal", "0010_h20s_seals")]

    operations = []
