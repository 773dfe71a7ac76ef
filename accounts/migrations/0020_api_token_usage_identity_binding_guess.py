"""API tokens get an expiry and a last-used time, in a side table beside DRF's token (whose keys
and table stay, so the integration API and the admin keep working); identity binding attempts
remember which ID number they named (its keyed hash), to limit guesses across logins."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0019_limit_change_policy_version_fk"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]

    operations = [
        migrations.CreateModel(
            name="ApiTokenUsage",
            fields=[
                (
                    "token",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="usage",
                        serialize=False,
                        to="authtoken.token",
                        verbose_name="API token",
                    ),
                ),
                ("expires_at", models.DateTimeField(verbose_name="expires")),
                ("last_used_at", models.DateTimeField(blank=True, null=True, verbose_name="last used")),
            ],
            options={
                "verbose_name": "API token usage",
                "verbose_name_plural": "API token usage",
            },
        ),
        migrations.CreateModel(
            name="IdentityBindingGuess",
            fields=[
                (
                    "attempt",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="guess",
                        serialize=False,
                        to="accounts.identitybindingattempt",
                    ),
                ),
                (
                    "national_id_hash",
                    models.CharField(db_index=True, editable=False, max_length=64, verbose_name="national ID hash"),
                ),
            ],
            options={
                "verbose_name": "identity binding guess",
                "verbose_name_plural": "identity binding guesses",
            },
        ),
    ]
