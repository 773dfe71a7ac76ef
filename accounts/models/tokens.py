from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import Token


class ApiTokenUsage(models.Model):
    """When a personal API token (DRF's ``Token``, whose key and table stay as they are) expires
    and when it was last used. A side table, so the integration API and Django admin that use
    DRF's token keep working and no key changes; it goes when its token is deleted."""

    token = models.OneToOneField(
        Token, verbose_name=_("API token"), primary_key=True, on_delete=models.CASCADE, related_name="usage"
    )
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token usage")
        verbose_name_plural = _("API token usage")

    def __str__(self):
        return f"{self.token.user_id} until {self.expires_at:%Y-%m-%d}"
