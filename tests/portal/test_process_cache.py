"""Each process's copy of rarely changing data (portal.process_cache): reloaded when the shared
version changes or the copy is too old, never otherwise; reason-code edits reach every page."""

from unittest import mock

import pytest

from accounts.credit import reasons
from accounts.credit.selectors import limit_change_list
from accounts.models import ReasonCode
from portal import process_cache
from tests.factories import BorrowerFactory, CustomerRecordFactory, credit_account


@pytest.mark.django_db
def test_a_copy_is_loaded_once_until_its_version_changes_or_it_is_too_old():
    loads = []
    copy = process_cache.ProcessCopy(key="test:process-copy", load=lambda: loads.append(1) or len(loads), max_age=60)

    assert (copy.get(), copy.get()) == (1, 1)
    copy.changed()
    assert copy.get() == 2
    later = process_cache.time.monotonic() + 61
    with mock.patch.object(process_cache.time, "monotonic", return_value=later):
        assert copy.get() == 3


@pytest.mark.django_db
def test_limit_history_reads_reason_codes_from_the_catalogue_and_sees_an_edit_at_once(
    django_assert_num_queries,
):
    customer = CustomerRecordFactory()
    borrower = BorrowerFactory(customer=customer)
    account = credit_account(customer=customer)
    reasons.reason_catalogue()  # warm this process's copy

    with django_assert_num_queries(1):  # the ledger only
        limit_change_list(user=borrower, account=account)

    ReasonCode.objects.filter(code="score_drop").update(title_en="Your score went down")
    ReasonCode.objects.get(code="score_drop").save()  # a staff edit: post_save marks the copy stale

    assert reasons.reason_catalogue()["score_drop"].title_en == "Your score went down"
