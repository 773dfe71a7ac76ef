"""Tokens issued before expiry existed get a full lifetime from today, rather than dying on the
day this is deployed (an app using one keeps working until then; the settings page shows when)."""

from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def existing_tokens_expire(apps, schema_editor):
    Token = apps.get_model("authtoken", "Token")
    ApiTokenUsage = apps.get_model("accounts", "ApiTokenUsage")
    expires_at = timezone.now() + timedelta(days=settings.API_TOKEN_LIFETIME_DAYS)
    ApiTokenUsage.objects.bulk_create(
        [ApiTokenUsage(token_id=key, expires_at=expires_at) for key in Token.objects.values_list("key", flat=True)],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0020_api_token_usage_identity_binding_guess")]

    operations = [migrations.RunPython(existing_tokens_expire, migrations.RunPython.noop)]
