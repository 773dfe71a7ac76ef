"""Emergency switches and service notices: every change, with its permission, four-eyes rule and
audit event. Reads are in ``portal.switch_selectors``.

Turning a switch on is the safe direction: one authorised person with a reason. Turning it off
lifts a protection, so it takes a request and an approval by a second person, who is neither the
one who asked nor the one who turned it on."""

import re

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.exceptions import PortalError
from portal.services import audit_event_record
from portal.switch_models import EmergencySwitch, ServiceNotice
from portal.switch_selectors import switches_changed

REASON_MIN_LENGTH = 10
NOTICE_TEXT_MAX_LENGTH = 500
EMAIL_KIND_PATTERN = re.compile(r"^[a-z0-9_.\-]{1,64}$")


def _switch_state(switch):
    return {
        "kind": switch.kind,
        "email_kind": switch.email_kind,
        "on": switch.is_on,
        "off_requested_by": switch.off_requested_by_id,
    }


def _locked(switch):
    return EmergencySwitch.objects.select_for_update().get(pk=switch.pk)


def emergency_switch_turn_on(*, actor, kind, reason, email_kind="", request=None):
    """Turn a switch on now. Refused when the actor may not, the reason is missing, or the same
    switch is already on."""
    if not actor.has_perm("portal.turn_on_emergencyswitch"):
        raise PortalError(_("You do not have permission to turn emergency switches on."), code="forbidden")
    if kind not in EmergencySwitch.Kind.values:
        raise PortalError(_("Choose which switch to turn on."), field="kind")
    email_kind = (email_kind or "").strip() if kind == EmergencySwitch.Kind.EMAIL_KIND else ""
    if kind == EmergencySwitch.Kind.EMAIL_KIND and not EMAIL_KIND_PATTERN.match(email_kind):
        raise PortalError(_("Choose the kind of email to pause."), field="email_kind")
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN_LENGTH:
        raise PortalError(
            _("Say why the switch is turned on, in at least %(count)s characters.") % {"count": REASON_MIN_LENGTH},
            field="reason",
        )
    switch = EmergencySwitch(
        kind=kind, email_kind=email_kind, reason=reason, turned_on_by=actor, turned_on_at=timezone.now()
    )
    try:
        with transaction.atomic():
            switch.save()
            audit_event_record(
                actor=actor,
                action="emergency_switch.turned_on",
                target=switch,
                summary=reason,
                after=_switch_state(switch),
                request=request,
            )
            switches_changed()
    except IntegrityError:
        raise PortalError(_("This switch is already on."), code="conflict", field="kind") from None
    return switch


def emergency_switch_off_request(*, switch, actor, reason="", request=None):
    """Ask for a switch to be turned off; it stays on until another person approves."""
    if not actor.has_perm("portal.turn_off_emergencyswitch"):
        raise PortalError(_("You do not have permission to turn emergency switches off."), code="forbidden")
    with transaction.atomic():
        switch = _locked(switch)
        if not switch.is_on:
            raise PortalError(_("This switch is already off."), code="conflict")
        if switch.off_requested_at is not None:
            raise PortalError(_("Turning this switch off has already been requested."), code="conflict")
        before = _switch_state(switch)
        switch.off_requested_by, switch.off_requested_at = actor, timezone.now()
        switch.off_reason = (reason or "").strip()
        switch.save(update_fields=["off_requested_by", "off_requested_at", "off_reason"])
        audit_event_record(
            actor=actor,
            action="emergency_switch.off_requested",
            target=switch,
            summary=switch.off_reason,
            before=before,
            after=_switch_state(switch),
            request=request,
        )
    return switch


def emergency_switch_off_approve(*, switch, actor, request=None):
    """Turn a switch off, approving another person's request. The approver must be neither the
    person who asked nor the one who turned it on."""
    if not actor.has_perm("portal.turn_off_emergencyswitch"):
        raise PortalError(_("You do not have permission to turn emergency switches off."), code="forbidden")
    with transaction.atomic():
        switch = _locked(switch)
        if not switch.is_on:
            raise PortalError(_("This switch is already off."), code="conflict")
        if switch.off_requested_at is None:
            raise PortalError(
                _("Nobody has asked to turn this switch off yet: request it first, then another person approves."),
                code="conflict",
            )
        if switch.turned_on_by_id == actor.pk:
            raise PortalError(
                _("You turned this switch on, so another person must approve turning it off."), code="four_eyes"
            )
        if switch.off_requested_by_id == actor.pk:
            raise PortalError(
                _("You asked to turn this switch off, so another person must approve it."), code="four_eyes"
            )
        before = _switch_state(switch)
        switch.turned_off_by, switch.turned_off_at = actor, timezone.now()
        switch.save(update_fields=["turned_off_by", "turned_off_at"])
        audit_event_record(
            actor=actor,
            action="emergency_switch.turned_off",
            target=switch,
            summary=switch.off_reason,
            before=before,
            after=_switch_state(switch),
            request=request,
        )
        switches_changed()
    return switch


