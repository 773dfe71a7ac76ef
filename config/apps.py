from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _

from config.celery import TASK_PACKAGES
from config.celery import app as celery_app


class PortalAdminConfig(AdminConfig):
    """Replaces the default admin site with ours: MFA required, every change audited."""

    default_site = "config.admin_site.PortalAdminSite"


class ConfigConfig(AppConfig):
    """The top layer as an app, for its management commands (demo data)."""

    name = "config"
    label = "config"
    verbose_name = _("Project")

    def ready(self):
        # Every app's tasks module is imported here, in the web process too, so a task enqueued
        # by name (portal.services.task_enqueue_on_commit) resolves to the registered task and
        # honours CELERY_TASK_ALWAYS_EAGER. This app is listed last: every model is loaded.
        celery_app.autodiscover_tasks(force=True)
        celery_app.autodiscover_tasks(TASK_PACKAGES, force=True)
