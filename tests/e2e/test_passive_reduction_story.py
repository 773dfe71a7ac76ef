"""A limit lowered without the borrower asking, in a real browser, in both languages. The policy
warns first; when the score stays low at the next evaluation it cuts, and the borrower reads why,
what they can do and until when they can appeal: on the dashboard, in the notice, in the limit
history and by email. A freeze that needs a second person's approval changes nothing the
borrower sees until a supervisor approves it."""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.text import capfirst

from accounts.models import CreditAccount, LimitChange, PolicyVersion, ReasonCode, RiskDecision
from accounts.risk.services import risk_decision_approve
from accounts.tasks import risk_policy_evaluate
from portal.models import Notification
from tests.e2e.helpers import CHINESE, ENGLISH, expect, nt, t
from tests.factories import (
    PASSWORD,
    BorrowerFactory,
    RiskSignalFactory,
    StaffFactory,
    credit_account,
    score_history,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _borrower_with_account(language):
    borrower = BorrowerFactory(preferred_language=language)
    account = credit_account(customer=borrower.customer, credit_limit="50000.00", outstanding_balance="12000.00")
    return borrower, account


def _run_policy_job():
    """The beat job, run as Celery would (eagerly in tests); it must find this one account."""
    assert risk_policy_evaluate.delay().get() == 1


def _label(language, choice):
    with translation.override(language):
        return str(choice.label)


def _when(language, moment):
    """A date and time as the portal writes it for ``language`` (local time, DATETIME_FORMAT)."""
    with translation.override(language):
        return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _account_card(visitor, account):
    return visitor.page.locator(f"section[aria-labelledby='account-{account.pk}-heading']")


def _figure(card, label):
    """The value the card lists next to ``label`` (a <dt> and its <dd>)."""
    term = card.locator("dt").filter(has_text=re.compile(rf"^\s*{re.escape(label)}\s*$"))
    return term.locator("xpath=following-sibling::dd[1]")


def _notices_link(visitor):
    navigation = visitor.page.get_by_role("navigation", name=visitor.t("Main"))
    return navigation.get_by_role("link", name=visitor.t("Notices"))


def _expect_unread(visitor, count):
    """The header's Notices link shows ``count`` unread (no badge at all for none)."""
    badge = _notices_link(visitor).locator(".badge")
    if count:
        expect(badge).to_have_text(f"{count} {visitor.t('unread')}")
    else:
        expect(badge).to_have_count(0)


def _expect_figures(visitor, account, *, limit, available, status):
    card = _account_card(visitor, account)
    expect(_figure(card, visitor.t("Credit limit"))).to_have_text(limit)
    # What can be borrowed now leads the card, as a headline labelled by its caption.
    expect(card.get_by_label(visitor.t("You can borrow now"))).to_have_text(available)
    expect(card.locator(".badge")).to_have_text(capfirst(_label(visitor.language, status)))


# One user story from start to finish in one browser session, as the person lives it; cut into
# parts it would repeat the sign-in and setup and lose the story (hence longer than 60 lines).
@pytest.mark.parametrize("language", [CHINESE, ENGLISH])
def test_a_score_fall_first_warns_then_lowers_the_limit_with_reasons_and_an_appeal_deadline(
    open_visitor, mailoutbox, language
):
    borrower, account = _borrower_with_account(language)
    score_history(account, [750, 752, 748, 745, 690])
    policy = PolicyVersion.objects.active().get()
    assert policy.warn_before_cut
    assert policy.base_cut_percent == 30
    reason = ReasonCode.objects.get(code="score_drop")
    reason_title, remedy = (
        (reason.title_zh, reason.remedy_zh) if language == CHINESE else (reason.title_en, reason.remedy_en)
    )

    # 1. Sign in through the real form: the dashboard shows the line as it is.
    visitor = open_visitor(language)
    visitor.sign_in(borrower.email, PASSWORD)
    visitor.expect_path("/")
    visitor.expect_language(language)
    expect(visitor.heading()).to_have_text(visitor.t("My dashboard"))
    _expect_figures(visitor, account, limit="¥50,000.00", available="¥38,000.00", status=CreditAccount.Status.ACTIVE)
    _expect_unread(visitor, 0)

    # 2. The score falls: the first evaluation only warns. Nothing changes but a heads-up.
    RiskSignalFactory(account=account, kind="score_update", value="690")
    _run_policy_job()
    assert list(RiskDecision.objects.filter(account=account).values_list("kind", "status")) == [
        (RiskDecision.Kind.WATCH, RiskDecision.Status.WARNED)
    ]
    heads_up = visitor.t("A heads-up about your credit line")
    visitor.goto("/")
    _expect_figures(visitor, account, limit="¥50,000.00", available="¥38,000.00", status=CreditAccount.Status.ACTIVE)
    _expect_unread(visitor, 1)
    visitor.click_to_navigate(_notices_link(visitor))
    visitor.expect_path("/notifications/")
    expect(visitor.page.get_by_role("heading", level=2, name=heads_up)).to_be_visible()

    # 3. The score stays low at the next evaluation: the limit is cut by 30 %.
    RiskSignalFactory(account=account, kind="score_update", value="688")
    _run_policy_job()
    change = LimitChange.objects.filter(account=account).latest("sequence")
    assert (change.kind, change.new_limit, change.reason_codes) == (
        LimitChange.Kind.RISK_REDUCTION,
        Decimal("35000.00"),
        ["score_drop"],
    )
    appeal_until = _when(language, change.appeal_deadline)

    visitor.goto("/")
    _expect_figures(visitor, account, limit="¥35,000.00", available="¥23,000.00", status=CreditAccount.Status.ACTIVE)
    _expect_unread(visitor, 2)
    expect(
        visitor.page.get_by_role(
            "link", name=nt(language, "All notices (%(counter)s unread)", "All notices (%(counter)s unread)", 2)
        )
    ).to_be_visible()

    # The newest notice, opened from the list, explains the change.
    notice_title = t(language, "Your credit limit changed from %(old)s to %(new)s") % {
        "old": "¥50,000.00",
        "new": "¥35,000.00",
    }
    visitor.click_to_navigate(_notices_link(visitor))
    visitor.expect_path("/notifications/")
    newest = visitor.page.get_by_role("main").get_by_role("article").first
    link = newest.get_by_role("link", name=notice_title, exact=True)
    expect(link).to_have_attribute("href", f"/notifications/{change.notice_id}/")
    visitor.click_to_navigate(link)
    visitor.expect_path(f"/notifications/{change.notice_id}/")
    expect(visitor.heading()).to_have_text(notice_title)
    notice = visitor.page.get_by_role("main").get_by_role("article")
    expect(notice).to_contain_text(t(language, "Limit: %(old)s → %(new)s") % {"old": "¥50,000.00", "new": "¥35,000.00"})
    expect(notice).to_contain_text(t(language, "You can borrow now: %(amount)s") % {"amount": "¥23,000.00"})
    expect(notice).to_contain_text(reason_title)
    expect(notice).to_contain_text(remedy)
    expect(notice).to_contain_text(
        t(
            language,
            "If you disagree, you can appeal this decision until %(deadline)s. We already hold the reasons and "
            "data behind it: you only tell us why you disagree.",
        )
        % {"deadline": appeal_until}
    )
    # Opening it marked it read.
    _expect_unread(visitor, 1)
    assert Notification.objects.get(pk=change.notice_id).read_at is not None

    # The details: the limit history, newest change first, with its reason and the deadline.
    visitor.click_to_navigate(visitor.page.get_by_role("link", name=visitor.t("See the details")))
    visitor.expect_path(f"/credit/{account.pk}/history/")
    expect(visitor.heading()).to_contain_text(visitor.t("Limit history"))
    reduction = visitor.page.get_by_role("main").get_by_role("article").first
    expect(reduction).to_have_accessible_name(_label(language, LimitChange.Kind.RISK_REDUCTION))
    expect(reduction).to_contain_text("¥50,000.00 → ¥35,000.00")
    expect(reduction.locator("ol > li")).to_have_count(1)
    expect(reduction.locator("ol > li strong")).to_have_text(reason_title)
    expect(reduction).to_contain_text(remedy)
    expect(reduction).to_contain_text(
        t(language, "You can appeal this decision until %(deadline)s.") % {"deadline": appeal_until}
    )

    # 4. The emails: the heads-up, then the reduction with its reason, in the borrower's language.
    mine = [message for message in mailoutbox if borrower.email in message.to]
    assert [message.subject for message in mine] == [
        settings.EMAIL_SUBJECT_PREFIX + heads_up,
        settings.EMAIL_SUBJECT_PREFIX + notice_title,
    ]
    assert reason_title in mine[1].body
    assert appeal_until in mine[1].body


@pytest.mark.parametrize("language", [CHINESE, ENGLISH])
def test_a_freeze_changes_nothing_the_borrower_sees_until_a_supervisor_approves_it(open_visitor, language):
    borrower, account = _borrower_with_account(language)

    visitor = open_visitor(language)
    visitor.sign_in(borrower.email, PASSWORD)
    visitor.expect_path("/")
    _expect_figures(visitor, account, limit="¥50,000.00", available="¥38,000.00", status=CreditAccount.Status.ACTIVE)

    # A linked account 90 days overdue: the policy proposes a freeze, which waits for approval.
    RiskSignalFactory(account=account, kind="linked_overdue", value="90")
    _run_policy_job()
    decision = RiskDecision.objects.awaiting_approval().get(account=account)
    assert decision.kind == RiskDecision.Kind.FREEZE

    visitor.goto("/")
    _expect_figures(visitor, account, limit="¥50,000.00", available="¥38,000.00", status=CreditAccount.Status.ACTIVE)
    _expect_unread(visitor, 0)
    expect(visitor.page.get_by_text(visitor.t("No notices yet."), exact=True)).to_be_visible()
    assert not Notification.objects.filter(recipient=borrower).exists()

    # A supervisor approves it (through the service: the staff admin needs a second factor).
    risk_decision_approve(decision=decision, reviewer=StaffFactory(group="Supervisor"), note="ok")

    visitor.goto("/")
    _expect_figures(visitor, account, limit="¥50,000.00", available="¥0.00", status=CreditAccount.Status.FROZEN)
    expect(_account_card(visitor, account).locator(".badge")).to_have_class(re.compile(r"\btext-bg-warning\b"))
    _expect_unread(visitor, 1)
    frozen_title = t(language, "Your credit line is now %(status)s") % {
        "status": _label(language, CreditAccount.Status.FROZEN)
    }
    latest = visitor.page.get_by_role("region", name=visitor.t("Latest notices"))
    expect(latest.get_by_role("link", name=frozen_title, exact=True)).to_be_visible()
