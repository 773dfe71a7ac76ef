"""Stress tests: a policy version run against the book under a shock, writing nothing to the book,
with its result kept with the version and shown on the version's page."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import CreditAccount, PolicyVersion, StressTest
from accounts.risk.stress import selectors as stress_selectors
from accounts.risk.stress import services as stress
from accounts.risk.stress.engine import Shock, in_overdue_share
from accounts.risk.stress.selectors import DEFAULT_APPEAL_RATE
from portal.exceptions import PortalError
from portal.models import AuditEvent
from tests.factories import (
    BorrowerFactory,
    RiskSignalFactory,
    SegmentRuleFactory,
    SegmentSetFactory,
    StaffFactory,
    credit_account,
    score_history,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English; the catalogue's default language is Chinese."""
    with translation.override("en"):
        yield


@pytest.fixture
def analyst():
    return StaffFactory(group="Risk analyst", preferred_language="en")


@pytest.fixture
def segment_set():
    """New customers (under 90 days) and everyone else."""
    segment_set = SegmentSetFactory(status="active")
    SegmentRuleFactory(segment_set=segment_set, position=1, key="new", label="New customers", max_tenure_days=90)
    SegmentRuleFactory(segment_set=segment_set, position=2, key="rest", label="Everyone else")
    return segment_set


@pytest.fixture
def book(segment_set):
    """Four active lines of 10,000 (two new with a score 10 under their high, one seasoned 10
    under, one seasoned steady at its high) and a line without limit, which no policy acts on."""
    seasoned = timezone.now() - timedelta(days=400)
    accounts = {
        "new_a": credit_account(credit_limit="10000.00"),
        "new_b": credit_account(credit_limit="10000.00"),
        "old_fall": credit_account(credit_limit="10000.00", opened_at=seasoned),
        "old_steady": credit_account(credit_limit="10000.00", opened_at=seasoned),
        "no_limit": credit_account(credit_limit="0.00", opened_at=seasoned),
    }
    for name in ("new_a", "new_b", "old_fall"):
        score_history(accounts[name], [760, 750], days_apart=10)
    score_history(accounts["old_steady"], [760, 760], days_apart=10)
    RiskSignalFactory(account=accounts["old_fall"], kind="borrowing_frequency", value="3")
    return accounts


@pytest.fixture
def draft(analyst):
    """A stricter draft: cuts 40 % for a fall alone, 60 % for new customers, no warning first."""
    return PolicyVersion.objects.create(
        name="Stricter",
        base_cut_percent=40,
        warn_before_cut=False,
        segment_overrides={"new": {"base_cut_percent": 60}},
        created_by=analyst,
    )


def start(policy, actor, **shock):
    return stress.stress_test_start(
        policy=policy,
        actor=actor,
        **{"score_shock_points": 40, "overdue_share_percent": "0", "macro_tightening": False, **shock},
    )


def run(stress_test, **kwargs):
    return stress.stress_test_run(stress_test_id=stress_test.pk, **kwargs)


