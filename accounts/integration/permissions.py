from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from accounts.integration.services import integration_access_allowed


class CanUseIntegrationAPI(BasePermission):
    """Only members of the service group (holding ``accounts.use_integration_api``: the "Core
    system integration" group) may push data, superusers included; a borrower's token gets 403."""

    message = _("This token may not use the integration API. Use the core system's service-account token.")

    def has_permission(self, request, view):
        return integration_access_allowed(request.user)
