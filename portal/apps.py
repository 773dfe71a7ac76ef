from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self):
        # Django's documented place for receivers: they import models, which cannot be imported
        # while this module is (the app registry is still loading), so the import waits for ready().
        from portal import receivers

        receivers.connect()
