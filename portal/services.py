"""Writes that belong to the site shell: the audit log and the notification outbox."""

import html
import logging
import re
from datetime import timedelta
from urllib.parse import urlsplit

from celery import current_app
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db import connection as db_connection
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal import notices, switch_selectors
from portal.db import rows_append, rows_insert
from portal.exceptions import PortalError
from portal.models import AuditEvent, Notification
from portal.notices import FixedText

logger = logging.getLogger(__name__)

# Field names whose values never go into an audit record, only the fact that they changed.
SECRET_FIELDS = {"password", "national_id", "national_id_hash", "secret", "key", "token"}
EMAIL_MAX_ATTEMPTS = 8


def client_ip(request):
    """The client address. Behind a proxy, gunicorn sets REMOTE_ADDR from the forwarded header
    for the proxies it trusts (--forwarded-allow-ips), so this stays unspoofable."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def redact(values):
    if not values:
        return {}
    if SECRET_FIELDS.isdisjoint(values):  # the usual case: a plain copy, without a check per key
        return dict(values)
    return {name: ("••••" if name in SECRET_FIELDS else value) for name, value in values.items()}


def audit_event_record(
    *, actor, action, target=None, summary="", before=None, after=None, request=None, actor_label=None
):
    """Append one event to the audit log. With audit_events_record_many (many at once), the only
    code that writes AuditEvent."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    event = AuditEvent(
        actor=actor,
        actor_label=actor_label if actor_label is not None else (actor.get_username() if actor else ""),
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:255] if target is not None else "",
        summary=summary,
        before=redact(before),
        after=redact(after),
        ip_address=client_ip(request),
    )
    with transaction.atomic():
        event.save()
    return event


# The outbox's delivery tasks, enqueued by name so this layer never imports its tasks module.
EMAIL_DELIVER_TASK = "portal.tasks.notification_email_deliver"
EMAIL_DELIVER_MANY_TASK = "portal.tasks.notification_email_deliver_many"


def task_enqueue_on_commit(task, *args, **kwargs):
    """Hand a Celery task to the broker once the transaction commits. ``task`` is the task's
    registered name ("portal.tasks.notification_email_deliver"), so the code that enqueues
    imports no tasks module; a task or a signature is accepted too (both carry ``name``).
    If the broker is unreachable the work is not lost: it stays recorded in the database (the
    outbox) and the beat job that sweeps it picks it up later. So a broker outage never turns a
    borrower's action into an error.

    The signature resolves to the registered task (config's AppConfig.ready registers them all in
    every process), whose ``apply_async`` runs eagerly under CELERY_TASK_ALWAYS_EAGER; a bare
    ``send_task`` would not."""
    name = task if isinstance(task, str) else task.name
    signature = current_app.signature(name, args=args, kwargs=kwargs)

    def enqueue():
        if settings.CELERY_TASK_ALWAYS_EAGER:  # tests and eager mode: let errors surface
            signature.apply_async()
            return
        try:
            signature.apply_async()
        except Exception:  # the broker's failure must not fail the request that already committed
            logger.warning("Could not enqueue %s%s; the outbox sweep will retry.", name, args, exc_info=True)

    transaction.on_commit(enqueue)


def _notification_context(*, recipient, link, context, decoder):
    """The template context a notice is written (and emailed) with: its values as given, the
    typed parameters (``portal.notices``) in the active language with full addresses."""
    context = decoder.decode(context or {})
    return {"recipient": recipient, "link": link, "site_url": settings.SITE_URL, **context}


def _notification_row(
    *, recipient, kind, title, body, html_body, link, email, idempotency_key=None, template="", params=None
):
    return Notification(
        recipient=recipient,
        kind=kind,
        template=template if params is not None else "",
        params=params,
        title=title,
        body=body,
        link=link,
        idempotency_key=idempotency_key,
        email_status=Notification.EmailStatus.PENDING if email else Notification.EmailStatus.NONE,
        email_subject=f"{settings.EMAIL_SUBJECT_PREFIX}{title}" if email else "",
        email_text=body,
        email_html=html_body,
    )


def _notification_render(*, template, context, email):
    """Title, body and HTML email of a notice, in the active language."""
    title, body = notices.render_text(template, context)
    html_body = render_to_string(f"notifications/{template}.email.html", {**context, "title": title}) if email else ""
    return title, body, html_body


