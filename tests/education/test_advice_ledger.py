"""The learning suggestion follows the ledger as it stands (issue 15, finding 3): the lender's
newest change to each line, its real reason named, and the line's state; a restored line gets no
advice about the cut it no longer has."""

import pytest
from django.utils import timezone, translation

from accounts.credit.services import limit_change_apply
from accounts.models import LimitChange
from education.models import ArticleRead
from education.selectors import learning_summary_get
from tests.factories import BorrowerFactory, credit_account

pytestmark = pytest.mark.django_db


def borrower_with_line():
    borrower = BorrowerFactory(preferred_language="en")
    return borrower, credit_account(customer=borrower.customer, credit_limit="50000.00")


def change(account, kind, **fields):
    limit_change_apply(account=account, kind=kind, decided_by=LimitChange.DecidedBy.POLICY, **fields)


def suggestion(user):
    with translation.override("en"):
        summary = learning_summary_get(user=user, language="en")
        return summary["suggestion"].slug, str(summary["suggestion_reason"])


def test_a_restored_line_gets_no_advice_about_the_cut_it_no_longer_has():
    borrower, account = borrower_with_line()
    change(account, LimitChange.Kind.RISK_REDUCTION, new_limit="35000.00", reason_codes=["score_drop"])
    change(account, LimitChange.Kind.RESTORATION, new_limit="50000.00", consent="appeal")

    _slug, why = suggestion(borrower)

    assert "reason we gave" not in why


def test_a_frozen_line_whose_reason_is_read_is_pointed_to_the_appeal():
    borrower, account = borrower_with_line()
    change(account, LimitChange.Kind.RISK_FREEZE, new_status="frozen", reason_codes=["fraud_suspicion"])
    ArticleRead.objects.create(user=borrower, article_slug="spotting-loan-fraud", first_read_at=timezone.now())

    assert suggestion(borrower) == (
        "how-to-appeal-a-decision",
        "Your line is frozen. This explains how to appeal the decision.",
    )


def test_the_advice_names_the_reason_and_what_happened_to_the_line():
    borrower, account = borrower_with_line()
    change(account, LimitChange.Kind.RISK_FREEZE, new_status="frozen", reason_codes=["fraud_suspicion"])

    assert suggestion(borrower) == (
        "spotting-loan-fraud",
        "It explains the reason we gave for freezing your line: Possible fraud on the account.",
    )
