"""Writing segment sets: a draft is copied from any set, edited by risk analysts, and switched on
under the same rules as a policy version (a draft only, by someone who may change sets; the set
in force is retired; audited)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import SegmentRule, SegmentSet
from portal.exceptions import PortalError
from portal.services import audit_event_record

RULE_FIELDS = ["position", "key", "label", *SegmentRule.CONDITION_FIELDS]


def segment_set_snapshot(segment_set):
    """The set's rules as plain data, in order: what its audit events record."""
    return {
        "name": segment_set.name,
        "rules": [
            {name: getattr(rule, name) for name in RULE_FIELDS}
            for rule in SegmentRule.objects.filter(segment_set=segment_set).order_by("position")
        ],
    }


def _check_can_change(actor):
    if not actor.has_perm("accounts.change_segmentset"):
        raise PortalError(_("You do not have permission to change customer segments."), code="forbidden")


def segment_set_problems(segment_set):
    """Why the set cannot be switched on (empty when it can): every account must fall in exactly
    one segment, so the set needs rules and its last rule must have no condition."""
    rules = list(SegmentRule.objects.filter(segment_set=segment_set).order_by("position"))
    if not rules:
        return [_("The set has no rules yet.")]
    if not rules[-1].is_catch_all:
        return [
            _("The last rule (%(key)s) has conditions: end with a rule without any, so every account has a segment.")
            % {"key": rules[-1].key}
        ]
    return []


def segment_set_edited(*, segment_set, actor, before=None, created=False, request=None):
    """Record a staff edit of a draft set (made through its admin form): who changed which rules."""
    _check_can_change(actor)
    if segment_set.status != SegmentSet.Status.DRAFT:
        raise PortalError(_("Only a draft set can be edited; copy it as a new draft."), code="not_draft")
    audit_event_record(
        actor=actor,
        action="segment_set.created" if created else "segment_set.edited",
        target=segment_set,
        before=before,
        after=segment_set_snapshot(segment_set),
        request=request,
    )


def segment_set_activate(*, segment_set, actor, request=None, now=None):
    """Switch a draft set on; the set in force until now is retired. Decisions from now on record
    segments of this set."""
    now = now or timezone.now()
    _check_can_change(actor)
    with transaction.atomic():
        segment_set = SegmentSet.objects.select_for_update().get(pk=segment_set.pk)
        if segment_set.status != SegmentSet.Status.DRAFT:
            raise PortalError(_("Only a draft can be switched on."), code="not_draft")
        problems = segment_set_problems(segment_set)
        if problems:
            raise PortalError(problems[0], code="incomplete")
        previous = SegmentSet.objects.select_for_update().filter(status=SegmentSet.Status.ACTIVE).first()
        if previous:
            previous.status = SegmentSet.Status.RETIRED
            previous.save(update_fields=["status"])
        segment_set.status = SegmentSet.Status.ACTIVE
        segment_set.activated_at, segment_set.activated_by = now, actor
        segment_set.save(update_fields=["status", "activated_at", "activated_by"])
        audit_event_record(
            actor=actor,
            action="segment_set.activated",
            target=segment_set,
            before={"active": previous.label if previous else None},
            after={"active": segment_set.label, **segment_set_snapshot(segment_set)},
            request=request,
        )
    return segment_set


def segment_set_copy(*, segment_set, actor, request=None):
    """A new draft with the same rules: the way to change segments that are in force."""
    if not actor.has_perm("accounts.add_segmentset"):
        raise PortalError(_("You do not have permission to write customer segments."), code="forbidden")
    with transaction.atomic():
        draft = SegmentSet.objects.create(name=segment_set.name, created_by=actor)
        SegmentRule.objects.bulk_create(
            SegmentRule(segment_set=draft, **{name: getattr(rule, name) for name in RULE_FIELDS})
            for rule in SegmentRule.objects.filter(segment_set=segment_set).order_by("position")
        )
        audit_event_record(
            actor=actor,
            action="segment_set.copied",
            target=draft,
            before={"from": segment_set.label},
            after=segment_set_snapshot(draft),
            request=request,
        )
    return draft


def segment_set_delete(*, segment_set, actor, request=None):
    """Delete a draft set (never one that is or was in force: decisions name its segments)."""
    if not actor.has_perm("accounts.delete_segmentset"):
        raise PortalError(_("You do not have permission to delete customer segments."), code="forbidden")
    with transaction.atomic():
        segment_set = SegmentSet.objects.select_for_update().get(pk=segment_set.pk)
        if segment_set.status != SegmentSet.Status.DRAFT:
            raise PortalError(_("Only a draft set can be deleted."), code="not_draft")
        audit_event_record(
            actor=actor,
            action="segment_set.deleted",
            target=segment_set,
            before=segment_set_snapshot(segment_set),
            request=request,
        )
        segment_set.delete()
