from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0007_email_outbox_general"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="params",
            field=models.JSONField(blank=True, null=True, verbose_name="parameters"),
        ),
        migrations.AddField(
            model_name="notification",
            name="template",
            field=models.CharField(blank=True, max_length=64, verbose_name="template"),
        ),
    ]
