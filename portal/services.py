"""Writes that belong to the site shell: the audit log and the notification outbox."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from portal.exceptions import PortalError
from portal.models import AuditEvent, Notification

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
    return {name: ("••••" if name in SECRET_FIELDS else value) for name, value in (values or {}).items()}


def audit_event_record(
    *, actor, action, target=None, summary="", before=None, after=None, request=None, actor_label=None
):
    """Append one event to the audit log. The only function that writes AuditEvent."""
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


def task_enqueue_on_commit(task, *args):
    """Hand ``task`` to the broker once the transaction commits. If the broker is unreachable the
    work is not lost: it stays recorded in the database (the outbox) and the beat job that sweeps
    it picks it up later. So a broker outage never turns a borrower's action into an error."""

    def enqueue():
        if settings.CELERY_TASK_ALWAYS_EAGER:  # tests and eager mode: let errors surface
            task.delay(*args)
            return
        try:
            task.delay(*args)
        except Exception:  # the broker's failure must not fail the request that already committed
            logger.warning("Could not enqueue %s%s; the outbox sweep will retry.", task.name, args, exc_info=True)

    transaction.on_commit(enqueue)


def _notification_build(*, recipient, kind, template, context=None, link="", email=True, idempotency_key=None):
    """Render a notice in the recipient's language, unsaved."""
    context = {"recipient": recipient, "link": link, "site_url": settings.SITE_URL, **(context or {})}
    with translation.override(recipient.preferred_language):
        title = render_to_string(f"notifications/{template}.title.txt", context).strip()
        body = render_to_string(f"notifications/{template}.body.txt", context).strip()
        html = render_to_string(f"notifications/{template}.email.html", {**context, "title": title}) if email else ""
    return Notification(
        recipient=recipient,
        kind=kind,
        title=title,
        body=body,
        link=link,
        idempotency_key=idempotency_key,
        email_status=Notification.EmailStatus.PENDING if email else Notification.EmailStatus.NONE,
        email_subject=f"{settings.EMAIL_SUBJECT_PREFIX}{title}" if email else "",
        email_text=body,
        email_html=html,
    )


# Emails handed to one delivery task: a worker lost mid-chunk redoes at most this many, and the
# lock-and-mark in notification_email_deliver keeps the redo from sending any twice.
EMAIL_TASK_CHUNK = 200


def notifications_send_many(*, items):
    """``notification_send`` for many notices at once (one insert, chunked delivery tasks).
    ``items`` are dicts of notification_send's keyword arguments, without idempotency keys."""
    notifications = Notification.objects.bulk_create([_notification_build(**item) for item in items])
    pending = [n.pk for n in notifications if n.email_status == Notification.EmailStatus.PENDING]
    if pending:
        from portal.tasks import notification_email_deliver_many

        for start in range(0, len(pending), EMAIL_TASK_CHUNK):
            task_enqueue_on_commit(notification_email_deliver_many, pending[start : start + EMAIL_TASK_CHUNK])
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
        from portal.tasks import notification_email_deliver

        task_enqueue_on_commit(notification_email_deliver, notification.pk)
    return notification


def audit_events_record_many(*, events):
    """Append many audit events in one insert. ``events`` are dicts of audit_event_record's
    keyword arguments (without ``request``)."""
    rows = []
    for event in events:
        actor, target = event.get("actor"), event.get("target")
        rows.append(
            AuditEvent(
                actor=actor,
                actor_label=event.get("actor_label") or (actor.get_username() if actor else ""),
                action=event["action"],
                target_type=target._meta.label_lower if target is not None else "",
                target_id=str(target.pk) if target is not None else "",
                target_label=str(target)[:255] if target is not None else "",
                summary=event.get("summary", ""),
                before=redact(event.get("before")),
                after=redact(event.get("after")),
            )
        )
    return AuditEvent.objects.bulk_create(rows)


def notification_email_deliver(*, notification_id):
    """Send one queued email, at most once: the row is locked and marked sent in the same
    transaction, so a retried or duplicated task finds it already sent and does nothing."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update().select_related("recipient").filter(pk=notification_id).first()
        )
        if notification is None or notification.email_status != Notification.EmailStatus.PENDING:
            return False
        message = EmailMultiAlternatives(
            subject=notification.email_subject,
            body=notification.email_text + (f"\n\n{settings.SITE_URL}{notification.link}" if notification.link else ""),
            to=[notification.recipient.email],
        )
        if notification.email_html:
            message.attach_alternative(notification.email_html, "text/html")
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
            notification.email_next_attempt_at = timezone.now() + timedelta(minutes=delay_minutes)
            notification.save(
                update_fields=["email_attempts", "email_last_error", "email_status", "email_next_attempt_at"]
            )
            return False
        notification.email_status = Notification.EmailStatus.SENT
        notification.email_sent_at = timezone.now()
        notification.save(update_fields=["email_attempts", "email_status", "email_sent_at"])
        return True


def notification_outbox_pending_ids(*, older_than=timedelta(minutes=1), limit=500):
    """Emails still waiting: never tried for ``older_than`` (their task was lost), or failed
    and now due for another try."""
    from django.db.models import Q

    now = timezone.now()
    due = Q(email_next_attempt_at__isnull=True, created_at__lt=now - older_than) | Q(email_next_attempt_at__lte=now)
    return list(
        Notification.objects.email_pending().filter(due).order_by("created_at").values_list("pk", flat=True)[:limit]
    )


def notification_mark_read(*, user, notification_ids=None):
    """Mark the user's own notices read (all of them when no ids are given)."""
    queryset = Notification.objects.for_recipient(user).unread()
    if notification_ids is not None:
        queryset = queryset.filter(pk__in=notification_ids)
    return queryset.update(read_at=timezone.now())


__all__ = ["PortalError", "audit_event_record", "notification_send", "notification_email_deliver"]
