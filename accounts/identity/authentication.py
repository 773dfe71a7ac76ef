"""API token authentication: DRF's token, with an expiry and a record of its last use."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from accounts.identity import services
from accounts.identity.selectors import api_token_expires_at
from accounts.identity.staff_access import staff_powers_withhold


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``, refused once the token has expired (API_TOKEN_LIFETIME_DAYS
    after it was created). A staff user signed in by token has passed no second factor, so their
    staff powers are withheld for the request."""

    def authenticate_credentials(self, key):
        model = self.get_model()
        try:
            token = model.objects.select_related("user", "usage").get(key=key)
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        now = timezone.now()
        if api_token_expires_at(token) <= now:
            raise exceptions.AuthenticationFailed(
                _("This API token has expired. Create a new one in your account settings.")
            )
        services.api_token_used(token=token, now=now)
        if token.user.is_staff or token.user.is_superuser:
            staff_powers_withhold(token.user)
        return (token.user, token)