def _notification_build(
    *, recipient, kind, template, context=None, link="", email=True, idempotency_key=None, decoder=None
):
    """A notice, unsaved: its parameters stored as data (rendered for each reader in their
    language) and its text written in the recipient's language, as the email sends it."""
    decoder = decoder or notices.Decoder(absolute=True)
    params = notices.params_for(context, recipient=recipient, memo=decoder.encoded)
    with translation.override(recipient.preferred_language):
        context = _notification_context(recipient=recipient, link=link, context=context, decoder=decoder)
        title, body, html_body = _notification_render(template=template, context=context, email=email)
    row = {"recipient": recipient, "kind": kind, "link": link, "email": email, "idempotency_key": idempotency_key}
    return _notification_row(**row, title=title, body=body, html_body=html_body, template=template, params=params)


# Notices sent by the thousand (a policy run) come from templates that only print the values they
# are given: no filters on them, no comparisons, no ``recipient``. Their callers pass *plain*
# contexts (strings, booleans, lists and dicts of those; amounts and dates already formatted in
# the recipient's language). Such a template is rendered once per language and shape (which
# strings are empty, which flags are set, how long each list is) with a marker in each string's
# place, and each notice is that stamp with its own values, escaped as autoescape would. The
# first notice of each stamp is also rendered in full and compared, so a template that breaks
# the rule is caught and rendered in full from then on. A string the template compares must be
# passed as ``FixedText``.
STAMPED_TEMPLATES = frozenset({"limit_change", "risk_watch"})
_STAMP_SLOT = "\ue000{}\ue001"
_STAMP_SLOT_PATTERN = re.compile("\ue000(\\d+)\ue001")
_STAMP_LIMIT = 512
_stamps = {}


class _NotPlain(Exception):
    pass


def _plain_shape(value, leaves):
    """The shape of a plain context value; its strings are appended to ``leaves`` in order."""
    if type(value) is str:
        if not value:  # an empty string stays empty in the stamp: templates test it
            return False
        leaves.append(value)
        return True
    if value is None or type(value) in (bool, FixedText):
        return ("=", value)
    if type(value) is dict:
        return tuple((key, _plain_shape(item, leaves)) for key, item in value.items())
    if type(value) is list:
        return ("[", *(_plain_shape(item, leaves) for item in value))
    raise _NotPlain


def _plain_markers(value, counter):
    """``value`` with each string replaced by the next slot marker (same order as the leaves)."""
    if type(value) is str:
        if not value:
            return value
        counter.append(None)
        return _STAMP_SLOT.format(len(counter) - 1)
    if type(value) is dict:
        return {key: _plain_markers(item, counter) for key, item in value.items()}
    if type(value) is list:
        return [_plain_markers(item, counter) for item in value]
    return value


def _stamp_parts(text):
    pieces = _STAMP_SLOT_PATTERN.split(text)
    return [piece if index % 2 == 0 else int(piece) for index, piece in enumerate(pieces)]


def _stamp_fill(parts, escaped):
    return "".join([part if type(part) is str else escaped[part] for part in parts])


class _Stamp:
    def __init__(self, *, template, context, email):
        counter = []
        markers = _plain_markers(context, counter)
        self.title_slot = len(counter)  # the HTML email prints the finished title in one slot
        title = render_to_string(f"notifications/{template}.title.txt", markers)
        body = render_to_string(f"notifications/{template}.body.txt", markers)
        self.title, self.body = _stamp_parts(title), _stamp_parts(body)
        self.html = None
        if email:
            html_body = render_to_string(
                f"notifications/{template}.email.html", {**markers, "title": _STAMP_SLOT.format(self.title_slot)}
            )
            self.html = _stamp_parts(html_body)

    def render(self, leaves):
        escaped = [html.escape(leaf) for leaf in leaves]
        title = _stamp_fill(self.title, escaped).strip()
        body = _stamp_fill(self.body, escaped).strip()
        if self.html is None:
            return title, body, ""
        escaped.append(html.escape(title))
        return title, body, _stamp_fill(self.html, escaped)


def notification_stamps_forget():
    """Drop this process's kept notice renderings (after a settings change)."""
    _stamps.clear()


