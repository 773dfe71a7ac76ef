from portal.selectors import notification_unread_count


def unread_notifications(request):
    """The unread count shown beside "Notices" in the header (one query, only when signed in)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.customer_id is None:
        return {}
    return {"unread_notification_count": lambda: notification_unread_count(user=user)}
