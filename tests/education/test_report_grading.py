"""A report covers a finished month and its grade is never better than the score trend and the
ledger allow (issue 15, finding 3): the rule as Hypothesis properties, and golden reports for
November 2026, made on 1 December, in both languages."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from accounts.credit.services import limit_change_apply
from accounts.models import CreditScore, LimitChange
from education.models import HealthReport
from education.services import reports as services
from education.services.reports import grading
from education.services.reports.compute import NO_APPEALS
from portal.exceptions import PortalError
from tests.factories import BorrowerFactory, StaffFactory, credit_account

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOVEMBER = date(2026, 11, 1)
# The monthly run on 1 December 2026, 09:00 in Shanghai, reports on November.
RUN_AT = datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)
CUT_AT = datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI)

grades = st.sampled_from(list(grading.GRADES))
changes = st.one_of(st.none(), st.integers(-650, 650))
states = st.sampled_from(["active", "frozen", "cleared", "closed"])


def capped(grade, score_change=None, line_state="active", lender_cut=False):
    return grading.grade_capped(
        grade=grade, reason="steady", score_change=score_change, line_state=line_state, lender_cut=lender_cut
    )[0]


def rank(grade):
    return grading.GRADES.index(grade)


# --- the rule ----------------------------------------------------------------------------------


@given(grade=grades, score_change=changes, line_state=states, lender_cut=st.booleans())
def test_a_cap_never_makes_a_grade_better(grade, score_change, line_state, lender_cut):
    assert rank(capped(grade, score_change, line_state, lender_cut)) >= rank(grade)


@given(grade=grades, first=st.integers(-650, 650), second=st.integers(-650, 650), line_state=states)
def test_the_grade_is_monotone_in_the_score_change(grade, first, second, line_state):
    worse_change, better_change = sorted([first, second])
    assert rank(capped(grade, worse_change, line_state)) >= rank(capped(grade, better_change, line_state))


@given(grade=grades, score_change=changes)
def test_a_cut_this_month_caps_the_grade_at_c(grade, score_change):
    assert rank(capped(grade, score_change, lender_cut=True)) >= rank("C")


@given(grade=grades, score_change=changes, lender_cut=st.booleans())
def test_a_frozen_line_is_d_at_best_and_a_cleared_one_e(grade, score_change, lender_cut):
    assert rank(capped(grade, score_change, "frozen", lender_cut)) >= rank("D")
    assert capped(grade, score_change, "cleared", lender_cut) == "E"


@given(fall=st.integers(60, 650))
def test_a_fall_of_sixty_points_or_more_is_never_better_than_d(fall):
    assert capped("A", -fall) == "D"


@given(
    kind=st.sampled_from(["voluntary_reduction", "voluntary_pause", "voluntary_closure", "restoration", "opening"]),
    new_status=states,
)
def test_the_borrowers_own_change_never_counts_against_them(kind, new_status):
    assert not grading.is_lender_cut(kind=kind, previous_limit=50000, new_limit=0, new_status=new_status)


@given(
    score_change=changes,
    kind=st.sampled_from(["risk_reduction", "core_sync", "clearance"]),
    new_limit=st.integers(0, 49_999),
)
def test_a_report_with_a_lender_cut_in_its_month_is_c_at_best(score_change, kind, new_limit):
    cut = {"date": "2026-11-28", "kind": kind, "previous": "50000.00", "new": str(new_limit), "reasons": []}
    cut["adverse"] = grading.is_lender_cut(kind=kind, previous_limit=Decimal(50000), new_limit=Decimal(new_limit))
    columns, _snapshot = services.health_report_compute(
        month=NOVEMBER,
        as_of=RUN_AT.date(),
        accounts=[(1, Decimal(new_limit), Decimal(0), "CNY")],
        scores=[(date(2026, 11, 15), 800)],
        installments=[],
        changes=[cut],
        appeals=NO_APPEALS,
    )
    assert rank(columns["grade"]) >= rank("C")


# --- golden reports: November 2026, made on 1 December ------------------------------------------


def falling_borrower(language, *, fall=64, limit="50000.00", balance="5000.00"):
    """Scores from 760 down by ``fall`` points over December 2025 … November 2026, a tenth of the
    limit in use and nothing due: on the figures alone the grade would be B."""
    borrower = BorrowerFactory(preferred_language=language)
    account = credit_account(
        customer=borrower.customer,
        credit_limit=limit,
        outstanding_balance=balance,
        opened_at=RUN_AT - timedelta(days=500),
    )
    months = [(2025, 12)] + [(2026, month) for month in range(1, 12)]
    CreditScore.objects.bulk_create(
        CreditScore(
            account=account,
            score=760 - round(fall * index / 11),
            scored_at=datetime(year, month, 15, 12, tzinfo=SHANGHAI),
        )
        for index, (year, month) in enumerate(months)
    )
    return borrower, account


def november_report(borrower):
    services.health_reports_generate(user_ids=[borrower.pk], month=NOVEMBER, now=RUN_AT)
    return HealthReport.objects.get(user=borrower, month=NOVEMBER)


def report_page(client, borrower, report):
    client.force_login(borrower)
    return client.get(reverse("health_report_detail", args=[report.pk])).content.decode()


@pytest.fixture
def december_first(time_machine):
    time_machine.move_to(RUN_AT, tick=False)


GOLDEN_FALL = {
    "en": ["Report for Nov 2026", "Overall: D — Needs attention", "Your credit score fell noticeably"],
    "zh-hans": ["2026年11月报告", "综合等级：D —— 需要关注", "2026年11月您的额度没有变化。"],
}


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_64_point_score_fall_is_not_graded_good(client, december_first, language):
    borrower, _account = falling_borrower(language)

    report = november_report(borrower)

    assert (report.score_change, report.grade, report.snapshot["reason"]) == (-64, "D", "score_falling")
    page = report_page(client, borrower, report)
    for text in GOLDEN_FALL[language]:
        assert text in page
    assert "Good, with room to improve" not in page and "良好，仍有提升空间" not in page


GOLDEN_CUT = {
    "en": [
        "Report for Nov 2026",
        "Covers 1 Nov 2026 to 30 Nov 2026, made on 1 Dec 2026.",
        "Your account in Nov 2026",
        "28 Nov 2026: lowered after a risk review — ¥50,000.00 → ¥35,000.00",
        "We lowered your limit this month after a risk review.",
    ],
    "zh-hans": [
        "2026年11月报告",
        "统计期间：2026年11月1日 至 2026年11月30日，生成于 2026年12月1日。",
        "2026年11月账户情况",
        "¥50,000.00 → ¥35,000.00",
        "经风险审查，我们在本月调低了您的额度。",
    ],
}


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_cut_on_28_november_shows_in_novembers_report_made_on_1_december(client, december_first, language):
    borrower, account = falling_borrower(language, fall=0)
    limit_change_apply(
        account=account,
        kind=LimitChange.Kind.RISK_REDUCTION,
        new_limit="35000.00",
        reason_codes=["score_drop"],
        decided_by=LimitChange.DecidedBy.POLICY,
        effective_at=CUT_AT,
    )

    report = november_report(borrower)

    assert report.snapshot["credit_limit"] == "35000.00"
    assert [(change["date"], change["adverse"]) for change in report.snapshot["limit_changes"]] == [
        ("2026-11-28", True)
    ]
    assert (report.grade, report.snapshot["reason"]) == ("C", "limit_cut")
    assert report.snapshot["tips"][:2] == ["what-moves-a-credit-score", "how-to-appeal-a-decision"]
    page = report_page(client, borrower, report)
    for text in GOLDEN_CUT[language]:
        assert text in page
    assert "did not change" not in page and "没有变化" not in page


@pytest.mark.django_db
def test_the_borrowers_own_reduction_does_not_lower_the_grade(december_first):
    borrower, account = falling_borrower("en", fall=0)
    limit_change_apply(
        account=account,
        kind=LimitChange.Kind.VOLUNTARY_REDUCTION,
        new_limit="20000.00",
        decided_by=LimitChange.DecidedBy.BORROWER,
        effective_at=CUT_AT,
    )

    report = november_report(borrower)

    assert report.snapshot["limit_changes"][0]["adverse"] is False
    assert report.grade in "AB"
    assert "how-to-appeal-a-decision" not in report.snapshot["tips"]


@pytest.mark.django_db
def test_a_change_after_the_month_is_left_to_the_next_report(december_first):
    borrower, account = falling_borrower("en", fall=0)
    limit_change_apply(
        account=account,
        kind=LimitChange.Kind.RISK_REDUCTION,
        new_limit="35000.00",
        reason_codes=["score_drop"],
        decided_by=LimitChange.DecidedBy.POLICY,
        effective_at=datetime(2026, 12, 1, 8, 0, tzinfo=SHANGHAI),
    )

    report = november_report(borrower)

    assert (report.snapshot["limit_changes"], report.snapshot["credit_limit"]) == ([], "50000.00")


GOLDEN_CLEARED = {
    "en": ["Overall: E — Needs attention now", "Your line has been cleared: its limit is zero"],
    "zh-hans": ["综合等级：E —— 需要立即关注", "您的账户已被清退：额度为零"],
}


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_cleared_line_is_graded_and_advised_for_what_it_is(client, december_first, language):
    borrower, account = falling_borrower(language, fall=0)
    limit_change_apply(
        account=account,
        kind=LimitChange.Kind.CLEARANCE,
        new_limit="0.00",
        new_status="cleared",
        reason_codes=["fraud_suspicion"],
        decided_by=LimitChange.DecidedBy.STAFF,
        decided_by_user=StaffFactory(),
        effective_at=CUT_AT,
    )

    report = november_report(borrower)

    assert (report.grade, report.snapshot["reason"], report.snapshot["line_state"]) == ("E", "line_cleared", "cleared")
    assert report.snapshot["tips"][:2] == ["spotting-loan-fraud", "how-to-appeal-a-decision"]
    page = report_page(client, borrower, report)
    for text in GOLDEN_CLEARED[language]:
        assert text in page


@pytest.mark.django_db
def test_a_line_frozen_before_the_month_is_still_graded_frozen(december_first):
    borrower, account = falling_borrower("en", fall=0)
    limit_change_apply(
        account=account,
        kind=LimitChange.Kind.RISK_FREEZE,
        new_status="frozen",
        reason_codes=["linked_overdue"],
        decided_by=LimitChange.DecidedBy.POLICY,
        effective_at=datetime(2026, 10, 20, 10, 0, tzinfo=SHANGHAI),
    )

    report = november_report(borrower)

    assert (report.grade, report.snapshot["reason"], report.snapshot["limit_changes"]) == ("D", "line_frozen", [])


# --- a finished month ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_month_still_running_gets_no_report(time_machine):
    time_machine.move_to(datetime(2026, 12, 3, 10, 0, tzinfo=SHANGHAI), tick=False)
    borrower, _account = falling_borrower("en")

    with pytest.raises(PortalError) as refused:
        services.health_reports_generate(user_ids=[borrower.pk], month=date(2026, 12, 1))

    assert refused.value.code == "month_not_finished"
    assert not HealthReport.objects.exists()


@pytest.mark.django_db
def test_three_days_into_december_the_report_is_novembers(time_machine):
    time_machine.move_to(datetime(2026, 12, 3, 10, 0, tzinfo=SHANGHAI), tick=False)
    borrower, _account = falling_borrower("en")

    report = services.health_report_generate(user=borrower)

    assert services.report_month_current() == NOVEMBER
    assert (report.month, report.snapshot["as_of"]) == (NOVEMBER, "2026-12-01")