def _notification_build_stamped(
    *, recipient, kind, template, context=None, link="", email=True, idempotency_key=None, stamps, decoder
):
    """``_notification_build`` through a stamp when the template and context allow it."""
    row = {"recipient": recipient, "kind": kind, "link": link, "email": email, "idempotency_key": idempotency_key}
    arguments = {**row, "template": template, "context": context, "decoder": decoder}
    if template not in STAMPED_TEMPLATES:
        return _notification_build(**arguments)
    language = recipient.preferred_language
    params = notices.params_for(context, recipient=None, memo=decoder.encoded)
    with translation.override(language):
        plain = {"link": link, "site_url": settings.SITE_URL, **decoder.decode(context or {})}
    leaves = []
    try:
        shape = _plain_shape(plain, leaves)
    except _NotPlain:
        return _notification_build(**arguments)
    key = (template, language, bool(email), shape)
    stamp = stamps.get(key, False)
    if stamp is False:
        if len(stamps) >= _STAMP_LIMIT:
            stamps.clear()
        full = _notification_build(**arguments)
        with translation.override(language):
            stamp = _Stamp(template=template, context=plain, email=email)
        if stamp.render(leaves) != (full.title, full.body, full.email_html):
            logger.warning("Notices from %s do not stamp cleanly; they are rendered in full.", template)
            stamp = None
        stamps[key] = stamp
        return full
    if stamp is None:
        return _notification_build(**arguments)
    title, body, html_body = stamp.render(leaves)
    return _notification_row(**row, title=title, body=body, html_body=html_body, template=template, params=params)


# Emails handed to one delivery task: a worker lost mid-chunk redoes at most this many, and the
# lock-and-mark in notification_email_deliver keeps the redo from sending any twice.
EMAIL_TASK_CHUNK = 200


def notifications_send_many(*, items):
    """``notification_send`` for many notices at once (one insert, chunked delivery tasks).
    ``items`` are dicts of notification_send's keyword arguments, without idempotency keys."""
    # Stamps are kept between calls, except in development where templates are edited live.
    stamps = {} if settings.DEBUG else _stamps
    decoder = notices.Decoder(absolute=True)  # shared: each moment is formatted once per language
    built = [_notification_build_stamped(**item, stamps=stamps, decoder=decoder) for item in items]
    notifications = rows_insert(Notification, built)
    pending = [n.pk for n in notifications if n.email_status == Notification.EmailStatus.PENDING]
    if pending:
        for start in range(0, len(pending), EMAIL_TASK_CHUNK):
            task_enqueue_on_commit(EMAIL_DELIVER_MANY_TASK, pending[start : start + EMAIL_TASK_CHUNK])
    return notifications


def notification_send(*, recipient, kind, template, context=None, link="", email=True, idempotency_key=None):
    """Tell one person something: a notice in their notification centre and, unless ``email`` is
    False, an email queued in the outbox. Rendered in the recipient's language from
    ``notifications/<template>.{title.txt,body.txt,email.html}``; the email is handed to Celery
    after commit. With an ``idempotency_key`` a second call returns the first notice."""
    if idempotency_key:
        existing = Notification.objects.filter(idempotency_key=idempotency_key).first()
        if existing:
            return existing
    notification = _notification_build(
        recipient=recipient,
        kind=kind,
        template=template,
        context=context,
        link=link,
        email=email,
        idempotency_key=idempotency_key,
    )
    try:
        with transaction.atomic():
            notification.save()
    except IntegrityError:
        if idempotency_key:
            return Notification.objects.get(idempotency_key=idempotency_key)
        raise
    if email:
        task_enqueue_on_commit(EMAIL_DELIVER_TASK, notification.pk)
    return notification


def audit_events_record_many(*, events, request=None):
    """Append many audit events in one COPY. ``events`` are dicts of audit_event_record's
    keyword arguments except ``request``: one request (a staff action on many rows) gives every
    event its client address."""
    ip_address = client_ip(request)
    rows = []
    for event in events:
        actor, target = event.get("actor"), event.get("target")
        if actor is not None and not getattr(actor, "is_authenticated", False):
            actor = None
        rows.append(
            {
                "ip_address": ip_address,
                "actor_id": actor.pk if actor is not None else None,
                "actor_label": event.get("actor_label") or (actor.get_username() if actor else ""),
                "action": event["action"],
                "target_type": target._meta.label_lower if target is not None else "",
                "target_id": str(target.pk) if target is not None else "",
                "target_label": str(target)[:255] if target is not None else "",
                "summary": event.get("summary", ""),
                "before": redact(event.get("before")),
                "after": redact(event.get("after")),
            }
        )
    rows_append(AuditEvent, rows)


