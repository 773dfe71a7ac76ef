"""A backup restores: the database (pg_dump on PostgreSQL, SQLite's backup API on the embedded
default), the media folders and a manifest with checksums, brought back into a second, empty
database. A restore that would mix with existing data or trusts a damaged backup is refused and
changes nothing.

pg_dump and the SQLite copy read from a connection of their own, which sees committed rows only:
the round trip commits its rows (a transactional test); the refusals back up what the migrations
committed, which is enough to refuse."""

import copy
import io
import json
import stat
import subprocess
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.utils import translation

from accounts.models import CreditAccount, LimitChange
from portal.backup import row_counts
from tests.factories import BorrowerFactory, credit_account

pytestmark = pytest.mark.django_db

TARGET = "restore_target"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def media(settings, tmp_path):
    """Media folders of the portal being backed up, one file in each; DEBUG on, as the demo runs
    (Django then logs every SQL statement, which must not trip over the commands' queries)."""
    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    (settings.MEDIA_ROOT / "articles").mkdir(parents=True)
    (settings.MEDIA_ROOT / "articles" / "cover.png").write_bytes(b"\x89PNG cover")
    (settings.PRIVATE_MEDIA_ROOT / "ab").mkdir(parents=True)
    (settings.PRIVATE_MEDIA_ROOT / "ab" / "payslip.pdf").write_bytes(b"%PDF-1.7 evidence")
    return settings


@pytest.fixture
def backup_dir(media, tmp_path):
    """A backup of the test database and the media folders."""
    directory = tmp_path / "backup"
    call_command("backup_create", output=str(directory), stdout=open_null())
    return directory


@pytest.fixture
def empty_target(tmp_path):
    """A second, empty database of the same engine, as connection ``restore_target``."""
    default = connections["default"].settings_dict
    target = copy.deepcopy(default)
    target["NAME"] = f"{default['NAME']}_restore" if connection.vendor == "postgresql" else str(tmp_path / "t.db")
    create_or_drop_database(target["NAME"], create=True)
    connections.settings[TARGET] = target
    # Django's test case refuses a first connection to an alias it was not told about; this one
    # exists only for the test, so it is opened here, directly.
    connections[TARGET].connect()
    yield TARGET
    connections[TARGET].close()
    del connections[TARGET]
    del connections.settings[TARGET]
    create_or_drop_database(target["NAME"], create=False)


def create_or_drop_database(name, *, create):
    """On PostgreSQL, through a connection of its own: the test's connection is inside a
    transaction, where CREATE DATABASE is not allowed. A SQLite file is created on first use."""
    if connection.vendor != "postgresql":
        return
    server = connections.create_connection("default")
    try:
        with server.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if create:
                cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        server.close()


@pytest.fixture
def restored_media(backup_dir, settings, tmp_path):
    """Empty media folders for the portal being restored, once the backup was made."""
    settings.MEDIA_ROOT = tmp_path / "restored-media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "restored-private"
    return settings


def open_null():
    return io.StringIO()


def restore(directory, database):
    output = open_null()
    call_command("backup_restore", str(directory), database=database, stdout=output)
    return output.getvalue()


def manifest(directory):
    return json.loads((directory / "manifest.json").read_text(encoding="utf-8"))


def tables_in(alias):
    return connections[alias].introspection.table_names()


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_an_empty_database_with_the_same_rows_and_files(media, tmp_path, empty_target):
    credit_account(customer=BorrowerFactory().customer, credit_limit="42000.00")
    backup_dir = tmp_path / "backup"
    call_command("backup_create", output=str(backup_dir), stdout=open_null())
    written = manifest(backup_dir)
    media.MEDIA_ROOT = tmp_path / "restored-media"
    media.PRIVATE_MEDIA_ROOT = tmp_path / "restored-private"

    output = restore(backup_dir, empty_target)

    assert "match the manifest" in output
    account = CreditAccount.objects.using(empty_target).get()
    assert account.credit_limit == Decimal("42000.00")
    assert LimitChange.objects.using(empty_target).filter(account=account).count() == 1
    assert row_counts(using=empty_target) == written["row_counts"] == row_counts(using="default")
    assert (media.MEDIA_ROOT / "articles" / "cover.png").read_bytes() == b"\x89PNG cover"
    assert (media.PRIVATE_MEDIA_ROOT / "ab" / "payslip.pdf").read_bytes() == b"%PDF-1.7 evidence"


