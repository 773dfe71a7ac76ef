"""Every appeal deadline sum, in one place.

Deadlines come from a jurisdiction profile in settings (other profiles are configuration, not
code). When each caller added its own ``timedelta`` and chose its own ``<`` or ``<=``, one rule
could change in one place and not another, and two pages would disagree about a date. Callers ask
a :class:`DeadlineProfile` instead, which holds each sum and each comparison once.

Days are calendar days (plain ``timedelta(days=n)``). Datetimes are aware: each method returns
one in the zone it was given (UTC for values read from the database).
"""

from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadlineProfile:
    """One jurisdiction's deadline rules, in whole days.

    The fields are also the day counts notices print, so a template given the profile keeps
    writing ``{{ profile.decide_days }}`` as it did with the settings dict."""

    jurisdiction: str
    decide_days: int  # decide an appeal (or a second-level review) within this...
    extended_days: int  # ...or, once extended with a notice, within this, counted from submission
    second_review_days: int  # after an upheld decision, a second-level review may be asked for this long
    assignee_reminder_days: int  # remind the reviewer this long before the due date
    information_reminder_days: int  # remind a borrower who has not answered a request after this long
    information_close_days: int  # close an appeal whose information request went unanswered this long
    appeal_window_days: int  # a borrower may appeal a decision this long after it takes effect

    def __post_init__(self):
        """Refuse a profile whose dates could not follow one another: a typo in settings should
        stop the portal, not silently give a borrower a deadline in the past."""
        day_fields = [field.name for field in fields(self) if field.name != "jurisdiction"]
        bad = [name for name in day_fields if type(getattr(self, name)) is not int or getattr(self, name) < 1]
        if bad:
            raise self._misconfigured(f"{', '.join(bad)} must be whole days, at least 1")
        if self.extended_days < self.decide_days:
            raise self._misconfigured("extended_days must be at least decide_days")
        if self.information_reminder_days >= self.information_close_days:
            raise self._misconfigured("information_reminder_days must be less than information_close_days")

    def _misconfigured(self, problem):
        return ImproperlyConfigured(f"Appeal deadline profile {self.jurisdiction!r}: {problem}.")

    # Filing

    def filing_deadline(self, decided_at: datetime) -> datetime:
        """The last moment a borrower may appeal a decision that took effect at ``decided_at``
        (a limit change, or a rejected closure request); later is late (``now > deadline``)."""
        return decided_at + timedelta(days=self.appeal_window_days)

    # The decision clock

    def decision_due(self, submitted_at: datetime) -> datetime:
        """When an appeal, or a second-level review, asked for at ``submitted_at`` must be decided."""
        return submitted_at + timedelta(days=self.decide_days)

    @property
    def extension(self) -> timedelta:
        """How much one extension adds to the due date; zero where the profile allows none."""
        return timedelta(days=self.extended_days - self.decide_days)

    @property
    def can_extend(self) -> bool:
        return self.extension > timedelta(0)

    def extended_due(self, due_at: datetime) -> datetime:
        """The due date after the one extension. Added to the current due date, not recounted
        from submission, so time already paused for information stays credited."""
        return due_at + self.extension

    def resumed_due(self, due_at: datetime, paused_at: datetime, now: datetime) -> tuple[datetime, timedelta]:
        """The clock stops while we wait for the borrower's information: when they answer at
        ``now``, the due date moves by exactly the time it was paused. Returns the new due date
        and the pause, which the caller adds to the appeal's running total."""
        paused = now - paused_at
        return due_at + paused, paused

    def assignee_reminder_horizon(self, now: datetime) -> datetime:
        """Remind the reviewer of an appeal due after ``now`` and at or before this."""
        return now + timedelta(days=self.assignee_reminder_days)

    # Information requests

    def information_answer_by(self, requested_at: datetime) -> datetime:
        """The date we tell the borrower to answer by: the appeal closes unanswered at that moment."""
        return requested_at + timedelta(days=self.information_close_days)

    def information_reminder_cutoff(self, now: datetime) -> datetime:
        """A request made at or before this (``requested_at <= cutoff``) is due a reminder."""
        return now - timedelta(days=self.information_reminder_days)

    def information_close_cutoff(self, now: datetime) -> datetime:
        """A request made at or before this (``requested_at <= cutoff``) has gone unanswered too
        long; the same moment as :meth:`information_answer_by`, counted backwards."""
        return now - timedelta(days=self.information_close_days)

    # Second-level review

    def second_review_until(self, decided_at: datetime) -> datetime:
        """The last moment a borrower may ask for a second-level review of an upheld decision."""
        return decided_at + timedelta(days=self.second_review_days)

    def second_review_open(self, decided_at: datetime, now: datetime) -> bool:
        """Whether a second-level review may still be asked for: up to and including the last moment."""
        return now <= self.second_review_until(decided_at)

    def second_review_close_cutoff(self, now: datetime) -> datetime:
        """A decided appeal decided before this (``decided_at < cutoff``) is closed: its window
        for a second-level review has shut, exactly when :meth:`second_review_open` turns false."""
        return now - timedelta(days=self.second_review_days)


def deadline_profile(jurisdiction: str | None = None) -> DeadlineProfile:
    """The profile of ``jurisdiction`` (an appeal's own, so changing the default never moves an
    existing appeal's dates), or of ``APPEAL_JURISDICTION`` for a new appeal. Settings are read
    at each call, so ``override_settings`` and a reconfigured portal apply at once."""
    code = jurisdiction or settings.APPEAL_JURISDICTION
    return _profile_build(code, settings.APPEAL_DEADLINE_PROFILES[code])


def deadline_profiles() -> list[DeadlineProfile]:
    """Every configured profile, in settings order: the clock tasks work per jurisdiction."""
    return [_profile_build(code, days) for code, days in settings.APPEAL_DEADLINE_PROFILES.items()]


def _profile_build(code, days):
    # The filing window is one setting for every jurisdiction; a profile may set its own.
    values = {"appeal_window_days": settings.APPEAL_WINDOW_DAYS, **days}
    try:
        return DeadlineProfile(jurisdiction=code, **values)
    except TypeError as error:  # a misspelt or missing key
        raise ImproperlyConfigured(f"APPEAL_DEADLINE_PROFILES[{code!r}]: {error}") from error
