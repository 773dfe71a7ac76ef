"""Sealing gathers every row written since the last seal into a signed block; verification
names the first row or block that no longer matches, whatever was done behind the app's back."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from accounts.models import LimitChange, PolicyVersion, RiskDecision
from portal import tasks
from portal.integrity import keys, services
from portal.integrity.models import IntegrityVerification, SealBlock, SealEntry
from portal.models import AuditEvent, Notification
from portal.services import audit_event_record
from tests.portal.integrity.conftest import behind_the_apps_back, key_text

pytestmark = pytest.mark.django_db


def test_sealing_covers_the_ledger_notices_and_audit_events_and_verifies(ledger):
    account, change = ledger
    (block,) = services.integrity_seal()
    sealed = set(SealEntry.objects.values_list("model", "object_id"))
    assert ("accounts.limitchange", change.pk) in sealed
    assert ("portal.notification", change.notice_id) in sealed
    assert {("portal.auditevent", pk) for pk in AuditEvent.objects.values_list("pk", flat=True)} <= sealed
    assert block.sequence == 1 and block.row_count == len(sealed)
    assert services.integrity_seal() == []  # nothing new: no empty block
    verification = services.integrity_verify()
    assert verification.outcome == "passed"
    assert verification.rows_checked == len(sealed)


def test_blocks_chain_to_the_one_before(ledger):
    (first,) = services.integrity_seal()
    audit_event_record(actor=None, action="test.later")
    (second,) = services.integrity_seal()
    assert second.sequence == 2
    assert second.previous_hash == first.block_hash
    assert services.integrity_verify().outcome == "passed"


def test_a_row_that_commits_after_a_later_id_was_sealed_is_still_sealed(ledger):
    services.integrity_seal()
    # A transaction that took a lower id commits only after the higher ids were sealed.
    late_id = AuditEvent.objects.order_by("-pk").first().pk + 100
    audit_row_insert(late_id)
    services.integrity_seal()
    audit_row_insert(late_id - 1)
    services.integrity_seal()
    assert SealEntry.objects.filter(model="portal.auditevent", object_id=late_id - 1).exists()
    assert services.integrity_verify().outcome == "passed"


def audit_row_insert(event_id):
    behind_the_apps_back(
        "INSERT INTO portal_auditevent (id, occurred_at, actor_label, action, target_type, target_id, target_label,"
        " summary, before, after) VALUES (%s, %s, '', 'test.direct', '', '', '', '', '{}', '{}')",
        [event_id, timezone.now()],
    )


def test_the_daily_run_seals_a_row_older_than_the_minute_runs_look_back(ledger, monkeypatch):
    highest = AuditEvent.objects.order_by("-pk").first().pk
    audit_row_insert(highest + 1000)
    services.integrity_seal()
    monkeypatch.setattr(services, "SEAL_LAG", timedelta(0))  # every block counts as settled
    audit_row_insert(highest + 500)  # below what the minute run looks at
    services.integrity_seal()
    assert not SealEntry.objects.filter(model="portal.auditevent", object_id=highest + 500).exists()
    tasks.integrity_verify_daily()
    assert SealEntry.objects.filter(model="portal.auditevent", object_id=highest + 500).exists()
    assert IntegrityVerification.objects.get().outcome == "passed"


def test_a_ledger_row_changed_in_the_database_is_named(ledger):
    _account, change = ledger
    (block,) = services.integrity_seal()
    # The reasons a borrower was given, quietly rewritten.
    behind_the_apps_back("""UPDATE accounts_limitchange SET reason_codes = '["other"]' WHERE id = %s""", [change.pk])
    verification = services.integrity_verify()
    assert verification.outcome == "failed"
    assert (verification.failure_model, verification.failure_object_id) == ("accounts.limitchange", change.pk)
    assert verification.failure_block == block.sequence
    assert verification.failure_sealed_at == block.sealed_at


def test_a_deleted_audit_event_is_named(ledger):
    services.integrity_seal()
    event = AuditEvent.objects.order_by("pk").last()
    behind_the_apps_back("DELETE FROM portal_auditevent WHERE id = %s", [event.pk])
    verification = services.integrity_verify()
    assert (verification.failure_model, verification.failure_object_id) == ("portal.auditevent", event.pk)
    assert "deleted" in verification.failure_message


def test_audit_events_reordered_in_time_are_caught(ledger):
    services.integrity_seal()
    first, second = AuditEvent.objects.order_by("pk")[:2]
    behind_the_apps_back("UPDATE portal_auditevent SET occurred_at = %s WHERE id = %s", [second.occurred_at, first.pk])
    behind_the_apps_back("UPDATE portal_auditevent SET occurred_at = %s WHERE id = %s", [first.occurred_at, second.pk])
    verification = services.integrity_verify()
    assert (verification.failure_model, verification.failure_object_id) == ("portal.auditevent", first.pk)


def test_seal_entries_reordered_are_caught(ledger):
    (block,) = services.integrity_seal()
    first, second = SealEntry.objects.filter(block=block).order_by("position")[:2]
    behind_the_apps_back("UPDATE portal_sealentry SET position = 999999 WHERE id = %s", [first.pk])
    behind_the_apps_back("UPDATE portal_sealentry SET position = %s WHERE id = %s", [first.position, second.pk])
    behind_the_apps_back("UPDATE portal_sealentry SET position = %s WHERE id = %s", [second.position, first.pk])
    verification = services.integrity_verify()
    assert verification.outcome == "failed"
    assert verification.failure_block == block.sequence
    assert "reordered" in verification.failure_message


def test_a_forged_block_signature_is_refused(ledger):
    (block,) = services.integrity_seal()
    forged = keys.signing.sign(keys.signing.private_key_load(key_text()), b"anything")
    behind_the_apps_back("UPDATE portal_sealblock SET signature = %s WHERE id = %s", [forged, block.pk])
    verification = services.integrity_verify()
    assert verification.failure_block == block.sequence
    assert "signature" in verification.failure_message


def test_a_chain_checked_with_another_key_is_refused(ledger, settings):
    services.integrity_seal()
    settings.INTEGRITY_SIGNING_KEY = key_text()
    verification = services.integrity_verify()
    assert verification.outcome == "failed"
    assert "key" in verification.failure_message


def test_a_rewritten_block_head_is_refused(ledger):
    (block,) = services.integrity_seal()
    behind_the_apps_back("UPDATE portal_sealblock SET row_count = row_count - 1 WHERE id = %s", [block.pk])
    assert "hash" in services.integrity_verify().failure_message


def test_the_command_names_the_row_and_exits_non_zero(ledger):
    _account, change = ledger
    call_command("integrity_verify", "--seal-first")
    behind_the_apps_back("UPDATE accounts_limitchange SET source_reference = 'x' WHERE id = %s", [change.pk])
    with pytest.raises(CommandError) as raised:
        call_command("integrity_verify")
    assert f"accounts.limitchange, row {change.pk}" in str(raised.value)
    assert "block 1" in str(raised.value)
    assert raised.value.returncode == 1
    assert IntegrityVerification.objects.filter(outcome="failed").count() == 1


def test_the_command_says_verified_when_everything_matches(ledger, capsys):
    call_command("integrity_verify", "--seal-first")
    assert "Verified: 1 blocks" in capsys.readouterr().out


def test_a_decision_waiting_for_approval_is_sealed_only_once_decided(ledger):
    account, _change = ledger
    decision = pending_decision(account)
    services.integrity_seal()
    assert not SealEntry.objects.filter(model="accounts.riskdecision", object_id=decision.pk).exists()
    RiskDecision.objects.filter(pk=decision.pk).update(status="rejected", review_note="figures were stale")
    services.integrity_seal()
    assert SealEntry.objects.filter(model="accounts.riskdecision", object_id=decision.pk).exists()
    assert services.integrity_verify().outcome == "passed"


def test_blocks_hold_at_most_the_block_size(ledger):
    total = Notification.objects.count() + AuditEvent.objects.count() + LimitChange.objects.count()
    blocks = services.integrity_seal(block_rows=2)
    assert [block.row_count for block in blocks][:-1] == [2] * (len(blocks) - 1)
    assert sum(block.row_count for block in blocks) == total
    assert SealBlock.objects.count() == len(blocks)
    assert services.integrity_verify().outcome == "passed"


def pending_decision(account):
    return RiskDecision.objects.create(
        account=account,
        policy_version=PolicyVersion.objects.order_by("pk").first(),
        kind=RiskDecision.Kind.REDUCTION,
        status=RiskDecision.Status.PENDING_APPROVAL,
        previous_limit=account.credit_limit,
        proposed_limit="20000.00",
        reason_codes=["score_drop"],
        trigger_key="signals-1",
    )


def test_blocks_cut_off_the_end_of_the_chain_are_caught(ledger):
    services.integrity_seal()
    audit_event_record(actor=None, action="test.later")
    (last,) = services.integrity_seal()
    assert services.integrity_verify().outcome == "passed"
    behind_the_apps_back("DELETE FROM portal_sealentry WHERE block_id = %s", [last.pk])
    behind_the_apps_back("DELETE FROM portal_sealblock WHERE id = %s", [last.pk])
    verification = services.integrity_verify()
    assert verification.outcome == "failed"
    assert "blocks were removed" in verification.failure_message


def test_a_block_resealed_after_the_end_was_cut_off_is_caught(ledger):
    services.integrity_seal()
    event = audit_event_record(actor=None, action="test.later")
    (last,) = services.integrity_seal()
    assert services.integrity_verify().outcome == "passed"
    behind_the_apps_back("DELETE FROM portal_sealentry WHERE block_id = %s", [last.pk])
    behind_the_apps_back("DELETE FROM portal_sealblock WHERE id = %s", [last.pk])
    behind_the_apps_back("UPDATE portal_auditevent SET summary = 'rewritten' WHERE id = %s", [event.pk])
    services.integrity_seal()  # the sealer signs the rewritten row into a new block 2
    verification = services.integrity_verify()
    assert (verification.outcome, verification.failure_block) == ("failed", last.sequence)
    assert "earlier verification" in verification.failure_message
