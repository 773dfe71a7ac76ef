"""A risk analyst follows the policy runs in the admin: after the beat job, each run shows the
signals it covered, the accounts it looked at and picked, its chunks done and its decisions; a
chunk given up after failing again and again says why, and the analyst queues it again."""

from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.utils import timezone, translation

from accounts.models import PolicyVersion, RiskEvaluationRun
from accounts.models.risk import CHUNK_MAX_REQUEUES
from accounts.risk import services as risk
from accounts.tasks import risk_policy_evaluate
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import CHINESE, ENGLISH, expect
from tests.factories import PASSWORD, BorrowerFactory, RiskSignalFactory, StaffFactory, credit_account, score_history

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

RUNS = "/admin/accounts/riskevaluationrun/"


def analyst_at_the_runs(open_visitor, language):
    """A risk analyst with an authenticator app signs in and lands on the policy runs."""
    analyst = StaffFactory(group="Risk analyst", mfa=False, preferred_language=language)
    # A secret of its own: parallel test workers share the Redis cache, where allauth marks a code
    # used per user id, and another worker's user with the same id and secret would spend it.
    secret = generate_totp_secret()
    TOTP.activate(analyst, secret)
    staff = open_visitor(language)
    staff.goto(RUNS)  # the admin's own sign-in page, then the portal's two-factor step
    staff.page.locator("#id_login").fill(analyst.email)
    staff.page.locator("#id_password").fill(PASSWORD)
    staff.click_to_navigate(staff.page.get_by_role("button", name=staff.t("Sign in"), exact=True))
    staff.page.locator("#id_code").fill(format_hotp_value(hotp_value(secret, int(timezone.now().timestamp()) // 30)))
    staff.click_to_navigate(staff.page.get_by_role("button", name=staff.t("Sign In"), exact=True))
    staff.expect_path(RUNS)
    return staff


def plural(language, singular, plural_form, count):
    with translation.override(language):
        return translation.ngettext(singular, plural_form, count) % {"count": count}


def test_a_risk_analyst_reads_the_policy_runs(open_visitor):
    falling, steady = (credit_account(customer=BorrowerFactory().customer) for _index in range(2))
    score_history(falling, [760, 690])
    score_history(steady, [740, 742])
    RiskSignalFactory(account=falling, kind="score_update", value="690")
    RiskSignalFactory(account=steady, kind="score_update", value="742")
    risk_policy_evaluate.delay().get()  # eager in tests: the run and its chunk task both run
    run = RiskEvaluationRun.objects.get()

    staff = analyst_at_the_runs(open_visitor, ENGLISH)

    row = staff.page.locator("#result_list tbody tr")
    expect(row).to_have_count(1)
    # Signals 1–2 (the ids of this test's signals), both accounts looked at, the falling one picked.
    expect(row).to_contain_text(f"{run.after_signal_id + 1:,}–{run.through_signal_id:,}")
    expect(row.locator(".field-accounts_seen")).to_have_text("2")  # accounts with new signals
    expect(row.locator(".field-accounts_picked")).to_have_text("1")  # accounts the policy may act on
    expect(row.locator(".field-chunks_done")).to_have_text("1 / 1")  # chunks done
    expect(row.locator(".field-decisions")).to_have_text("1")  # decisions (a warning: the baseline warns first)


def test_a_risk_analyst_queues_a_given_up_chunk_again(open_visitor):
    account = credit_account(customer=BorrowerFactory().customer)
    RiskSignalFactory(account=account, kind="linked_overdue", value="90")  # the policy would freeze the line
    run = risk.risk_evaluation_run_start()
    error = "OperationalError: could not connect to the core system"
    # Where the beat job leaves a chunk whose every attempt failed.
    run.chunks.update(requeues=CHUNK_MAX_REQUEUES, queued_at=timezone.now() - timedelta(minutes=11), last_error=error)

    staff = analyst_at_the_runs(open_visitor, CHINESE)
    row = staff.page.locator("#result_list tbody tr")
    given_up = plural(CHINESE, "%(count)s given up", "%(count)s given up", 1)
    expect(row.locator(".field-chunks_done")).to_have_text(f"0 / 1 · {given_up}")

    staff.click_to_navigate(row.locator("th a"))  # the run's page says why
    expect(staff.page.locator(".field-given_up_chunks")).to_contain_text(error)
    staff.page.screenshot(path=ARTIFACTS / "policy-run-given-up-chunk.png", full_page=True)
    staff.goto(RUNS)

    staff.page.locator("#result_list input.action-select").check()
    staff.page.locator("select[name=action]").select_option("retry_given_up_chunks")
    staff.click_to_navigate(staff.page.locator("button[name=index]"))  # the chunk's task runs on commit
    expect(staff.page.locator(".messagelist .success")).to_have_text(
        plural(
            CHINESE,
            "Queued %(count)s chunk again: workers decide it now.",
            "Queued %(count)s chunks again: workers decide them now.",
            1,
        )
    )
    expect(row.locator(".field-chunks_done")).to_have_text("1 / 1")
    expect(row.locator(".field-decisions")).to_have_text("1")  # the freeze, now waiting for approval
    staff.page.screenshot(path=ARTIFACTS / "policy-run-chunk-queued-again.png", full_page=True)


def _shots(staff, name):
    for width in (390, 1280):
        staff.page.set_viewport_size({"width": width, "height": 900})
        staff.page.screenshot(path=ARTIFACTS / f"staff-{name}-{staff.language}-{width}.png", full_page=True)
    staff.page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.parametrize("language", [CHINESE, ENGLISH])
def test_a_run_opens_on_its_own_page_and_the_report_on_today(open_visitor, language):
    """Issue 16 (6): from the list to the run's page (its chunks and decisions), and the daily
    report on today so far with the day before beside it and a link to the approval queue."""
    account = credit_account(customer=BorrowerFactory().customer)
    RiskSignalFactory(account=account, kind="linked_overdue", value="90")  # a freeze waits for approval
    PolicyVersion.objects.active().update(warn_before_cut=False)
    falling = credit_account(customer=BorrowerFactory().customer)
    score_history(falling, [760, 690])
    RiskSignalFactory(account=falling, kind="score_update", value="690")  # a 30% cut, applied at once
    decision, cut = sorted(risk.risk_evaluation_run(), key=lambda made: made.kind != "freeze")

    staff = analyst_at_the_runs(open_visitor, language)
    _shots(staff, "policy-runs")
    staff.click_to_navigate(staff.page.locator("#result_list tbody tr th a"))
    expect(staff.page.locator(".policy-run-decisions")).to_contain_text(account.external_id)
    expect(staff.page.locator(".policy-run-chunks tbody tr")).to_have_count(1)
    _shots(staff, "policy-run")

    staff.goto("/admin/risk-report/")
    expect(staff.page.locator(".risk-report")).to_contain_text(staff.t("Today so far"))
    expect(staff.page.locator(".risk-report")).to_contain_text(staff.t("The day before"))
    _shots(staff, "risk-report")
    staff.click_to_navigate(staff.page.locator(".risk-report-waiting a").first)
    expect(staff.page.locator("#result_list tbody tr")).to_have_count(1)
    assert decision.account.external_id in staff.page.content()

    # Issue 16 (3): the cut's page carries its decision record (as the limit change's does).
    staff.goto(f"/admin/accounts/riskdecision/{cut.pk}/change/")
    expect(staff.page.locator(".decision-record")).to_contain_text(staff.t("Credit score fell from its high"))
    expect(staff.page.locator(".decision-record")).to_contain_text("¥50,000.00 → ¥35,000.00")
    _shots(staff, "risk-decision-record")
