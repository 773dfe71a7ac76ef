from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class PortalAdminConfig(AdminConfig):
    """Replaces the default admin site with ours: MFA required, every change audited."""

    default_site = "config.admin_site.PortalAdminSite"


class ConfigConfig(AppConfig):
    """The top layer as an app, for its management commands (demo data)."""

    name = "config"
    label = "config"
    verbose_name = _("Project")
