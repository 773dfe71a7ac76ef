"""Emergency switches and service notices, and the staff groups' permissions on them."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from portal.schema import group_permissions_grant, group_permissions_revoke

GROUP_PERMISSIONS = {
    "Supervisor": [
        "view_emergencyswitch",
        "turn_on_emergencyswitch",
        "turn_off_emergencyswitch",
        "view_servicenotice",
        "approve_servicenotice",
    ],
    "Compliance officer": ["view_emergencyswitch", "turn_on_emergencyswitch", "turn_off_emergencyswitch"],
    # Risk analysts may pause automated decisions (or anything else) at once; resuming takes two.
    "Risk analyst": ["view_emergencyswitch", "turn_on_emergencyswitch"],
    "Support agent": ["view_emergencyswitch", "view_servicenotice", "add_servicenotice", "change_servicenotice"],
}


def grant(apps, schema_editor):
    group_permissions_grant(apps, GROUP_PERMISSIONS, app_label="portal")


def revoke(apps, schema_editor):
    group_permissions_revoke(apps, GROUP_PERMISSIONS, app_label="portal")


def _user(verbose_name, *, null=False):
    return models.ForeignKey(
        blank=null,
        null=null,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to=settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0010_h20s_seals"),
        ("accounts", "0002_staff_groups"),  # the groups
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="EmergencySwitch",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("decisions", "Pause automated decisions"),
                            ("email_kind", "Pause an email kind"),
                            ("read_only", "Read-only portal"),
                        ],
                        max_length=20,
                        verbose_name="switch",
                    ),
                ),
                ("email_kind", models.CharField(blank=True, max_length=64, verbose_name="email kind")),
                ("reason", models.TextField(verbose_name="reason")),
                ("turned_on_at", models.DateTimeField(verbose_name="turned on at")),
                (
                    "off_requested_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="turning off requested at"),
                ),
                ("off_reason", models.TextField(blank=True, verbose_name="reason for turning off")),
                ("turned_off_at", models.DateTimeField(blank=True, null=True, verbose_name="turned off at")),
                ("off_requested_by", _user("turning off requested by", null=True)),
                ("turned_off_by", _user("turning off approved by", null=True)),
                ("turned_on_by", _user("turned on by")),
            ],
            options={
                "verbose_name": "emergency switch",
                "verbose_name_plural": "emergency switches",
                "ordering": ["-turned_on_at", "-id"],
                "permissions": [
                    ("turn_on_emergencyswitch", "Can turn an emergency switch on"),
                    ("turn_off_emergencyswitch", "Can request or approve turning an emergency switch off"),
                ],
                "default_permissions": ("view",),
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("kind__in", ["decisions", "email_kind", "read_only"])),
                        name="emergency_switch_kind_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("kind", "email_kind"), models.Q(("email_kind", ""), _negated=True)),
                            models.Q(models.Q(("kind", "email_kind"), _negated=True), ("email_kind", "")),
                            _connector="OR",
                        ),
                        name="emergency_switch_email_kind_only_for_email",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("turned_off_at__isnull", True),
                            models.Q(
                                ("off_requested_at__isnull", False),
                                models.Q(("turned_off_by", models.F("turned_on_by")), _negated=True),
                            ),
                            _connector="OR",
                        ),
                        name="emergency_switch_off_after_request_by_another",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("turned_off_at__isnull", True)),
                        fields=("kind", "email_kind"),
                        name="emergency_switch_one_on",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="ServiceNotice",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("text_zh", models.TextField(max_length=500, verbose_name="text (Chinese)")),
                ("text_en", models.TextField(max_length=500, verbose_name="text (English)")),
                ("starts_at", models.DateTimeField(verbose_name="shown from")),
                ("ends_at", models.DateTimeField(verbose_name="shown until")),
                (
                    "status",
                    models.CharField(
                        choices=[("draft", "draft"), ("approved", "approved"), ("withdrawn", "withdrawn")],
                        default="draft",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("written_at", models.DateTimeField(verbose_name="written at")),
                ("approved_at", models.DateTimeField(blank=True, null=True, verbose_name="approved at")),
                ("approved_by", _user("approved by", null=True)),
                ("written_by", _user("written by")),
            ],
            options={
                "verbose_name": "service notice",
                "verbose_name_plural": "service notices",
                "ordering": ["-starts_at", "-id"],
                "permissions": [("approve_servicenotice", "Can approve a service notice")],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("status__in", ["draft", "approved", "withdrawn"])),
                        name="service_notice_status_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("ends_at__gt", models.F("starts_at"))), name="service_notice_ends_after"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("status", "approved"), _negated=True),
                            models.Q(
                                ("approved_by__isnull", False),
                                models.Q(("approved_by", models.F("written_by")), _negated=True),
                            ),
                            _connector="OR",
                        ),
                        name="service_notice_approved_by_another",
                    ),
                ],
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
