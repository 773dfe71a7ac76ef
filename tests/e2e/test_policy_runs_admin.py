"""A risk analyst follows the policy runs in the admin: after the beat job, each run shows the
signals it covered, the accounts it looked at and picked, its chunks done and its decisions."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.utils import timezone

from accounts.models import RiskEvaluationRun
from accounts.tasks import risk_policy_evaluate
from tests.e2e.helpers import ENGLISH, expect
from tests.factories import PASSWORD, BorrowerFactory, RiskSignalFactory, StaffFactory, credit_account, score_history

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

RUNS = "/admin/accounts/riskevaluationrun/"


def test_a_risk_analyst_reads_the_policy_runs(open_visitor):
    falling, steady = (credit_account(customer=BorrowerFactory().customer) for _index in range(2))
    score_history(falling, [760, 690])
    score_history(steady, [740, 742])
    RiskSignalFactory(account=falling, kind="score_update", value="690")
    RiskSignalFactory(account=steady, kind="score_update", value="742")
    risk_policy_evaluate.delay().get()  # eager in tests: the run and its chunk task both run
    run = RiskEvaluationRun.objects.get()

    secret = "JBSWY3DPEHPK3PXP"
    analyst = StaffFactory(group="Risk analyst", mfa=False, preferred_language=ENGLISH)
    TOTP.activate(analyst, secret)
    staff = open_visitor(ENGLISH, locale="en-US")
    staff.goto(RUNS)  # the admin sends staff through the portal's login (MFA applies)
    staff.sign_in(analyst.email, PASSWORD)
    staff.page.locator("#id_code").fill(format_hotp_value(hotp_value(secret, int(timezone.now().timestamp()) // 30)))
    staff.click_to_navigate(staff.page.get_by_role("button", name="Sign In", exact=True))
    staff.expect_path(RUNS)

    row = staff.page.locator("#result_list tbody tr")
    expect(row).to_have_count(1)
    # Signals 1–2 (the ids of this test's signals), both accounts looked at, the falling one picked.
    expect(row).to_contain_text(f"{run.after_signal_id + 1:,}–{run.through_signal_id:,}")
    cells = row.locator("td")
    expect(cells.nth(2)).to_have_text("2")  # accounts with new signals
    expect(cells.nth(3)).to_have_text("1")  # accounts the policy may act on
    expect(cells.nth(4)).to_have_text("1 / 1")  # chunks done
    expect(cells.nth(5)).to_have_text("1")  # decisions (a warning: the baseline warns first)
