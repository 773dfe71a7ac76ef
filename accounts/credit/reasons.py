"""The reason-code catalogue as pages read it: a few dozen rows that change only when staff edit
them, so each process keeps a copy (portal.process_cache). A save or delete of a reason code gives
the catalogue a new version; a copy is kept at most REASONS_MAX_AGE seconds anyway."""

from django.db.models.signals import post_delete, post_save

from accounts.models import ReasonCode
from portal.process_cache import ProcessCopy

REASONS_VERSION_KEY = "accounts:reasons:version"
REASONS_MAX_AGE = 60


def _load():
    return {reason.code: reason for reason in ReasonCode.objects.all()}


REASONS = ProcessCopy(key=REASONS_VERSION_KEY, load=_load, max_age=REASONS_MAX_AGE)


def reason_catalogue():
    """Every reason code by its code. Shared by all requests: read it, never change it."""
    return REASONS.get()


def reasons_for(codes):
    """The reason codes named in ``codes``, in that order (most important first); unknown ones
    are left out."""
    catalogue = REASONS.get()
    return [catalogue[code] for code in codes if code in catalogue]


def reasons_changed(**kwargs):
    """Signal receiver: a reason code changed, every process must read the catalogue again."""
    REASONS.changed()


def reasons_watch():
    """Connected once by AccountsConfig.ready(), so every process marks the catalogue stale on a
    save or delete, whether or not it ever reads it."""
    post_save.connect(reasons_changed, sender=ReasonCode, dispatch_uid="accounts_reasons_changed_save")
    post_delete.connect(reasons_changed, sender=ReasonCode, dispatch_uid="accounts_reasons_changed_delete")