def notification_message_id(notification):
    """The email's Message-ID, the same at every attempt. Marking a notice sent commits just
    after the mail server accepted it; a worker killed in that instant leaves it pending and it
    is sent again, and with the same Message-ID the borrower's mailbox shows it once. An email
    that brought its own (allauth's, fixed when it was queued) keeps that one."""
    fixed = (notification.email_headers or {}).get("Message-ID")
    if fixed:
        return fixed
    host = urlsplit(settings.SITE_URL).hostname or "portal.invalid"
    return f"<notification.{notification.pk}@{host}>"  # a site never reuses a notice's id


def _email_message(notification, connection):
    body = notification.email_text + (f"\n\n{settings.SITE_URL}{notification.link}" if notification.link else "")
    message = EmailMultiAlternatives(
        subject=notification.email_subject,
        body=body,
        to=[notification.email_address],
        headers={**(notification.email_headers or {}), "Message-ID": notification_message_id(notification)},
        connection=connection,
    )
    if notification.email_html:
        message.attach_alternative(notification.email_html, "text/html")
    return message


def _email_secret_forget(notification):
    """An expiring email (a code) is kept only until it leaves or expires: afterwards nobody,
    staff included, can read the code from the outbox."""
    if notification.email_expires_at is not None:
        notification.body = notification.email_text = notification.email_html = ""
        return ["body", "email_text", "email_html"]
    return []


