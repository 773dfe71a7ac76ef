"""Who rejected a closure request is a field, no longer read back from the audit log.

The data step fills it for requests rejected so far from their ``closure_request.rejected``
audit events (a rejection by the beat task has no actor and stays empty)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

BATCH = 500


def rejected_by_fill(apps, schema_editor):
    ClosureRequest = apps.get_model("accounts", "ClosureRequest")
    AuditEvent = apps.get_model("portal", "AuditEvent")
    events = (
        AuditEvent.objects.filter(
            action="closure_request.rejected", target_type="accounts.closurerequest", actor__isnull=False
        )
        .order_by("occurred_at", "id")
        .values_list("target_id", "actor_id")
    )
    # The newest event wins, should a request ever have been rejected twice.
    actor_by_request = dict(events)
    request_ids = [int(target_id) for target_id in actor_by_request if target_id.isdigit()]
    for start in range(0, len(request_ids), BATCH):  # SQLite limits the parameters of one query
        changed = list(ClosureRequest.objects.filter(pk__in=request_ids[start : start + BATCH]).only("pk"))
        for closure_request in changed:
            closure_request.rejected_by_id = actor_by_request[str(closure_request.pk)]
        ClosureRequest.objects.bulk_update(changed, ["rejected_by"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0017_chunk_retries"),
        ("portal", "0006_notification_resend"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="closurerequest",
            name="rejected_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="rejected by",
            ),
        ),
        # Backward: the column is dropped by the AddField's reversal, nothing to undo here.
        migrations.RunPython(rejected_by_fill, migrations.RunPython.noop),
    ]
