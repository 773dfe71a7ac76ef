from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from accounts.integration.services import INTEGRATION_PERMISSION


class CanUseIntegrationAPI(BasePermission):
    """Only service accounts holding ``accounts.use_integration_api`` (the "Core system
    integration" group) may push data; a borrower's personal token gets 403."""

    message = _("This token may not use the integration API. Use the core system's service-account token.")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.has_perm(INTEGRATION_PERMISSION))
