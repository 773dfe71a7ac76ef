"""Placeholder: filled in by the feature named in this file's name."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("portal", "0009_h15n_notice_params_backfill")]

    operations = []
