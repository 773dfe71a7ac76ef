"""The review page as a workbench (issue 16, findings 1 and 2): one form per action, each with its
own field and a confirmation naming who will see it; borrower messages and internal notes look
different; the decision form is there without "assign to me", shows the limit to restore and a
preview of the notice, and deciding assigns an unassigned appeal (recusal still holds)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from appeals import services
from appeals.models import Appeal, AppealMessage
from portal.exceptions import PortalError
from portal.models import AuditEvent, Notification
from tests.appeals.conftest import file_appeal, reduction
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

TEXT_ACTIONS = ["request_information", "reply", "note", "extend", "escalate"]


@pytest.fixture
def reviewer(db):
    return StaffFactory(group="Appeals reviewer", preferred_language="en")


def _url(appeal):
    return reverse("admin:appeals_appeal_review", args=[appeal.pk])


def _act(client, appeal, action, text, confirm=True):
    data = {"action": action, f"{action}-body": text}
    if confirm:
        data[f"{action}-confirm"] = "on"
    return client.post(_url(appeal), data)


def _borrower_notices(appeal):
    return Notification.objects.filter(recipient=appeal.submitted_by).count()


def test_each_action_has_its_own_form_field_and_confirmation(client, assigned, reviewer):
    client.force_login(reviewer)
    page = client.get(_url(assigned)).content.decode()
    for action in TEXT_ACTIONS:
        assert f'id="form-{action}"' in page
        assert f'name="{action}-body"' in page and f'name="{action}-confirm"' in page
    assert 'name="body"' not in page  # no shared text box feeding five buttons
    assert page.count("The borrower will see this") >= 2 and page.count("Only staff see this") >= 2


def test_an_internal_note_never_reaches_the_borrower(client, assigned, reviewer):
    client.force_login(reviewer)
    before = _borrower_notices(assigned)
    # The note's text sent with the reply's button (the old one-box mistake) fills no reply.
    response = client.post(_url(assigned), {"action": "reply", "note-body": "Looks like fraud.", "note-confirm": "on"})
    assert response.status_code == 400
    assert not AppealMessage.objects.exists()
    assert _act(client, assigned, "note", "Looks like fraud.").status_code == 302
    message = AppealMessage.objects.get()
    assert message.visibility == AppealMessage.Visibility.INTERNAL
    assert _borrower_notices(assigned) == before
    page = client.get(_url(assigned)).content.decode()
    assert "Internal note: only staff see this" in page and "thread-message-internal" in page


def test_a_reply_is_marked_as_seen_by_the_borrower(client, assigned, reviewer):
    client.force_login(reviewer)
    before = _borrower_notices(assigned)
    assert _act(client, assigned, "reply", "We are checking with the bureau.").status_code == 302
    assert AppealMessage.objects.get().visibility == AppealMessage.Visibility.PUBLIC
    assert _borrower_notices(assigned) == before + 1
    page = client.get(_url(assigned)).content.decode()
    assert "Message to the borrower: the borrower sees this" in page and "thread-message-public" in page


@pytest.mark.parametrize("action", TEXT_ACTIONS)
def test_without_the_confirmation_nothing_changes(client, assigned, reviewer, action):
    client.force_login(reviewer)
    before = (Appeal.objects.values().get(), _borrower_notices(assigned), AuditEvent.objects.count())
    response = _act(client, assigned, action, "Some text.", confirm=False)
    assert response.status_code == 400
    assert "Tick the box to confirm who will see this." in response.content.decode()
    assert (Appeal.objects.values().get(), _borrower_notices(assigned), AuditEvent.objects.count()) == before
    assert not AppealMessage.objects.exists()


def test_an_empty_text_is_refused_with_a_message(client, assigned, reviewer):
    client.force_login(reviewer)
    response = _act(client, assigned, "request_information", "   ")
    assert response.status_code == 400
    assert "Write the text first." in response.content.decode()
    assert Appeal.objects.get().status == Appeal.Status.UNDER_REVIEW


def test_the_decision_form_is_there_before_anyone_is_assigned(client, appeal, reviewer):
    client.force_login(reviewer)
    page = client.get(_url(appeal)).content.decode()
    assert 'name="decide-outcome"' in page
    assert "recording a decision assigns it to you" in page
    assert "¥50,000.00" in page and "¥30,000.00" in page  # the limit to restore, formatted


def test_the_preview_shows_what_the_borrower_will_be_told_and_sends_nothing(client, appeal, reviewer):
    client.force_login(reviewer)
    appeal.submitted_by.preferred_language = "en"
    appeal.submitted_by.save(update_fields=["preferred_language"])
    before = (_borrower_notices(appeal), AuditEvent.objects.count())
    data = {"action": "decide_preview", "decide-outcome": "partly_overturned", "decide-restored_limit": "40000"}
    response = client.post(_url(appeal), {**data, "decide-reason": "The bureau corrected one of two loans."})
    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview["title"] == f"Decision on your appeal {appeal.reference}: partly in your favour"
    assert "The bureau corrected one of two loans." in preview["body"]
    assert "from ¥30,000.00 to ¥40,000.00" in preview["body"]
    assert 'name="decide-confirm" value="on"' in response.content.decode()
    assert (_borrower_notices(appeal), AuditEvent.objects.count()) == before
    assert Appeal.objects.get().status == Appeal.Status.SUBMITTED


def test_a_decision_is_sent_only_once_confirmed_from_the_preview(client, appeal, reviewer):
    client.force_login(reviewer)
    data = {"action": "decide", "decide-outcome": "upheld", "decide-reason": "The data was right."}
    response = client.post(_url(appeal), data)
    assert response.status_code == 400
    assert Appeal.objects.get().status == Appeal.Status.SUBMITTED
    assert client.post(_url(appeal), {**data, "decide-confirm": "on"}).status_code == 302
    appeal.refresh_from_db()
    assert (appeal.status, appeal.assignee, appeal.decided_by) == (Appeal.Status.DECIDED, reviewer, reviewer)
    actions = list(AuditEvent.objects.for_target(appeal).values_list("action", flat=True))
    assert "appeal.assigned" in actions and "appeal.decided" in actions


def test_a_partial_overturn_without_a_limit_is_refused(client, appeal, reviewer):
    client.force_login(reviewer)
    data = {"action": "decide_preview", "decide-outcome": "partly_overturned", "decide-reason": "Some."}
    response = client.post(_url(appeal), data)
    assert response.status_code == 400
    assert "For a partial overturn, give the limit to restore." in response.content.decode()


def test_deciding_an_unassigned_appeal_assigns_it_through_the_service(appeal, reviewer):
    decided = services.appeal_decide(appeal=appeal, actor=reviewer, outcome="upheld", reason="Correct data.")
    assert (decided.status, decided.assignee) == (Appeal.Status.DECIDED, reviewer)
    kinds = list(decided.events.values_list("kind", flat=True))
    assert kinds.index("assigned") < kinds.index("decided")
    # the borrower hears about the decision, not about a hand-over a moment before it
    assert not Notification.objects.filter(recipient=appeal.submitted_by, kind="appeal.under_review").exists()


def test_recusal_still_holds_when_deciding_takes_the_appeal(borrower, reviewer):
    change = reduction(borrower.customer, decided_by="staff", decided_by_user=reviewer)
    appeal = file_appeal(borrower, change)
    with pytest.raises(PortalError, match="took part"):
        services.appeal_decide(appeal=appeal, actor=reviewer, outcome="overturned", reason="Mine.")
    appeal.refresh_from_db()
    assert (appeal.status, appeal.assignee) == (Appeal.Status.SUBMITTED, None)


def test_someone_elses_appeal_cannot_be_decided_and_the_page_says_so(client, assigned):
    colleague = StaffFactory(group="Appeals reviewer", preferred_language="en")
    client.force_login(colleague)
    page = client.get(_url(assigned)).content.decode()
    assert "handles this appeal; only they can decide it." in page
    assert 'name="decide-outcome"' not in page
    data = {"action": "decide", "decide-outcome": "upheld", "decide-reason": "No.", "decide-confirm": "on"}
    assert client.post(_url(assigned), data).status_code == 403
    assert Appeal.objects.get().status == Appeal.Status.UNDER_REVIEW
    assert AuditEvent.objects.filter(action="appeal.refused", actor=colleague).exists()


def test_the_review_page_speaks_chinese(client, appeal):
    client.force_login(StaffFactory(group="Appeals reviewer", preferred_language="zh-hans"))
    page = client.get(_url(appeal)).content.decode()
    for english in ["The borrower will see this", "Only staff see this", "Preview what the borrower", "Other actions"]:
        assert english not in page, english
    for chinese in ["借款人会看到此内容", "仅员工可见", "预览将告知借款人的内容", "¥50,000.00"]:
        assert chinese in page, chinese


def test_money_on_the_review_page_is_formatted(client, appeal, reviewer):
    client.force_login(reviewer)
    page = client.get(_url(appeal)).content.decode()
    assert "50000.00" not in page and "30000.00" not in page
    assert Decimal("50000.00") == appeal.limit_change.previous_limit


def test_asking_for_information_on_an_unassigned_appeal_takes_it(client, appeal, reviewer):
    client.force_login(reviewer)
    assert _act(client, appeal, "request_information", "Please send the bureau's letter.").status_code == 302
    appeal.refresh_from_db()
    assert (appeal.status, appeal.assignee) == (Appeal.Status.INFORMATION_REQUESTED, reviewer)


def test_only_the_actions_the_state_allows_are_offered(client, appeal, reviewer):
    client.force_login(reviewer)
    services.appeal_decide(appeal=appeal, actor=reviewer, outcome="upheld", reason="The data was right.")
    page = client.get(_url(appeal)).content.decode()
    assert 'id="form-note"' in page
    for gone in ["request_information", "extend", "decide-outcome"]:
        assert gone not in page.replace("form-note", ""), gone


def test_the_review_page_shows_the_decision_record_filed_with_the_appeal(client, appeal, reviewer):
    client.force_login(reviewer)
    response = client.get(_url(appeal))
    assert response.context["decision_record"]  # what accounts.risk.records presents for the change
    assert "decision-record" in response.content.decode()


def test_assign_to_me_is_offered_only_to_someone_it_would_help(client, assigned, reviewer):
    client.force_login(reviewer)
    assert 'name="action" value="assign"' not in client.get(_url(assigned)).content.decode()
    client.force_login(StaffFactory(group="Appeals reviewer", preferred_language="en"))
    assert 'name="action" value="assign"' in client.get(_url(assigned)).content.decode()
