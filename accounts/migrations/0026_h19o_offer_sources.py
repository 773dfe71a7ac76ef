"""Limit offers: an "awaiting approval" status, who approved, and staff permissions to offer and approve."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from portal.schema import group_permissions_grant, group_permissions_revoke

GROUP_PERMISSIONS = {
    "Risk analyst": ["view_limitoffer", "add_limitoffer", "change_limitoffer"],
    "Supervisor": ["view_limitoffer", "change_limitoffer", "approve_limitoffer"],
}


def grant(apps, schema_editor):
    group_permissions_grant(apps, GROUP_PERMISSIONS, app_label="accounts")


def revoke(apps, schema_editor):
    group_permissions_revoke(apps, GROUP_PERMISSIONS, app_label="accounts")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0025_h19l_core_link")]

    operations = [
        migrations.AlterModelOptions(
            name="limitoffer",
            options={
                "ordering": ["-created_at", "-pk"],
                "permissions": [("approve_limitoffer", "Can approve a large limit offer made by someone else")],
                "verbose_name": "limit offer",
                "verbose_name_plural": "limit offers",
            },
        ),
        migrations.RemoveConstraint(model_name="limitoffer", name="limit_offer_status_valid"),
        migrations.AddField(
            model_name="limitoffer",
            name="approved_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="approved by",
            ),
        ),
        migrations.AlterField(
            model_name="limitoffer",
            name="offered_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="offered by",
            ),
        ),
        migrations.AlterField(
            model_name="limitoffer",
            name="limit_change",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.limitchange",
                verbose_name="limit change",
            ),
        ),
        migrations.AlterField(
            model_name="limitoffer",
            name="status",
            field=models.CharField(
                choices=[
                    ("open", "open"),
                    ("accepted", "accepted"),
                    ("declined", "declined"),
                    ("expired", "expired"),
                    ("withdrawn", "withdrawn"),
                    ("pending", "awaiting approval"),
                ],
                default="open",
                max_length=10,
                verbose_name="status",
            ),
        ),
        migrations.AddConstraint(
            model_name="limitoffer",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["open", "accepted", "declined", "expired", "withdrawn", "pending"])),
                name="limit_offer_status_valid",
            ),
        ),
        migrations.RunPython(grant, revoke),
    ]
