from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IntegrationIdempotencyKey(models.Model):
    """One ``Idempotency-Key`` a service account sent with an integration write: the hash of the
    call it came with (endpoint and body) and the answer it got, kept until ``expires_at``
    (``INTEGRATION_IDEMPOTENCY_HOURS``). The same key with the same call gets this answer again;
    with another call, 409. A key belongs to the login that sent it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("service account"), on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(_("idempotency key"), max_length=100)
    request_hash = models.CharField(_("request hash"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status code"))
    # JSON as ASCII text: jsonb takes no NUL (\u0000), which an answer may quote from the request.
    response_body = models.TextField(_("stored answer"))
    created_at = models.DateTimeField(_("received"))
    expires_at = models.DateTimeField(_("expires"), db_index=True)

    class Meta:
        verbose_name = _("integration idempotency key")
        verbose_name_plural = _("integration idempotency keys")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="integration_idempotency_key_unique")]

    def __str__(self):
        return f"{self.user_id}:{self.key}"
