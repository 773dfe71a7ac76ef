"""A risk analyst follows the policy runs in the admin: after the beat job, each run shows the
signals it covered, the accounts it looked at and picked, its chunks done and its decisions; a
chunk given up after failing again and again says why, and the analyst queues it again."""

from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.utils import timezone, translation

from accounts.models import RiskEvaluationRun
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
    staff.goto(RUNS)  # the admin sends staff through the portal's login (MFA applies)
    staff.sign_in(analyst.email, PASSWORD)
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
