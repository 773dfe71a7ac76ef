"""Every kind of notice is stored as data (issue 15): read in the language it was written in it
says exactly what was sent, and read in the other language it is in that language."""

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone, translation

from accounts.clearance import services as clearance_services
from accounts.closure.services.common import receipt_notice_send
from accounts.models import ClosureRequest, RiskSignal
from accounts.risk import services as risk
from appeals import services as appeals
from education.services import reminders
from portal import services
from portal.models import Notification
from tests.appeals.conftest import file_appeal, reduction
from tests.factories import (
    BorrowerFactory,
    RepaymentInstallmentFactory,
    RiskSignalFactory,
    StaffFactory,
    credit_account,
    score_history,
)

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
OTHER = {"zh-hans": "en", "en": "zh-hans"}


def read(notice, language):
    with translation.override(language):
        return Notification.objects.filter(pk=notice.pk).localised().get()


def appeal_notices(borrower):
    appeal = file_appeal(borrower, reduction(borrower.customer))
    reviewer = StaffFactory(group="Appeals reviewer")
    appeal = appeals.appeal_assign(appeal=appeal, actor=reviewer)
    appeals.appeal_decide(appeal=appeal, actor=reviewer, outcome="upheld", reason="The data is right.")


def warning_notices(borrower):
    watched = credit_account(customer=borrower.customer)
    score_history(watched, [760, 715], days_apart=10)
    RiskSignalFactory(account=watched, kind=RiskSignal.Kind.SCORE_UPDATE, value="715")
    risk.risk_evaluation_run()


def clearance_notices(borrower):
    agent, officer = StaffFactory(group="Support agent"), StaffFactory(group="Compliance officer")
    officer.preferred_language = borrower.preferred_language
    officer.save(update_fields=["preferred_language"])
    case = clearance_services.clearance_propose(
        account=credit_account(customer=borrower.customer),
        actor=agent,
        grounds="agreement_violation",
        evidence=["agreement_clause_cited", "violation_documented"],
        statement="Funds used for securities trading, forbidden by clause 7.",
    )
    clearance_services.clearance_approve(case=case, actor=officer, legal_review_note="Clause 7 applies.")
    return officer


def reminder_notices(borrower):
    account = credit_account(customer=borrower.customer)
    RepaymentInstallmentFactory(account=account, due_date=date(2026, 11, 13), amount_due="1200.00")
    RepaymentInstallmentFactory(account=account, due_date=date(2026, 11, 9), amount_due="900.00", status="overdue")
    reminders.repayment_reminders_send(now=datetime(2026, 11, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))


def identity_notices(borrower):
    services.notification_send(
        recipient=borrower,
        kind="identity_binding_locked",
        template="identity_binding_locked",
        context={"locked_until": timezone.now() + timedelta(minutes=30)},
    )
    services.notification_send(recipient=borrower, kind="identity_bound", template="identity_bound", link="/")


def closure_notices(borrower):
    account = credit_account(customer=borrower.customer, credit_limit="35000.00")
    closure_request = ClosureRequest.objects.create(
        account=account,
        requested_by=borrower,
        kind="lower",
        previous_limit="35000.00",
        target_limit="20000.00",
        reason="other",
        reference="CR-TEST-1",
    )
    for kind in ("closure_submitted", "closure_withdrawn"):
        receipt_notice_send(closure_request, kind=kind, recipient=borrower)
    receipt_notice_send(closure_request, kind="closure_rejected", recipient=borrower, why="The line was frozen.")


FLOWS = [warning_notices, appeal_notices, clearance_notices, reminder_notices, identity_notices, closure_notices]


@time_machine.travel(datetime(2026, 11, 10, 2, 0, tzinfo=UTC), tick=False)
@pytest.mark.parametrize("flow", FLOWS, ids=lambda flow: flow.__name__)
@pytest.mark.parametrize("written_in", ["zh-hans", "en"])
def test_every_notice_reads_as_sent_and_in_the_other_language(flow, written_in):
    borrower = BorrowerFactory(preferred_language=written_in)
    staff = flow(borrower)
    notices = list(Notification.objects.filter(recipient__in=[borrower, staff or borrower], in_centre=True))
    assert notices
    for notice in notices:
        assert notice.template and notice.params is not None, notice.kind
        sent = read(notice, written_in)
        assert (sent.title, sent.body) == (notice.title, notice.body), notice.kind
        other = read(notice, OTHER[written_in])
        assert bool(CJK.search(other.title)) is (OTHER[written_in] == "zh-hans"), (notice.kind, other.title)
        assert other.title != notice.title, notice.kind