def book_counts():
    """Rows in every table of the portal except the stress tests' own."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model is not StressTest and model._meta.managed
    }


def test_the_stress_test_projects_decisions_by_segment_against_the_version_in_force(book, draft, analyst):
    stress_test = run(start(draft, analyst))

    assert stress_test.status == StressTest.Status.DONE
    result = stress_test.result
    assert result["accounts"] == 4
    candidate, baseline = result["candidate"], result["baseline"]
    assert (candidate["label"], baseline["label"]) == (draft.label, PolicyVersion.objects.active().get().label)
    # 10 points under the high, then 40 more: a 50-point fall cuts the three that fell.
    assert candidate["by_segment"]["new"]["reduction"] == 2
    assert candidate["by_segment"]["new"]["limit_removed"] == "12000.00"  # 60 % of two 10,000 lines
    assert candidate["by_segment"]["rest"]["reduction"] == 1
    assert candidate["by_segment"]["rest"]["limit_removed"] == "4000.00"
    assert candidate["total"]["accounts"] == 4
    # The steady account falls 40 points: a warning only, under both versions.
    assert candidate["by_segment"]["rest"]["watch"] == 1
    assert candidate["total"]["notices"] == 4
    # The baseline warns first (a notice now) and cuts 30 % at the next evaluation (another).
    assert baseline["total"]["watch"] == 4
    assert baseline["total"]["cut_after_warning"] == 3
    assert baseline["total"]["limit_removed"] == "9000.00"
    assert baseline["total"]["notices"] == 7
    assert result["assumptions"]["appeal_rate_source"] == "default"
    assert candidate["total"]["expected_appeals"] == str((3 * DEFAULT_APPEAL_RATE).quantize(Decimal("0.1")))
    assert [segment["key"] for segment in result["segments"]] == ["new", "rest"]


def test_the_stress_test_writes_nothing_to_the_book(book, draft, analyst):
    stress_test = start(draft, analyst, overdue_share_percent="100", macro_tightening=True)
    before = book_counts()
    accounts_before = list(
        CreditAccount.objects.order_by("pk").values_list("pk", "credit_limit", "status", "updated_at")
    )

    run(stress_test)

    assert book_counts() == before
    assert list(CreditAccount.objects.order_by("pk").values_list("pk", "credit_limit", "status", "updated_at")) == (
        accounts_before
    )
    assert StressTest.objects.get(pk=stress_test.pk).result["candidate"]["total"]["reduction"] > 0


def test_linked_overdue_for_a_share_and_macro_tightening_bring_in_the_other_factors(book, draft, analyst):
    result = run(start(draft, analyst, score_shock_points=0, overdue_share_percent="100", overdue_days=90)).result
    # A 90-day linked overdue freezes every line with a limit.
    assert result["candidate"]["total"]["freeze"] == 4
    assert result["candidate"]["total"]["limit_frozen"] == "40000.00"


def test_the_overdue_share_picks_the_stated_share_of_accounts():
    shock = Shock(score_points=0, overdue_share_percent=Decimal("12.5"), overdue_days=30, macro_tightening=False)
    picked = sum(in_overdue_share(account_id, shock) for account_id in range(1, 20_001))
    assert picked == 2_500


@pytest.mark.parametrize(
    ("shock", "field"),
    [
        ({"score_shock_points": 301}, "score_shock_points"),
        ({"score_shock_points": -1}, "score_shock_points"),
        ({"score_shock_points": "forty"}, "score_shock_points"),
        ({"score_shock_points": 12.5}, "score_shock_points"),
        ({"overdue_share_percent": "100.01"}, "overdue_share_percent"),
        ({"overdue_share_percent": "-1"}, "overdue_share_percent"),
        ({"overdue_share_percent": "NaN"}, "overdue_share_percent"),
        ({"overdue_days": 0}, "overdue_days"),
        ({"overdue_days": 366}, "overdue_days"),
    ],
)
def test_a_shock_outside_sane_bounds_is_refused_and_nothing_is_written(draft, analyst, shock, field):
    events = AuditEvent.objects.count()
    with pytest.raises(PortalError) as refused:
        start(draft, analyst, **shock)
    assert refused.value.field == field
    assert not StressTest.objects.exists()
    assert AuditEvent.objects.count() == events


def test_a_retired_version_is_refused(draft, analyst):
    PolicyVersion.objects.filter(pk=draft.pk).update(status="retired")
    with pytest.raises(PortalError, match="retired"):
        start(draft, analyst)
    assert not StressTest.objects.exists()


def test_staff_without_permission_cannot_start_a_stress_test(draft):
    with pytest.raises(PortalError) as refused:
        start(draft, StaffFactory(group="Supervisor"))
    assert refused.value.code == "forbidden"
    assert not StressTest.objects.exists()


def test_starting_a_stress_test_is_audited_and_queued_after_commit(
    book, draft, analyst, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        stress_test = start(draft, analyst, score_shock_points=40, overdue_share_percent="12.50")
    assert len(callbacks) == 1
    event = AuditEvent.objects.get(action="stress_test.started")
    assert event.actor == analyst
    assert event.after["score_shock_points"] == 40
    assert event.after["overdue_share_percent"] == "12.50"
    stress_test.refresh_from_db()  # the (eager) task has run it
    assert stress_test.status == StressTest.Status.DONE


def test_progress_is_saved_after_each_chunk(book, draft, analyst):
    stress_test = start(draft, analyst)
    seen = []

    stress.stress_test_compute(stress_test=stress_test, now=timezone.now(), chunk_size=3, progress=seen.append)
    run(stress_test, chunk_size=3)

    assert seen == [3, 4]
    stress_test.refresh_from_db()
    assert (stress_test.accounts_done, stress_test.accounts_total, stress_test.progress_percent) == (4, 4, 100)


def test_a_failed_run_is_marked_with_its_error(book, draft, analyst, monkeypatch):
    stress_test = start(draft, analyst)

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(stress, "stress_test_compute", broken)
    with pytest.raises(RuntimeError):
        run(stress_test)
    stress_test.refresh_from_db()
    assert stress_test.status == StressTest.Status.FAILED
    assert "database went away" in stress_test.error


def test_a_finished_stress_test_is_not_run_again(book, draft, analyst, monkeypatch):
    stress_test = run(start(draft, analyst))
    monkeypatch.setattr(stress, "stress_test_compute", lambda **kwargs: pytest.fail("ran again"))
    assert run(stress_test).status == StressTest.Status.DONE


def test_the_result_is_shown_on_the_policy_versions_approval_page(client, book, draft, analyst):
    run(start(draft, analyst))
    client.force_login(analyst)
    page = client.get(reverse("admin:accounts_policyversion_change", args=[draft.pk])).content.decode()
    assert page.count("<h1") == 1
    assert "New customers" in page
    assert "¥12,000.00" in page  # removed from new customers by the draft
    assert reverse("admin:accounts_stresstest_start", args=[draft.pk]) in page


def test_an_analyst_starts_a_stress_test_from_the_form(client, book, draft, analyst):
    client.force_login(analyst)
    url = reverse("admin:accounts_stresstest_start", args=[draft.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"score_shock_points": "40", "overdue_share_percent": "5", "overdue_days": "30"})
    stress_test = StressTest.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("admin:accounts_stresstest_change", args=[stress_test.pk])
    assert (stress_test.score_shock_points, stress_test.overdue_share_percent) == (40, Decimal("5.00"))


def test_the_form_refuses_a_shock_outside_its_bounds_and_writes_nothing(client, draft, analyst):
    client.force_login(analyst)
    response = client.post(
        reverse("admin:accounts_stresstest_start", args=[draft.pk]),
        {"score_shock_points": "400", "overdue_share_percent": "5", "overdue_days": "30"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["score_shock_points"]
    assert 'aria-describedby="id_score_shock_points_errors"' in response.content.decode()
    assert not StressTest.objects.exists()


def test_the_form_shows_why_a_retired_version_is_refused(client, draft, analyst):
    PolicyVersion.objects.filter(pk=draft.pk).update(status="retired")
    client.force_login(analyst)
    response = client.post(
        reverse("admin:accounts_stresstest_start", args=[draft.pk]),
        {"score_shock_points": "40", "overdue_share_percent": "5", "overdue_days": "30"},
    )
    assert "retired" in str(response.context["form"].non_field_errors())
    assert not StressTest.objects.exists()


def test_staff_without_permission_cannot_open_the_form(client, draft):
    client.force_login(StaffFactory(group="Supervisor"))
    assert client.get(reverse("admin:accounts_stresstest_start", args=[draft.pk])).status_code == 403


def test_the_stress_test_list_shows_progress_in_a_bounded_number_of_queries(
    client, draft, analyst, django_assert_max_num_queries
):
    for _ in range(4):
        StressTest.objects.create(
            policy_version=draft,
            score_shock_points=40,
            overdue_share_percent=0,
            created_by=analyst,
            status="running",
            accounts_total=1000,
            accounts_done=250,
        )
    client.force_login(analyst)
    with django_assert_max_num_queries(15):
        page = client.get(reverse("admin:accounts_stresstest_changelist"))
    assert "250 of 1,000 accounts (25 %)" in page.content.decode()
    client.force_login(StaffFactory(group="Risk analyst", preferred_language="zh-hans"))
    assert (
        "1,000 个账户中已完成 250 个（25 %）"
        in client.get(reverse("admin:accounts_stresstest_changelist")).content.decode()
    )


def test_expected_appeals_use_the_last_years_appeal_rate_once_there_is_enough_history(monkeypatch):
    from tests.appeals.conftest import file_appeal, reduction

    monkeypatch.setattr(stress_selectors, "APPEAL_RATE_MIN_BASIS", 4)
    borrowers = [BorrowerFactory() for _ in range(4)]
    changes = [reduction(borrower.customer) for borrower in borrowers]
    assert stress_selectors.appeal_rate_estimate(now=timezone.now()) == (Decimal("0.0000"), "past_decisions", 4)

    file_appeal(borrowers[0], changes[0])

    assert stress_selectors.appeal_rate_estimate(now=timezone.now()) == (Decimal("0.2500"), "past_decisions", 4)


def test_expected_appeals_fall_back_to_the_stated_default_without_enough_history():
    assert stress_selectors.appeal_rate_estimate(now=timezone.now()) == (DEFAULT_APPEAL_RATE, "default", 0)