def emergency_switch_off_request_cancel(*, switch, actor, request=None):
    """Withdraw a request to turn a switch off (the switch stays on)."""
    if not actor.has_perm("portal.turn_off_emergencyswitch"):
        raise PortalError(_("You do not have permission to turn emergency switches off."), code="forbidden")
    with transaction.atomic():
        switch = _locked(switch)
        if not switch.is_on or switch.off_requested_at is None:
            raise PortalError(_("There is no request to turn this switch off."), code="conflict")
        before = _switch_state(switch)
        switch.off_requested_by, switch.off_requested_at, switch.off_reason = None, None, ""
        switch.save(update_fields=["off_requested_by", "off_requested_at", "off_reason"])
        audit_event_record(
            actor=actor,
            action="emergency_switch.off_request_cancelled",
            target=switch,
            before=before,
            after=_switch_state(switch),
            request=request,
        )
    return switch


def service_notice_check(*, text_zh, text_en, starts_at, ends_at, now=None):
    """Refuse a notice that could not be shown as written: a missing language, text too long,
    or times that end before they start or are already over."""
    now = now or timezone.now()
    for field, text in (("text_zh", text_zh), ("text_en", text_en)):
        if not (text or "").strip():
            raise PortalError(_("Write the notice in both Chinese and English."), field=field)
        if len(text.strip()) > NOTICE_TEXT_MAX_LENGTH:
            raise PortalError(
                _("Keep the notice to %(count)s characters in each language.") % {"count": NOTICE_TEXT_MAX_LENGTH},
                field=field,
            )
    if starts_at is None or ends_at is None:
        raise PortalError(_("Give the time the notice starts and the time it ends."), field="starts_at")
    if ends_at <= starts_at:
        raise PortalError(_("The notice must end after it starts."), field="ends_at")
    if ends_at <= now:
        raise PortalError(_("The end time has already passed: choose a time in the future."), field="ends_at")


def service_notice_write(*, actor, text_zh, text_en, starts_at, ends_at, notice=None, request=None):
    """Write a new notice, or edit one, as a draft: an approved notice that is edited goes back
    to draft and is hidden until approved again."""
    permission = "portal.change_servicenotice" if notice is not None else "portal.add_servicenotice"
    if not actor.has_perm(permission):
        raise PortalError(_("You do not have permission to write service notices."), code="forbidden")
    service_notice_check(text_zh=text_zh, text_en=text_en, starts_at=starts_at, ends_at=ends_at)
    with transaction.atomic():
        if notice is None:
            notice = ServiceNotice()
            before = {}
        else:
            notice = ServiceNotice.objects.select_for_update().get(pk=notice.pk)
            before = _notice_state(notice)
        notice.text_zh, notice.text_en = text_zh.strip(), text_en.strip()
        notice.starts_at, notice.ends_at = starts_at, ends_at
        notice.status = ServiceNotice.Status.DRAFT
        notice.written_by, notice.written_at = actor, timezone.now()
        notice.approved_by, notice.approved_at = None, None
        notice.save()
        audit_event_record(
            actor=actor,
            action="service_notice.written",
            target=notice,
            before=before,
            after=_notice_state(notice),
            request=request,
        )
        if before.get("status") == ServiceNotice.Status.APPROVED:
            switches_changed()
    return notice


def service_notice_approve(*, notice, actor, request=None):
    """Approve a draft notice: it shows to borrowers between its start and end. The person who
    wrote it may not approve it."""
    if not actor.has_perm("portal.approve_servicenotice"):
        raise PortalError(_("You do not have permission to approve service notices."), code="forbidden")
    with transaction.atomic():
        notice = ServiceNotice.objects.select_for_update().get(pk=notice.pk)
        if notice.status != ServiceNotice.Status.DRAFT:
            raise PortalError(_("Only a draft notice can be approved."), code="conflict")
        if notice.written_by_id == actor.pk:
            raise PortalError(_("You wrote this notice, so another person must approve it."), code="four_eyes")
        if notice.ends_at <= timezone.now():
            raise PortalError(_("This notice has already ended: write a new one."), code="conflict")
        before = _notice_state(notice)
        notice.status = ServiceNotice.Status.APPROVED
        notice.approved_by, notice.approved_at = actor, timezone.now()
        notice.save(update_fields=["status", "approved_by", "approved_at"])
        audit_event_record(
            actor=actor,
            action="service_notice.approved",
            target=notice,
            before=before,
            after=_notice_state(notice),
            request=request,
        )
        switches_changed()
    return notice


def service_notice_withdraw(*, notice, actor, request=None):
    """Take a notice down (a draft or an approved one) before its end time."""
    if not (actor.has_perm("portal.approve_servicenotice") or actor.has_perm("portal.change_servicenotice")):
        raise PortalError(_("You do not have permission to withdraw service notices."), code="forbidden")
    with transaction.atomic():
        notice = ServiceNotice.objects.select_for_update().get(pk=notice.pk)
        if notice.status == ServiceNotice.Status.WITHDRAWN:
            raise PortalError(_("This notice has already been withdrawn."), code="conflict")
        before = _notice_state(notice)
        notice.status = ServiceNotice.Status.WITHDRAWN
        notice.save(update_fields=["status"])
        audit_event_record(
            actor=actor,
            action="service_notice.withdrawn",
            target=notice,
            before=before,
            after=_notice_state(notice),
            request=request,
        )
        switches_changed()
    return notice


def _notice_state(notice):
    return {
        "status": notice.status,
        "text_zh": notice.text_zh,
        "text_en": notice.text_en,
        "starts_at": notice.starts_at.isoformat() if notice.starts_at else None,
        "ends_at": notice.ends_at.isoformat() if notice.ends_at else None,
        "approved_by": notice.approved_by_id,
    }