def notification_email_deliver(*, notification_id, connection=None):
    """Send one queued email, at most once: the row is locked and marked sent in the same
    transaction, so a retried or duplicated task finds it already sent and does nothing (see
    notification_message_id for the instant between the mail server and the commit). The row
    lock is the claim: a row another worker is sending is skipped, not waited for, and a killed
    worker's lock ends with its database connection, so the sweep finds the row waiting again.
    ``connection`` lets a batch share one mail connection."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",), **_skip_locked())
            .select_related("recipient")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or notification.email_status != Notification.EmailStatus.PENDING:
            return False
        if notification.kind in switch_selectors.email_kinds_paused():
            return False  # paused by an emergency switch: it stays pending and goes once resumed
        now = timezone.now()
        if notification.email_expires_at is not None and notification.email_expires_at <= now:
            notification.email_status = Notification.EmailStatus.CANCELLED
            notification.email_last_error = "expired before it could be sent"
            hidden = _email_secret_forget(notification)
            notification.save(update_fields=["email_status", "email_last_error", *hidden])
            return False
        message = _email_message(notification, connection)
        notification.email_attempts += 1
        try:
            message.send()
        except Exception as error:  # the mail server's failure is recorded and retried later
            logger.warning("Email for notification %s failed: %s", notification.pk, error)
            notification.email_last_error = str(error)[:500]
            if notification.email_attempts >= EMAIL_MAX_ATTEMPTS:
                notification.email_status = Notification.EmailStatus.FAILED
            # Back off: 2, 4, 8 … minutes, at most an hour, before the sweep tries again.
            delay_minutes = min(2**notification.email_attempts, 60)
            notification.email_next_attempt_at = now + timedelta(minutes=delay_minutes)
            notification.save(
                update_fields=["email_attempts", "email_last_error", "email_status", "email_next_attempt_at"]
            )
            return False
        notification.email_status = Notification.EmailStatus.SENT
        notification.email_sent_at = timezone.now()
        hidden = _email_secret_forget(notification)
        notification.save(update_fields=["email_attempts", "email_status", "email_sent_at", *hidden])
        return True


def _skip_locked():
    return {"skip_locked": True} if db_connection.features.has_select_for_update_skip_locked else {}


def _email_failure_record(notification, error, now):
    """Count a failed attempt: back off 2, 4, 8 … minutes (at most an hour) before the sweep
    tries again, and fail the email for good after the last attempt (staff can resend it)."""
    logger.warning("Email for notification %s failed: %s", notification.pk, error)
    failed = notification.email_attempts >= EMAIL_MAX_ATTEMPTS
    Notification.objects.filter(pk=notification.pk).update(
        email_status=Notification.EmailStatus.FAILED if failed else Notification.EmailStatus.PENDING,
        email_claimed_at=None,
        email_last_error=str(error)[:500],
        email_next_attempt_at=now + timedelta(minutes=min(2**notification.email_attempts, 60)),
    )


def notification_emails_deliver(*, notification_ids):
    """The fan-out's fast path (a monthly report run): claim the waiting rows among these in one
    statement (``sending``, skipping rows another worker holds), send them over one mail
    connection, and mark each sent in one statement right after the mail server took it. A worker
    killed mid-batch leaves its claimed rows ``sending``; the sweep puts claims older than a few
    SMTP timeouts back in line, so the one message in flight may go twice, with the same
    Message-ID, and none is lost. Returns how many left."""
    now = timezone.now()
    with transaction.atomic():
        claimable = (
            Notification.objects.select_for_update(**_skip_locked())
            .filter(pk__in=notification_ids, email_status=Notification.EmailStatus.PENDING)
            .exclude(kind__in=switch_selectors.email_kinds_paused())  # paused: left pending
            .values_list("pk", flat=True)
        )
        claimed = list(claimable)
        Notification.objects.filter(pk__in=claimed).update(
            email_status=Notification.EmailStatus.SENDING, email_claimed_at=now, email_attempts=F("email_attempts") + 1
        )
    rows = Notification.objects.select_related("recipient").filter(pk__in=claimed).order_by("pk")
    connection = get_connection()
    sent = 0
    _commit_wait(wait=False)
    try:
        for notification in rows:
            if notification.email_expires_at is not None and notification.email_expires_at <= now:
                Notification.objects.filter(pk=notification.pk).update(
                    email_status=Notification.EmailStatus.CANCELLED,
                    email_claimed_at=None,
                    body="",
                    email_text="",
                    email_html="",
                )
                continue
            try:
                _email_message(notification, connection).send()
            except Exception as error:  # recorded and retried by the sweep; the rest still go
                _email_failure_record(notification, error, timezone.now())
                continue
            Notification.objects.filter(pk=notification.pk).update(
                email_status=Notification.EmailStatus.SENT, email_sent_at=timezone.now(), email_claimed_at=None
            )
            sent += 1
    finally:
        _commit_wait(wait=True)
        try:
            connection.close()
        except Exception:  # a connection that never opened or already broke has nothing to close
            logger.debug("Closing the mail connection failed", exc_info=True)
    return sent


def _commit_wait(*, wait):
    """Each "sent" mark commits on its own, so a killed worker repeats at most the message in
    flight; without waiting for the disk at each commit (PostgreSQL's synchronous_commit off
    for this session, while the batch lasts) that costs little. A worker kill loses nothing by
    it; only a database crash can forget the last fraction of a second of marks, and those
    messages go again with their Message-ID."""
    if db_connection.vendor == "postgresql":
        with db_connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO %s" % ("DEFAULT" if wait else "OFF"))


def notification_email_claims_release(*, older_than=None):
    """Put rows claimed by a worker that died (claimed longer ago than a few SMTP timeouts) back
    in line for the sweep. Returns how many."""
    older_than = older_than if older_than is not None else outbox_sweep_after()
    return Notification.objects.filter(
        email_status=Notification.EmailStatus.SENDING, email_claimed_at__lt=timezone.now() - older_than
    ).update(email_status=Notification.EmailStatus.PENDING, email_claimed_at=None, email_next_attempt_at=None)


def outbox_email_build(
    *, to="", recipient=None, kind, subject, text, html="", headers=None, expires_at=None, idempotency_key=None
):
    """An outbox-only email (not a notice: never in the notification centre), unsaved. ``to``
    when the address is not ``recipient``'s current one; ``subject`` as it goes out."""
    return Notification(
        recipient=recipient,
        in_centre=False,
        kind=kind,
        title=subject[:200],
        body="",
        email_status=Notification.EmailStatus.PENDING,
        email_to=to,
        email_subject=subject[:255],
        email_text=text,
        email_html=html,
        email_headers=headers or {},
        email_expires_at=expires_at,
        idempotency_key=idempotency_key,
    )


