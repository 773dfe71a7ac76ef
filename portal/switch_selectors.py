"""Reads of the emergency switches and service notices, cheap enough for every page.

Every borrower page asks whether the portal is read-only and which notices to show, and every
outbox batch asks which email kinds wait, so each process keeps a copy of the switches in force
and the approved notices, tagged with a version kept in the shared cache. A change (through
``portal.switches``) gives the copy a new version, at once and again when its transaction
commits, and every process reads it again on its next look. The common case costs one read of
the shared cache and no query. A copy is kept at most SWITCHES_MAX_AGE seconds anyway, so a
process that fell back to its own memory while Redis was unreachable still sees a change soon.
Code that must not act on a stale copy (deciding a policy chunk) passes ``fresh=True``."""

from django.utils import timezone

from portal.process_cache import ProcessCopy
from portal.switch_models import EmergencySwitch, ServiceNotice

SWITCHES_VERSION_KEY = "portal:switches:version"
SWITCHES_MAX_AGE = 30


def switches_changed():
    """Every process must read the switches and notices again (now, and after the commit, so
    no process keeps a copy read before it)."""
    SWITCHES.changed()


def _load():
    now = timezone.now()
    on = list(EmergencySwitch.objects.on().values_list("kind", "email_kind"))
    notices = list(
        ServiceNotice.objects.approved()
        .filter(ends_at__gt=now)
        .order_by("starts_at", "pk")
        .values("pk", "text_zh", "text_en", "starts_at", "ends_at")
    )
    return {
        "decisions_paused": any(kind == EmergencySwitch.Kind.DECISIONS for kind, _email in on),
        "read_only": any(kind == EmergencySwitch.Kind.READ_ONLY for kind, _email in on),
        "email_kinds_paused": frozenset(email for kind, email in on if kind == EmergencySwitch.Kind.EMAIL_KIND),
        "notices": notices,
    }


SWITCHES = ProcessCopy(key=SWITCHES_VERSION_KEY, load=_load, max_age=SWITCHES_MAX_AGE)


def _current(*, fresh=False):
    return _load() if fresh else SWITCHES.get()


def decisions_paused(*, fresh=False):
    """Automated decisions are paused: policy runs read signals but decide nothing."""
    return _current(fresh=fresh)["decisions_paused"]


def read_only(*, fresh=False):
    """The portal is read-only for borrowers."""
    return _current(fresh=fresh)["read_only"]


def email_kinds_paused(*, fresh=False):
    """The outbox kinds (``Notification.kind``) whose emails wait in the outbox."""
    return _current(fresh=fresh)["email_kinds_paused"]


def service_notices_showing(*, language, now=None):
    """The approved notices shown now, as text in ``language`` (zh-Hans or English), oldest
    start first."""
    now = now or timezone.now()
    chinese = (language or "").startswith("zh")
    return [
        notice["text_zh"] if chinese else notice["text_en"]
        for notice in _current()["notices"]
        if notice["starts_at"] <= now < notice["ends_at"]
    ]


def emergency_switches_on():
    """The switches in force with who turned them on, for staff pages."""
    return EmergencySwitch.objects.on().select_related("turned_on_by", "off_requested_by")
