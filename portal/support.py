"""The support channels shown in every page's footer, from settings (see SUPPORT_* in settings)."""

import re

from django.conf import settings


def _tel_href(phone):
    """``tel:`` link for a phone number as written for people (spaces and dashes dropped)."""
    return "tel:" + re.sub(r"[^\d+]", "", phone)


def support_channels(request):
    """``support``: phone (with its tel: link), hours, email and help page; each may be empty."""
    phone = getattr(settings, "SUPPORT_PHONE", "")
    return {
        "support": {
            "phone": phone,
            "phone_href": _tel_href(phone) if phone else "",
            "hours": getattr(settings, "SUPPORT_HOURS", ""),
            "email": getattr(settings, "SUPPORT_EMAIL", ""),
            "url": getattr(settings, "SUPPORT_URL", ""),
        }
    }
