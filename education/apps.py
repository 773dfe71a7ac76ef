from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EducationConfig(AppConfig):
    name = "education"
    verbose_name = _("Learning")

    def ready(self):
        from education.selectors.content import catalogue_watch

        catalogue_watch()
