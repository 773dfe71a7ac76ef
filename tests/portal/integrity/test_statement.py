"""A borrower downloads a signed statement of their own limit changes and notices and checks it
offline with ``python -m portal.integrity.verify``; a changed statement or another key fails,
naming the entry."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from accounts.credit.services import limit_change_apply
from accounts.models import LimitChange
from portal.integrity import services
from portal.integrity.verify import main as verify_main
from portal.models import Notification
from tests.factories import BorrowerFactory, credit_account
from tests.portal.integrity.conftest import behind_the_apps_back, key_text

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]


def download(client, account):
    response = client.get(reverse("credit_statement", args=[account.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    return json.loads(response.content)


def saved(path, text):
    path.write_text(text, encoding="utf-8")
    return str(path)


def statement_file(tmp_path, statement):
    return saved(tmp_path / "statement.json", json.dumps(statement, ensure_ascii=False))


def public_key_file(tmp_path, client):
    return saved(tmp_path / "portal.pem", client.get(reverse("integrity_public_key")).content.decode())


def entries_of(statement):
    return {(entry["record"]["model"], entry["record"]["id"]) for entry in statement["entries"]}


def test_a_sealed_statement_verifies_offline_without_django(borrower_client, borrower, ledger, tmp_path):
    account, _change = ledger
    services.integrity_seal()
    statement = download(borrower_client, account)
    ledger_rows = {
        ("accounts.limitchange", pk) for pk in LimitChange.objects.filter(account=account).values_list("pk", flat=True)
    }
    notices = {
        ("portal.notification", pk)
        for pk in Notification.objects.filter(recipient=borrower).values_list("pk", flat=True)
    }
    assert entries_of(statement) == ledger_rows | notices
    assert statement["not_yet_sealed"] == []
    # A clean interpreter without Django settings: the verifier needs only the file and the key.
    environment = {name: value for name, value in os.environ.items() if not name.startswith("DJANGO")}
    command = [sys.executable, "-m", "portal.integrity.verify", statement_file(tmp_path, statement)]
    result = subprocess.run(
        [*command, "--public-key", public_key_file(tmp_path, borrower_client)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith(f"verified: {len(ledger_rows | notices)} entries")


def test_rows_not_sealed_yet_are_listed_without_proofs(borrower_client, ledger, capsys, tmp_path):
    account, _change = ledger
    services.integrity_seal()
    later = limit_change_apply(
        account=account, kind="risk_freeze", new_status="frozen", reason_codes=["fraud_suspicion"], decided_by="staff"
    )
    statement = download(borrower_client, account)
    assert {"model": "accounts.limitchange", "id": later.pk} in statement["not_yet_sealed"]
    assert ("accounts.limitchange", later.pk) not in entries_of(statement)
    assert (
        verify_main([statement_file(tmp_path, statement), "--public-key", public_key_file(tmp_path, borrower_client)])
        == 0
    )
    assert "not sealed yet" in capsys.readouterr().out


def test_a_changed_amount_in_the_statement_names_the_entry(borrower_client, ledger, capsys, tmp_path):
    account, change = ledger
    services.integrity_seal()
    statement = download(borrower_client, account)
    position, entry = next(
        (position, entry)
        for position, entry in enumerate(statement["entries"], start=1)
        if (entry["record"]["model"], entry["record"]["id"]) == ("accounts.limitchange", change.pk)
    )
    entry["record"]["fields"]["new_limit"] = "50000.00"
    code = verify_main(
        [statement_file(tmp_path, statement), "--public-key", public_key_file(tmp_path, borrower_client)]
    )
    output = capsys.readouterr().out
    assert code == 1
    assert f"entry {position} (accounts.limitchange {change.pk}): does not match" in output
    assert "statement's signature is not valid" in output


def test_a_row_changed_in_the_database_after_sealing_fails_in_the_statement(borrower_client, ledger, capsys, tmp_path):
    account, change = ledger
    services.integrity_seal()
    behind_the_apps_back("UPDATE accounts_limitchange SET source_reference = 'rewritten' WHERE id = %s", [change.pk])
    statement = download(borrower_client, account)
    code = verify_main(
        [statement_file(tmp_path, statement), "--public-key", public_key_file(tmp_path, borrower_client)]
    )
    assert code == 1
    assert f"(accounts.limitchange {change.pk}): does not match what block 1 sealed" in capsys.readouterr().out


def test_a_statement_checked_with_another_key_is_refused(borrower_client, ledger, capsys, tmp_path, settings):
    account, _change = ledger
    services.integrity_seal()
    statement = download(borrower_client, account)
    settings.INTEGRITY_SIGNING_KEY = key_text()
    other_key = public_key_file(tmp_path, borrower_client)
    assert verify_main([statement_file(tmp_path, statement), "--public-key", other_key]) == 1
    output = capsys.readouterr().out
    assert "but the public key given is" in output
    assert "block 1: signed with key" in output


def test_a_forged_statement_signature_is_refused(borrower_client, ledger, capsys, tmp_path):
    account, _change = ledger
    services.integrity_seal()
    statement = download(borrower_client, account)
    statement["subject"]["account"] = "SOMEONE-ELSE"
    assert (
        verify_main([statement_file(tmp_path, statement), "--public-key", public_key_file(tmp_path, borrower_client)])
        == 1
    )
    assert "statement's signature is not valid" in capsys.readouterr().out


def test_an_unreadable_file_is_refused_with_exit_code_2(tmp_path, capsys):
    assert verify_main([saved(tmp_path / "broken.json", "{not json")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_another_borrowers_account_is_a_404_and_their_notices_stay_out(borrower_client, borrower, ledger):
    account, _change = ledger
    stranger = BorrowerFactory()
    theirs = credit_account(customer=stranger.customer)
    limit_change_apply(
        account=theirs, kind="risk_reduction", new_limit="20000", reason_codes=["score_drop"], decided_by="policy"
    )
    services.integrity_seal()
    assert borrower_client.get(reverse("credit_statement", args=[theirs.pk])).status_code == 404
    assert borrower_client.get(reverse("credit_statement", args=[999999])).status_code == 404
    statement = download(borrower_client, account)
    stranger_notices = set(Notification.objects.filter(recipient=stranger).values_list("pk", flat=True))
    assert stranger_notices
    assert not {pk for model, pk in entries_of(statement) if model == "portal.notification"} & stranger_notices
    assert not {pk for model, pk in entries_of(statement) if model == "accounts.limitchange"} & set(
        LimitChange.objects.filter(account=theirs).values_list("pk", flat=True)
    )


def test_the_statement_needs_a_login(client, ledger):
    account, _change = ledger
    response = client.get(reverse("credit_statement", args=[account.pk]))
    assert response.status_code == 302


def test_the_public_key_is_public_and_cacheable(client):
    response = client.get(reverse("integrity_public_key"))
    assert response.status_code == 200
    assert response.content.startswith(b"-----BEGIN PUBLIC KEY-----")
    assert "public" in response["Cache-Control"] and "max-age=86400" in response["Cache-Control"]


def test_the_limit_history_page_links_to_the_statement(borrower_client, ledger):
    account, _change = ledger
    response = borrower_client.get(reverse("credit_history", args=[account.pk]))
    assert reverse("credit_statement", args=[account.pk]).encode() in response.content