def test_the_manifest_lists_engine_migrations_counts_and_a_checksum_for_every_file(backup_dir):
    written = manifest(backup_dir)

    assert written["database"]["engine"] == connection.vendor
    accounts_applied = [name for name in written["applied_migrations"] if name.startswith("accounts.")]
    assert written["migrations"]["accounts"] == accounts_applied[-1].removeprefix("accounts.")
    assert written["row_counts"] == row_counts(using="default")
    assert written["row_counts"]["django_migrations"] == len(written["applied_migrations"])
    assert set(written["files"]) == {
        written["database"]["file"],
        "media/articles/cover.png",
        "private-media/ab/payslip.pdf",
    }
    assert all(len(entry["sha256"]) == 64 for entry in written["files"].values())
    assert stat.S_IMODE(backup_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((backup_dir / written["database"]["file"]).stat().st_mode) == 0o600
    assert stat.S_IMODE((backup_dir / "private-media" / "ab" / "payslip.pdf").stat().st_mode) == 0o600


def test_a_restore_into_a_database_that_has_tables_is_refused_and_changes_nothing(backup_dir, media):
    before = row_counts(using="default")
    cover = media.MEDIA_ROOT / "articles" / "cover.png"
    cover.unlink()

    with pytest.raises(CommandError, match="is not empty"):
        restore(backup_dir, "default")

    assert row_counts(using="default") == before
    assert not cover.exists()


@pytest.mark.parametrize("tampered", ["database", "private-media/ab/payslip.pdf"])
def test_a_backup_with_a_file_that_does_not_match_its_checksum_is_refused(
    backup_dir, empty_target, restored_media, tampered
):
    name = manifest(backup_dir)["database"]["file"] if tampered == "database" else tampered
    path = backup_dir / name
    content = bytearray(path.read_bytes())
    content[len(content) // 2] ^= 0x01
    path.write_bytes(bytes(content))

    with pytest.raises(CommandError, match=f"{name} does not match its checksum"):
        restore(backup_dir, empty_target)

    assert tables_in(empty_target) == []
    assert not restored_media.PRIVATE_MEDIA_ROOT.exists()


def test_a_file_added_to_a_backup_after_it_was_written_is_refused(backup_dir, empty_target, restored_media):
    (backup_dir / "private-media" / "ab" / "extra.pdf").write_bytes(b"slipped in")

    with pytest.raises(CommandError, match="private-media/ab/extra.pdf is in the backup directory but not in"):
        restore(backup_dir, empty_target)

    assert tables_in(empty_target) == []


def test_a_backup_without_its_manifest_is_refused(backup_dir, empty_target, restored_media):
    (backup_dir / "manifest.json").unlink()

    with pytest.raises(CommandError, match="has no manifest.json"):
        restore(backup_dir, empty_target)

    assert tables_in(empty_target) == []
    assert not restored_media.MEDIA_ROOT.exists()


def test_a_backup_made_by_newer_code_is_refused(backup_dir, empty_target, restored_media):
    written = manifest(backup_dir)
    written["applied_migrations"].append("accounts.9999_from_the_future")
    (backup_dir / "manifest.json").write_text(json.dumps(written), encoding="utf-8")

    with pytest.raises(CommandError, match="does not have migration accounts.9999_from_the_future"):
        restore(backup_dir, empty_target)

    assert tables_in(empty_target) == []


def test_a_manifest_naming_a_file_outside_the_backup_is_refused(backup_dir, empty_target, restored_media):
    written = manifest(backup_dir)
    written["files"]["../../etc/passwd"] = {"bytes": 1, "sha256": "0" * 64}
    (backup_dir / "manifest.json").write_text(json.dumps(written), encoding="utf-8")

    with pytest.raises(CommandError, match="outside the backup directory"):
        restore(backup_dir, empty_target)

    assert tables_in(empty_target) == []


def test_a_media_file_with_other_content_already_in_place_is_refused_and_kept(backup_dir, empty_target, restored_media):
    existing = restored_media.PRIVATE_MEDIA_ROOT / "ab" / "payslip.pdf"
    existing.parent.mkdir(parents=True)
    existing.write_bytes(b"a newer file")

    with pytest.raises(CommandError, match="already exists with other content"):
        restore(backup_dir, empty_target)

    assert existing.read_bytes() == b"a newer file"
    assert tables_in(empty_target) == []


def test_a_backup_into_a_directory_that_is_not_empty_is_refused(media, tmp_path):
    directory = tmp_path / "used"
    directory.mkdir()
    (directory / "notes.txt").write_text("keep me", encoding="utf-8")

    with pytest.raises(CommandError, match="is not empty"):
        call_command("backup_create", output=str(directory), stdout=open_null())

    assert [path.name for path in directory.iterdir()] == ["notes.txt"]


def test_a_refusal_is_translated(tmp_path):
    with translation.override("zh-hans"), pytest.raises(CommandError, match="没有 manifest.json"):
        restore(tmp_path, "default")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump backs up PostgreSQL only")
def test_a_pg_dump_of_another_major_version_than_the_server_is_refused(media, tmp_path, monkeypatch):
    def older_pg_dump(command, **kwargs):
        return subprocess.CompletedProcess(command, 0, stdout="pg_dump (PostgreSQL) 9.6.24\n", stderr="")

    monkeypatch.setattr(subprocess, "run", older_pg_dump)

    with pytest.raises(CommandError, match=r"is version 9\.6\.24 but the database server is PostgreSQL 1\d"):
        call_command("backup_create", output=str(tmp_path / "backup"), stdout=open_null())

    assert not (tmp_path / "backup" / "manifest.json").exists()
