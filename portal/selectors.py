from portal import notices
from portal.models import Notification

NOTICE_FIELDS = ("id", "kind", "template", "params", "title", "body", "link", "created_at", "read_at")


def notification_list(*, user):
    """The person's notices, newest first, each titled and worded in the active language
    (``portal.notices``): the reader's language, whatever the language it was written in."""
    return Notification.objects.for_recipient(user).only(*NOTICE_FIELDS).localised()


def notification_page(*, notification):
    """The structured part of a notice's page (what changed, why, the way back), in the active
    language, with links within the site; "" for a notice stored as text only."""
    context = notices.context_for(notification)
    if context is None:
        return ""
    return notices.render_page(notification.template, context)


def notification_unread_count(*, user):
    return Notification.objects.for_recipient(user).unread().count()