def outbox_email_send(**fields):
    """Queue one outbox-only email (``outbox_email_build``'s arguments) in the caller's
    transaction; its delivery task is handed to Celery after commit, and the sweep sends it if
    the broker was down."""
    notification = outbox_email_build(**fields)
    with transaction.atomic():
        notification.save()
    task_enqueue_on_commit(EMAIL_DELIVER_TASK, notification.pk)
    return notification


def outbox_emails_write(*, emails):
    """Many outbox-only emails (``outbox_email_build`` rows, each with an idempotency key) in
    one statement per thousand, without delivery tasks: the fan-out that wrote them delivers them
    itself (``notification_emails_deliver``) and the sweep takes any it did not. A row whose key
    is already there (a concurrent or repeated fan-out) is left out, never written twice."""
    Notification.objects.bulk_create(emails, ignore_conflicts=True, batch_size=1000)


def outbox_emails_cancel(*, kind, recipient=None, idempotency_keys=None):
    """Emails of ``kind`` still waiting that are no longer wanted (a code replaced by a newer
    one, a report unsubscribed from): they are never sent. Returns how many."""
    waiting = Notification.objects.filter(kind=kind, email_status=Notification.EmailStatus.PENDING)
    if recipient is not None:
        waiting = waiting.filter(recipient=recipient)
    if idempotency_keys is not None:
        waiting = waiting.filter(idempotency_key__in=idempotency_keys)
    return waiting.update(email_status=Notification.EmailStatus.CANCELLED, email_text="", email_html="", body="")


def notification_emails_resend(*, notifications, actor, request=None):
    """Send again the emails of these notices that failed for good, once the cause is fixed (a
    mail server down for hours, an address the borrower has since corrected): each starts a fresh
    count of attempts, goes to the borrower's current address, and its task is queued after
    commit. Notices whose email did not fail are left alone. Audited per notice, with the error
    it had. Returns how many were queued."""
    if not actor.has_perm("portal.resend_notification"):
        raise PortalError(_("You do not have permission to send notice emails again."), code="forbidden")
    with transaction.atomic():
        failed = list(
            Notification.objects.select_for_update()
            .filter(pk__in=[notification.pk for notification in notifications])
            .filter(email_status=Notification.EmailStatus.FAILED)
            .order_by("pk")
        )
        Notification.objects.filter(pk__in=[notification.pk for notification in failed]).update(
            email_status=Notification.EmailStatus.PENDING,
            email_attempts=0,
            email_next_attempt_at=None,
            email_last_error="",
        )
        audit_events_record_many(
            events=[
                {
                    "actor": actor,
                    "action": "notification.email_resent",
                    "target": notification,
                    "before": {
                        "email_status": notification.email_status,
                        "email_attempts": notification.email_attempts,
                        "email_last_error": notification.email_last_error,
                    },
                    "after": {"email_status": Notification.EmailStatus.PENDING},
                }
                for notification in failed
            ],
            request=request,
        )
        for notification in failed:
            task_enqueue_on_commit(EMAIL_DELIVER_TASK, notification.pk)
    return len(failed)


def outbox_sweep_after():
    """How long an email may wait untried before the sweep takes it: a few SMTP timeouts, so a
    worker sending a fan-out is not raced, and never less than a minute."""
    timeout = getattr(settings, "EMAIL_TIMEOUT", None) or 30
    return max(timedelta(minutes=1), timedelta(seconds=3 * timeout))


def notification_outbox_pending_ids(*, older_than=None, limit=500):
    """Emails still waiting: never tried for ``older_than`` (their task was lost or its worker
    killed), or failed and now due for another try."""
    older_than = older_than if older_than is not None else outbox_sweep_after()
    now = timezone.now()
    due = Q(email_next_attempt_at__isnull=True, created_at__lt=now - older_than) | Q(email_next_attempt_at__lte=now)
    return list(
        Notification.objects.email_pending()
        .filter(due)
        .exclude(kind__in=switch_selectors.email_kinds_paused())  # paused kinds wait until resumed
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


def notification_mark_read(*, user, notification_ids=None):
    """Mark the user's own notices read (all of them when no ids are given)."""
    queryset = Notification.objects.for_recipient(user).unread()
    if notification_ids is not None:
        queryset = queryset.filter(pk__in=notification_ids)
    return queryset.update(read_at=timezone.now())


__all__ = ["PortalError", "audit_event_record", "notification_send", "notification_email_deliver"]
