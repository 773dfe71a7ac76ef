"""A policy run covers the signals up to the highest committed id, so signal ids must grow in
commit order: while one writer holds new signals uncommitted, another must wait rather than
commit a higher id (which a run could then pass, skipping the first writer's signal for good).
These tests use real concurrent transactions on PostgreSQL."""

import json
import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction

from accounts.integration.imports import core_data_import
from accounts.integration.services import integration_rows_apply
from accounts.models import RiskEvaluationRun, RiskSignal
from accounts.risk import services as risk
from tests.factories import BorrowerFactory, UserFactory, credit_account

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks are PostgreSQL's"),
    pytest.mark.django_db(transaction=True),
]


def signal_row(external_id, account):
    return {
        "external_id": external_id,
        "account_external_id": account.external_id,
        "kind": "linked_overdue",
        "value": "12",
        "observed_at": "2025-06-01T11:00:00+08:00",
    }


def test_a_second_writer_waits_for_the_first_so_no_run_skips_a_signal(tmp_path):
    first_account = credit_account(customer=BorrowerFactory().customer, external_id="ACC-1")
    second_account = credit_account(customer=BorrowerFactory().customer, external_id="ACC-2")
    service = UserFactory(email="core-system@lender.example")
    service.groups.add(Group.objects.get(name="Core system integration"))
    inserted, release, order = threading.Event(), threading.Event(), []

    def api_call_held_open():
        try:
            with transaction.atomic():
                integration_rows_apply(kind="risk-signals", rows=[signal_row("SIG-API", first_account)], actor=service)
                inserted.set()
                release.wait(10)
            order.append("api")
        finally:
            connection.close()

    def import_file():
        try:
            path = tmp_path / "signals.jsonl"
            path.write_text(json.dumps(signal_row("SIG-FILE", second_account)) + "\n")
            core_data_import(kind="risk-signals", path=path)
            order.append("import")
        finally:
            connection.close()

    api = threading.Thread(target=api_call_held_open)
    api.start()
    assert inserted.wait(10)
    importer = threading.Thread(target=import_file)
    importer.start()
    importer.join(1.0)
    assert importer.is_alive()  # waiting for the API call's transaction
    assert risk.risk_evaluation_run_start() is None  # nothing committed yet: no run
    release.set()
    api.join(10)
    importer.join(10)

    assert order == ["api", "import"]
    ids = dict(RiskSignal.objects.values_list("external_id", "pk"))
    assert ids["SIG-API"] < ids["SIG-FILE"]
    run = risk.risk_evaluation_run_start()
    assert (run.after_signal_id, run.through_signal_id, run.accounts) == (0, ids["SIG-FILE"], 2)
    assert RiskEvaluationRun.objects.count() == 1
