from django.utils import translation

from portal.selectors import notification_unread_count
from portal.switch_selectors import read_only, service_notices_showing


def unread_notifications(request):
    """The unread count shown beside "Notices" in the header (one query, only when signed in)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.customer_id is None:
        return {}
    return {"unread_notification_count": lambda: notification_unread_count(user=user)}


def service_banner(request):
    """The service notices shown now, in the reader's language, and whether the portal is
    read-only: read only when a page's layout prints the banner (one shared-cache read, no query
    in the common case; see portal.switch_selectors)."""

    def banner():
        return {
            "notices": service_notices_showing(language=translation.get_language()),
            "read_only": read_only(),
        }

    return {"service_banner": banner}
