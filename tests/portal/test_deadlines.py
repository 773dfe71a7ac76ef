"""Appeal deadlines: the dates of every configured profile, and of any profile settings could
hold, follow one another, and the clock pauses exactly while we wait for the borrower."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.template import Context, Template
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from portal.deadlines import DeadlineProfile, deadline_profile, deadline_profiles

SHANGHAI = timezone(timedelta(hours=8))
SUBMITTED = datetime(2024, 1, 1, 9, 30, tzinfo=UTC)


@st.composite
def profile_settings(draw):
    """One entry of APPEAL_DEADLINE_PROFILES that settings could hold."""
    decide = draw(st.integers(1, 120))
    reminder = draw(st.integers(1, 30))
    return {
        "decide_days": decide,
        "extended_days": decide + draw(st.integers(0, 120)),
        "second_review_days": draw(st.integers(1, 120)),
        "assignee_reminder_days": draw(st.integers(1, 30)),
        "information_reminder_days": reminder,
        "information_close_days": reminder + draw(st.integers(1, 60)),
    }


generated_profiles = st.builds(
    lambda code, days, window: DeadlineProfile(jurisdiction=code, appeal_window_days=window, **days),
    st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=3),
    profile_settings(),
    st.integers(1, 365),
)
profiles = st.one_of(st.deferred(lambda: st.sampled_from(deadline_profiles())), generated_profiles)
moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.sampled_from([UTC, SHANGHAI])
)
# Each information request: how long after the last answer it is sent, and how long it waits.
pauses = st.lists(
    st.tuples(st.timedeltas(timedelta(0), timedelta(days=30)), st.timedeltas(timedelta(0), timedelta(days=30))),
    max_size=6,
)


def run_pauses(profile, due_at, start, intervals):
    """Ask for information and get the answer, once per interval; the new due date, the time
    paused in all, and when the last answer came."""
    total, now = timedelta(0), start
    for gap, length in intervals:
        paused_at = now + gap
        now = paused_at + length
        due_at, paused = profile.resumed_due(due_at, paused_at, now)
        total += paused
    return due_at, total, now


# ---------------------------------------------------------------------------------------------
# Properties over every configured profile and any profile settings could hold


@given(profiles, moments)
def test_decision_due_follows_submission_and_extended_due_follows_decision_due(profile, submitted_at):
    due_at = profile.decision_due(submitted_at)
    assert submitted_at < due_at <= profile.extended_due(due_at)


@given(profiles)
def test_extension_is_the_gap_between_extended_and_decide_days(profile):
    assert profile.extension == timedelta(days=profile.extended_days - profile.decide_days)
    assert profile.can_extend is (profile.extended_days > profile.decide_days)


@given(profiles, moments)
def test_second_review_window_opens_after_the_decision(profile, decided_at):
    assert decided_at < profile.second_review_until(decided_at)
    assert profile.second_review_open(decided_at, decided_at)


@given(profiles, moments)
def test_answer_by_follows_the_information_request(profile, requested_at):
    assert requested_at < profile.information_answer_by(requested_at)


@given(profiles, moments)
def test_reminder_cutoffs_come_before_close_cutoffs(profile, now):
    assert profile.information_close_cutoff(now) < profile.information_reminder_cutoff(now) < now


@given(profiles, moments)
def test_assignee_reminder_horizon_lies_ahead(profile, now):
    assert now < profile.assignee_reminder_horizon(now)


@given(profiles, moments)
def test_filing_deadline_follows_the_decision_by_the_appeal_window(profile, decided_at):
    assert profile.filing_deadline(decided_at) - decided_at == timedelta(days=profile.appeal_window_days)


@given(profiles, moments)
def test_unanswered_request_closes_exactly_at_the_answer_by_date(profile, requested_at):
    answer_by = profile.information_answer_by(requested_at)
    assert requested_at <= profile.information_close_cutoff(answer_by)
    assert not requested_at <= profile.information_close_cutoff(answer_by - timedelta(microseconds=1))


# How long after the second-review window's last moment "now" is; the boundary itself often.
past_window_end = st.one_of(
    st.sampled_from([timedelta(microseconds=-1), timedelta(0), timedelta(microseconds=1)]),
    st.timedeltas(timedelta(days=-400), timedelta(days=400)),
)


@given(profiles, moments, past_window_end)
def test_decided_appeal_closes_exactly_when_second_review_window_shuts(profile, decided_at, past_end):
    now = decided_at + timedelta(days=profile.second_review_days) + past_end
    assert profile.second_review_open(decided_at, now) is (past_end <= timedelta(0))
    assert profile.second_review_open(decided_at, now) is not (decided_at < profile.second_review_close_cutoff(now))


@given(profiles, moments, pauses)
def test_clock_pauses_exactly_while_information_is_requested(profile, submitted_at, intervals):
    due_at = profile.decision_due(submitted_at)
    resumed_due, total, _ = run_pauses(profile, due_at, submitted_at, intervals)
    assert total == sum((length for _, length in intervals), timedelta(0))
    assert resumed_due - due_at == total


@given(profiles, moments, pauses, st.data())
def test_extension_never_passes_profile_maximum(profile, submitted_at, intervals, data):
    extended_after = data.draw(st.integers(0, len(intervals)), label="requests before the extension")
    due_at, paused_before, now = run_pauses(
        profile, profile.decision_due(submitted_at), submitted_at, intervals[:extended_after]
    )
    due_at, paused_after, _ = run_pauses(profile, profile.extended_due(due_at), now, intervals[extended_after:])
    assert due_at - submitted_at - paused_before - paused_after <= timedelta(days=profile.extended_days)


@given(profiles, moments, pauses)
def test_every_date_keeps_the_time_zone_it_was_given(profile, moment, intervals):
    resumed_due, _, _ = run_pauses(profile, profile.decision_due(moment), moment, intervals)
    dates = [
        profile.filing_deadline(moment),
        profile.decision_due(moment),
        profile.extended_due(moment),
        resumed_due,
        profile.information_answer_by(moment),
        profile.information_reminder_cutoff(moment),
        profile.information_close_cutoff(moment),
        profile.assignee_reminder_horizon(moment),
        profile.second_review_until(moment),
        profile.second_review_close_cutoff(moment),
    ]
    assert {date.tzinfo for date in dates} == {moment.tzinfo}


@given(profile_settings(), st.integers(1, 365))
def test_profile_built_from_settings_carries_every_configured_day_count(days, window):
    with override_settings(APPEAL_DEADLINE_PROFILES={"XX": days}, APPEAL_JURISDICTION="XX", APPEAL_WINDOW_DAYS=window):
        profile = deadline_profile()
    assert profile == DeadlineProfile(jurisdiction="XX", appeal_window_days=window, **days)


# ---------------------------------------------------------------------------------------------
# Settings


def test_every_configured_jurisdiction_has_a_profile(settings):
    assert [profile.jurisdiction for profile in deadline_profiles()] == list(settings.APPEAL_DEADLINE_PROFILES)


def test_default_profile_follows_the_jurisdiction_setting_at_call_time():
    with override_settings(APPEAL_JURISDICTION="UK"):
        assert deadline_profile().jurisdiction == "UK"
    assert deadline_profile().jurisdiction == "CN"


def test_appeal_keeps_its_own_jurisdictions_profile_whatever_the_default():
    with override_settings(APPEAL_JURISDICTION="CN"):
        assert deadline_profile("UK").decide_days == 56


def test_a_profile_may_set_its_own_appeal_window(settings):
    days = {**settings.APPEAL_DEADLINE_PROFILES["CN"], "appeal_window_days": 90}
    with override_settings(APPEAL_DEADLINE_PROFILES={"CN": days}):
        assert deadline_profile("CN").appeal_window_days == 90


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"decide_days": 0}, "decide_days must be whole days"),
        ({"second_review_days": 1.5}, "second_review_days must be whole days"),
        ({"extended_days": 10}, "extended_days must be at least decide_days"),
        ({"information_reminder_days": 14}, "information_reminder_days must be less than"),
        ({"decide_day": 15}, "unexpected keyword argument 'decide_day'"),
    ],
)
def test_a_profile_whose_dates_could_not_follow_one_another_is_refused(settings, change, problem):
    days = {**settings.APPEAL_DEADLINE_PROFILES["CN"], **change}
    with override_settings(APPEAL_DEADLINE_PROFILES={"CN": days}), pytest.raises(ImproperlyConfigured, match=problem):
        deadline_profile("CN")


def test_profile_is_frozen():
    profile = deadline_profile("CN")
    with pytest.raises(AttributeError):
        profile.decide_days = 30


# ---------------------------------------------------------------------------------------------
# The China profile: complaints decided in 15 days, complex ones extendable to 30 with notice


def test_china_appeal_is_due_fifteen_days_after_submission():
    assert deadline_profile("CN").decision_due(SUBMITTED) == datetime(2024, 1, 16, 9, 30, tzinfo=UTC)


def test_china_extension_moves_the_due_date_to_thirty_days_after_submission():
    profile = deadline_profile("CN")
    assert profile.can_extend
    assert profile.extended_due(profile.decision_due(SUBMITTED)) == datetime(2024, 1, 31, 9, 30, tzinfo=UTC)


def test_china_borrower_answering_after_three_days_moves_the_due_date_three_days():
    profile = deadline_profile("CN")
    requested_at = SUBMITTED + timedelta(days=2)
    due_at, paused = profile.resumed_due(
        profile.decision_due(SUBMITTED), requested_at, requested_at + timedelta(days=3)
    )
    assert (due_at, paused) == (datetime(2024, 1, 19, 9, 30, tzinfo=UTC), timedelta(days=3))


def test_china_information_request_is_reminded_after_three_days_and_closed_after_fourteen():
    profile = deadline_profile("CN")
    assert profile.information_answer_by(SUBMITTED) == datetime(2024, 1, 15, 9, 30, tzinfo=UTC)
    assert profile.information_reminder_cutoff(SUBMITTED + timedelta(days=3)) == SUBMITTED
    assert profile.information_close_cutoff(SUBMITTED + timedelta(days=14)) == SUBMITTED


def test_china_second_review_may_be_asked_for_until_fifteen_days_after_the_decision():
    profile = deadline_profile("CN")
    until = datetime(2024, 1, 16, 9, 30, tzinfo=UTC)
    assert profile.second_review_until(SUBMITTED) == until
    assert profile.second_review_open(SUBMITTED, until)
    assert not profile.second_review_open(SUBMITTED, until + timedelta(microseconds=1))


def test_china_appeal_may_be_filed_for_sixty_days_after_the_decision(settings):
    assert settings.APPEAL_WINDOW_DAYS == 60
    assert deadline_profile("CN").filing_deadline(SUBMITTED) == datetime(2024, 3, 1, 9, 30, tzinfo=UTC)


def test_uk_profile_allows_no_extension():
    profile = deadline_profile("UK")
    assert (profile.extension, profile.can_extend) == (timedelta(0), False)
    assert profile.extended_due(SUBMITTED) == SUBMITTED


def test_notice_template_prints_the_profiles_day_counts():
    rendered = Template("{{ profile.decide_days }}/{{ profile.extended_days }}/{{ profile.second_review_days }}")
    assert rendered.render(Context({"profile": deadline_profile("CN")})) == "15/30/15"
