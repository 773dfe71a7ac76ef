from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models.identity import IdentityBindingAttempt


class IdentityBindingGuess(models.Model):
    """The ID number an identity binding attempt named, as its keyed hash: failures naming one
    number are counted across every login, whether or not a customer holds that number."""

    attempt = models.OneToOneField(
        IdentityBindingAttempt, primary_key=True, on_delete=models.CASCADE, related_name="guess"
    )
    national_id_hash = models.CharField(_("national ID hash"), max_length=64, db_index=True, editable=False)

    class Meta:
        verbose_name = _("identity binding guess")
        verbose_name_plural = _("identity binding guesses")

    def __str__(self):
        return f"{self.attempt} {self.national_id_hash[:8]}"
