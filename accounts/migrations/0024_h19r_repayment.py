"""Placeholder: filled in by the feature named in this file's name."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("accounts", "0023_h19a_limit_offers")]

    operations = []
