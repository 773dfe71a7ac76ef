"""Each outcome of a repayment instruction tells the borrower, by notice and email (HTML and
text), in their language."""

import pytest

from accounts.repayment import services
from portal.models import Notification
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def speak(user, language):
    user.preferred_language = language
    user.save(update_fields=["preferred_language"])


def answer(instruction, outcome, detail=""):
    services.repayment_outcome_record(
        kind=instruction.kind, subject_reference=str(instruction.reference), outcome=outcome, detail=detail, data={}
    )
    return Notification.objects.get(kind="repayment_instruction", idempotency_key__endswith=outcome)


@pytest.mark.parametrize(
    ("language", "outcome", "title", "body"),
    [
        ("en", "confirmed", "Your change of due day instruction was confirmed", "The lender confirmed"),
        ("zh-hans", "confirmed", "您的更改还款日指令已确认", "贷款机构已确认"),
        ("en", "refused", "Your change of due day instruction was refused", "Nothing changed."),
        ("zh-hans", "refused", "您的更改还款日指令被拒绝", "一切保持不变"),
    ],
)
def test_outcome_email_in_the_borrowers_language(borrower, account, language, outcome, title, body):
    speak(borrower, language)
    instruction = services.due_day_change_request(user=borrower, account_id=account.pk, due_day=15)

    notice = answer(instruction, outcome, detail="REF-77")

    assert title in notice.email_subject
    assert instruction.short_reference in notice.email_subject
    assert body in notice.email_text
    assert "REF-77" in notice.email_text
    assert body in notice.email_html
    assert f"/credit/{account.pk}/repayment/instructions/{instruction.reference}/" in notice.email_html
    assert notice.email_status == Notification.EmailStatus.PENDING


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "nothing changes unless you accept it"), ("zh-hans", "除非您接受，否则一切保持不变")],
)
def test_offered_plan_email_says_nothing_changes_before_accepting(borrower, account, language, expected):
    speak(borrower, language)
    request = services.hardship_request(
        user=borrower, account_id=account.pk, mode="longer_term", months=3, reason="Illness."
    )

    services.hardship_decide(actor=StaffFactory(group="Support agent"), instruction_id=request.pk, approve=True)

    notice = Notification.objects.get(recipient=borrower, kind="repayment_instruction")
    assert expected in notice.email_text
    assert expected in notice.email_html


def test_rejection_email_carries_the_reason_in_chinese(borrower, account):
    speak(borrower, "zh-hans")
    request = services.hardship_request(
        user=borrower, account_id=account.pk, mode="longer_term", months=3, reason="Illness."
    )

    services.hardship_decide(
        actor=StaffFactory(group="Support agent"), instruction_id=request.pk, approve=False, note="收入证明不足。"
    )

    notice = Notification.objects.get(recipient=borrower, kind="repayment_instruction")
    assert "未获批准" in notice.email_subject
    assert "收入证明不足。" in notice.email_text
