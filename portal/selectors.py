from portal.models import Notification


def notification_list(*, user):
    return Notification.objects.for_recipient(user).only("id", "kind", "title", "body", "link", "created_at", "read_at")


def notification_unread_count(*, user):
    return Notification.objects.for_recipient(user).unread().count()
