from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        # Receivers import services (hence models), which cannot load while the app registry is
        # being built; ready() is Django's documented place for them.
        from accounts.identity import receivers

        receivers.connect()
        # Answers from the core system to repayment instructions (accounts.integration.outbound).
        from accounts.repayment import services as repayment_services

        repayment_services.outcome_handlers_register()
        # Each process's copy of the reason codes is marked stale when staff edit one.
        from accounts.credit import reasons

        reasons.reasons_watch()
