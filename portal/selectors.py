from django.db.models import Count, Q, Window

from portal import notices
from portal.models import Notification

# ``idempotency_key`` ties a "could not be applied" notice to its closure request: the notice's
# page reads it (the appeal button), and leaving it out cost that page a query per view.
NOTICE_FIELDS = (
    "id",
    "kind",
    "template",
    "params",
    "title",
    "body",
    "link",
    "created_at",
    "read_at",
    "idempotency_key",
)


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


def notification_recent_with_unread_count(*, user, count=3):
    """The person's ``count`` newest notices (as ``notification_list``) and how many of all their
    notices are unread, in one query (a window count over all their notices, taken before the
    limit); with no notices, none and 0."""
    unread = Window(Count("pk", filter=Q(read_at__isnull=True)))
    recent = list(notification_list(user=user).annotate(unread_total=unread)[:count])
    return recent, (recent[0].unread_total if recent else 0)


def notification_unread_count(*, user):
    return Notification.objects.for_recipient(user).unread().count()
