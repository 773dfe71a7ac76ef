"""Placeholder: filled in by the feature named in this file's name."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("accounts", "0027_h18a_anomaly")]

    operations = []
