"""Backups that restore. ``backup_create`` writes one directory:

- the database: on PostgreSQL ``database.dump`` (``pg_dump --format=custom``), on SQLite
  ``database.sqlite3`` (a copy made with SQLite's online backup API);
- ``media/`` and ``private-media/``: copies of MEDIA_ROOT and PRIVATE_MEDIA_ROOT (evidence files);
- ``manifest.json``, written last, so a directory without one is an unfinished backup: the engine,
  the migrations applied (the latest per app and the full list), the rows in every table, when it
  was made, and the size and SHA-256 of every other file.

The dump, the row counts and the migration state come from one snapshot of the database (on
PostgreSQL a snapshot exported to pg_dump, on SQLite the copy itself), so they agree while the
portal keeps writing. Media files are copied after that snapshot: a file written meanwhile is an
extra file in the backup, not a missing one.

``backup_restore`` checks everything before it changes anything, and refuses when the manifest is
missing or a file does not match it, when the backup holds migrations this code does not know
(it was made by a newer portal), when the target database holds any table, or when a media file
of the same name but different content is already in place. Then it loads the database and the
files and counts the rows again against the manifest.

The checksums find a damaged or altered file; they are not a signature (whoever can rewrite a
file can rewrite the manifest). What the rows say is checked after a restore by the sealed
record (``integrity_verify``)."""

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess  # noqa: S404 - pg_dump and pg_restore are the PostgreSQL tools for this
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import connections
from django.db.backends.postgresql.client import DatabaseClient
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.exceptions import PortalError

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
DATABASE_FILES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
CHUNK_BYTES = 1024 * 1024


def media_roots():
    """The folders a backup copies, by their name inside the backup."""
    return {"media": Path(settings.MEDIA_ROOT), "private-media": Path(settings.PRIVATE_MEDIA_ROOT)}


@dataclass
class BackupResult:
    directory: Path
    manifest: dict
    seconds: float

    @property
    def rows(self):
        return sum(self.manifest["row_counts"].values())

    @property
    def size_bytes(self):
        return sum(entry["bytes"] for entry in self.manifest["files"].values())


@dataclass
class RestoreResult:
    manifest: dict
    seconds: float
    files_restored: int
    files_already_in_place: int
    migrations_to_apply: list = field(default_factory=list)

    @property
    def rows(self):
        return sum(self.manifest["row_counts"].values())


def backup_default_directory():
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    return Path(settings.BASE_DIR) / "var" / "backups" / stamp


def backup_create(*, directory, using="default"):
    """Write a backup of database ``using`` and the media folders into ``directory``, which must
    not exist yet or be empty."""
    started = time.monotonic()
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise PortalError(
            _("%(directory)s is not empty. Name a new directory for the backup.") % {"directory": directory},
            code="backup_directory_not_empty",
        )
    engine = _engine(using)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    directory.chmod(0o700)  # it holds every borrower's data: its owner only
    # The moment the database copy shows (its snapshot starts right after): the recovery point.
    created_at = timezone.now()
    database_file = directory / DATABASE_FILES[engine]
    copy_database = _postgres_dump if engine == "postgresql" else _sqlite_copy
    snapshot = copy_database(using, database_file)
    database_file.chmod(0o600)

    files = {database_file.name: _file_entry(database_file)}
    for name, root in media_roots().items():
        files.update(_copy_tree(root, directory / name, prefix=name))

    manifest = {
        "format": FORMAT_VERSION,
        "created_at": created_at.isoformat(),
        "completed_at": timezone.now().isoformat(),
        "database": {"engine": engine, "file": database_file.name, "server_version": snapshot["server_version"]},
        "migrations": _latest_per_app(snapshot["applied"]),
        "applied_migrations": [f"{app}.{name}" for app, name in snapshot["applied"]],
        "row_counts": snapshot["row_counts"],
        "files": dict(sorted(files.items())),
    }
    partial = directory / (MANIFEST_NAME + ".partial")
    partial.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    partial.chmod(0o600)
    partial.replace(directory / MANIFEST_NAME)
    return BackupResult(directory=directory, manifest=manifest, seconds=time.monotonic() - started)


def backup_verify(*, directory):
    """The manifest of the backup in ``directory`` once every file matches it; a PortalError naming
    the first thing that does not."""
    directory = Path(directory)
    manifest_path = directory / MANIFEST_NAME
    if not manifest_path.is_file():
        raise PortalError(
            _(
                "%(directory)s has no manifest.json, so it is not a finished backup. "
                "Restore from a backup directory that has one."
            )
            % {"directory": directory},
            code="backup_manifest_missing",
        )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        files, engine = manifest["files"], manifest["database"]["engine"]
        for key in ("created_at", "migrations", "applied_migrations", "row_counts"):
            manifest[key]  # noqa: B018 - a manifest without it raises KeyError here
    except (ValueError, KeyError, TypeError) as error:
        raise PortalError(
            _("The manifest in %(directory)s cannot be read (%(error)s).") % {"directory": directory, "error": error},
            code="backup_manifest_invalid",
        ) from error
    if manifest.get("format") != FORMAT_VERSION or engine not in DATABASE_FILES:
        raise PortalError(
            _("The manifest in %(directory)s is of a format this portal does not know.") % {"directory": directory},
            code="backup_manifest_invalid",
        )
    for relative, entry in files.items():
        path = _inside(directory, relative)
        if not path.is_file():
            raise PortalError(
                _("%(file)s is listed in the manifest but missing from the backup.") % {"file": relative},
                code="backup_file_missing",
            )
        if _file_entry(path) != {"bytes": entry.get("bytes"), "sha256": entry.get("sha256")}:
            raise PortalError(
                _("%(file)s does not match its checksum in the manifest: the backup is damaged or was altered.")
                % {"file": relative},
                code="backup_checksum_mismatch",
            )
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory).as_posix()
        if path.is_file() and relative != MANIFEST_NAME and relative not in files:
            raise PortalError(
                _("%(file)s is in the backup directory but not in its manifest.") % {"file": relative},
                code="backup_file_unlisted",
            )
    if manifest["database"].get("file") != DATABASE_FILES[engine] or DATABASE_FILES[engine] not in files:
        raise PortalError(
            _("The manifest in %(directory)s lists no database file.") % {"directory": directory},
            code="backup_manifest_invalid",
        )
    return manifest


def backup_restore(*, directory, using="default"):
    """Bring the backup in ``directory`` back into database ``using``, which must be empty, and its
    media files back into MEDIA_ROOT and PRIVATE_MEDIA_ROOT. Every check runs before anything is
    written; the row counts are compared with the manifest afterwards."""
    started = time.monotonic()
    directory = Path(directory)
    manifest = backup_verify(directory=directory)
    engine = manifest["database"]["engine"]
    target_engine = _engine(using)
    if engine != target_engine:
        raise PortalError(
            _("This is a %(engine)s backup; it restores only into a %(engine)s database, not %(target)s.")
            % {"engine": engine, "target": target_engine},
            code="backup_engine_mismatch",
        )
    on_disk, known = _migrations_on_disk()
    unknown = [migration for migration in manifest["applied_migrations"] if migration not in known]
    if unknown:
        raise PortalError(
            _(
                "The backup was made by a newer version of the portal: this code does not have migration "
                "%(migration)s. Restore it with the version that made it, or a later one."
            )
            % {"migration": unknown[0]},
            code="backup_migrations_newer",
        )
    tables = _existing_tables(using)
    if tables:
        raise PortalError(
            _(
                "The database %(database)s is not empty (tables, views and sequences found: %(count)s, among them "
                "%(table)s). "
                "A backup is restored only into an empty database: create a new one and restore into it."
            )
            % {"database": connections[using].settings_dict["NAME"], "count": len(tables), "table": tables[0]},
            code="backup_target_not_empty",
        )
    copies, in_place = _media_plan(directory, manifest)

    database_file = directory / DATABASE_FILES[engine]
    load_database = _postgres_restore if engine == "postgresql" else _sqlite_restore
    load_database(using, database_file)
    for source, target in copies:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".restoring")
        shutil.copy2(source, partial)
        partial.replace(target)

    counted = _row_counts(using, list(manifest["row_counts"]))
    differing = [table for table, rows in manifest["row_counts"].items() if counted.get(table) != rows]
    if differing:
        table = differing[0]
        raise PortalError(
            _(
                "The restored database does not match the manifest: table %(table)s has %(found)s rows, "
                "the backup had %(expected)s (tables that differ: %(count)s). Drop this database before trying again."
            )
            % {
                "table": table,
                "found": counted.get(table),
                "expected": manifest["row_counts"][table],
                "count": len(differing),
            },
            code="backup_counts_mismatch",
        )
    applied = set(manifest["applied_migrations"])
    return RestoreResult(
        manifest=manifest,
        seconds=time.monotonic() - started,
        files_restored=len(copies),
        files_already_in_place=in_place,
        migrations_to_apply=sorted(on_disk - applied),
    )


def row_counts(*, using="default"):
    """Rows in every table of database ``using``, by table name."""
    return _row_counts(using, _existing_tables(using, kinds=("table",)))


# The database side.


def _engine(using):
    vendor = connections[using].vendor
    if vendor not in DATABASE_FILES:
        raise PortalError(
            _("Backups support PostgreSQL and SQLite, not %(vendor)s.") % {"vendor": vendor},
            code="backup_engine_unsupported",
        )
    return vendor


def _existing_tables(using, kinds=("table", "view", "sequence")):
    """Tables (and views and sequences) the database holds outside its system catalogues, in
    every schema: a restore must not mix with anything already there."""
    connection = connections[using]
    with connection.cursor() as cursor:
        return _tables(connection.vendor, cursor, kinds)


def _tables(vendor, cursor, kinds):
    # The LIKE patterns travel as parameters: a literal % would upset Django's SQL logging.
    if vendor == "postgresql":
        relkinds = {"table": ("r", "p"), "view": ("v", "m"), "sequence": ("S",)}
        wanted = [kind for name in kinds for kind in relkinds[name]]
        cursor.execute(
            "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = ANY(%s) AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE %s "
            "ORDER BY 1, 2",
            [wanted, "pg\\_%"],
        )
        return [name if schema == "public" else f"{schema}.{name}" for schema, name in cursor.fetchall()]
    types = [kind for kind in kinds if kind in ("table", "view")]
    marker = "?" if isinstance(cursor, sqlite3.Cursor) else "%s"
    cursor.execute(
        f"SELECT name FROM sqlite_master WHERE type IN ({', '.join(marker for _kind in types)}) "  # noqa: S608 - markers only
        f"AND name NOT LIKE {marker} ESCAPE '\\' ORDER BY name",
        [*types, "sqlite\\_%"],
    )
    return [name for (name,) in cursor.fetchall()]


def _quote_table(quote_name, table):
    return ".".join(quote_name(part) for part in table.split(".", 1))


def _count_rows(cursor, quote_name, tables):
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT count(*) FROM {_quote_table(quote_name, table)}")  # noqa: S608 - quoted name
        counts[table] = cursor.fetchone()[0]
    return counts


def _row_counts(using, tables):
    connection = connections[using]
    present = set(_existing_tables(using, kinds=("table",)))
    with connection.cursor() as cursor:
        return _count_rows(cursor, connection.ops.quote_name, [table for table in tables if table in present])


def _applied_migrations(cursor):
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    return [(app, name) for app, name in cursor.fetchall()]


def _latest_per_app(applied):
    latest = {}
    for app, name in applied:
        latest[app] = name
    return dict(sorted(latest.items()))


def _migrations_on_disk():
    """The code's migrations, and every name a database may have recorded for them (a squashed
    migration stands for the ones it replaces, which an older database recorded)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    on_disk = {f"{app}.{name}" for app, name in loader.disk_migrations}
    known = set(on_disk)
    for (app, _name), migration in loader.disk_migrations.items():
        known.update(f"{app}.{replaced}" for _app, replaced in migration.replaces or [])
    return on_disk, known


def _postgres_tool(name, server_major):
    """The client tool of the server's major version: Debian's versioned folder when the machine
    has one, else the one on PATH, which must then be of the same major version."""
    versioned = Path(f"/usr/lib/postgresql/{server_major}/bin/{name}")
    path = str(versioned) if versioned.is_file() else shutil.which(name)
    if path is None:
        raise PortalError(
            _("%(tool)s is not installed. Install the PostgreSQL %(version)s client tools.")
            % {"tool": name, "version": server_major},
            code="backup_tool_missing",
        )
    output = subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout  # noqa: S603
    found = re.search(r"(\d+)(?:\.\d+)*", output)
    if found is None or int(found.group(1)) != server_major:
        raise PortalError(
            _(
                "%(tool)s is version %(found)s but the database server is PostgreSQL %(version)s. "
                "Install the client tools of the server's version."
            )
            % {"tool": path, "found": found.group(0) if found else output.strip(), "version": server_major},
            code="backup_tool_version",
        )
    return path


def _postgres_command(tool, using, *options):
    """Arguments and environment for ``tool`` connecting as Django connects (user, host, port,
    password and SSL settings), with the database named last."""
    settings_dict = connections[using].settings_dict
    arguments, environment = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    *connection_options, database = arguments[1:]
    return [tool, *connection_options, *options, f"--dbname={database}"], {**os.environ, **(environment or {})}


def _run(command, environment):
    completed = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)  # noqa: S603
    if completed.returncode != 0:
        raise PortalError(
            _("%(tool)s failed: %(error)s") % {"tool": Path(command[0]).name, "error": completed.stderr.strip()},
            code="backup_tool_failed",
        )


def _postgres_dump(using, path):
    """Dump with pg_dump from a snapshot this process holds open, reading the row counts and the
    migration state from that same snapshot."""
    holder = connections.create_connection(using)
    try:
        holder.ensure_connection()
        server_major = holder.pg_version // 10000
        tool = _postgres_tool("pg_dump", server_major)
        with holder.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot_id = cursor.fetchone()[0]
            command, environment = _postgres_command(
                tool, using, "--format=custom", "--no-password", f"--snapshot={snapshot_id}", f"--file={path}"
            )
            _run(command, environment)
            tables = _tables("postgresql", cursor, ("table",))
            counts = _count_rows(cursor, holder.ops.quote_name, tables)
            applied = _applied_migrations(cursor)
            cursor.execute("ROLLBACK")
        version = f"{server_major}.{holder.pg_version % 10000}"
    finally:
        holder.close()
    return {"row_counts": counts, "applied": applied, "server_version": version}


def _postgres_restore(using, path):
    connection = connections[using]
    connection.ensure_connection()
    tool = _postgres_tool("pg_restore", connection.pg_version // 10000)
    # One transaction and stop at the first error: a failed restore leaves the database empty.
    command, environment = _postgres_command(
        tool, using, "--exit-on-error", "--single-transaction", "--no-owner", "--no-privileges", "--no-password"
    )
    _run([*command, str(path)], environment)


def _sqlite_copy(using, path):
    source = connections.create_connection(using)
    try:
        source.ensure_connection()
        target = sqlite3.connect(path)
        try:
            source.connection.backup(target)
            cursor = target.cursor()
            counts = _count_rows(cursor, source.ops.quote_name, _tables("sqlite", cursor, ("table",)))
            applied = _applied_migrations(cursor)
        finally:
            target.close()
        version = source.connection.execute("SELECT sqlite_version()").fetchone()[0]
    finally:
        source.close()
    return {"row_counts": counts, "applied": applied, "server_version": version}


def _sqlite_restore(using, path):
    connection = connections[using]
    connection.ensure_connection()
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        source.backup(connection.connection)
    finally:
        source.close()


# The files side.


def _file_entry(path):
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as stream:
        while chunk := stream.read(CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
    return {"bytes": size, "sha256": digest.hexdigest()}


def _copy_tree(root, destination, *, prefix):
    """Copy every regular file under ``root`` into ``destination``, hashing as it goes."""
    entries = {}
    if not root.is_dir():
        return entries
    for source in sorted(root.rglob("*")):
        if not source.is_file() or source.is_symlink():
            continue
        relative = source.relative_to(root).as_posix()
        target = destination / relative
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with open(source, "rb") as reading, open(descriptor, "wb") as writing:
            while chunk := reading.read(CHUNK_BYTES):
                digest.update(chunk)
                writing.write(chunk)
                size += len(chunk)
        entries[f"{prefix}/{relative}"] = {"bytes": size, "sha256": digest.hexdigest()}
    return entries


def _inside(directory, relative):
    """``relative`` as a path inside ``directory``; a manifest naming anything outside is refused."""
    pure = PurePosixPath(relative)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        raise PortalError(
            _("The manifest names %(file)s, which is outside the backup directory.") % {"file": relative},
            code="backup_manifest_invalid",
        )
    return directory.joinpath(*pure.parts)


def _media_plan(directory, manifest):
    """(backup file, target path) for each media file to copy, and how many are already in place;
    a different file already at a target path is refused rather than overwritten."""
    roots = media_roots()
    copies, in_place = [], 0
    for relative, entry in manifest["files"].items():
        folder, _separator, rest = relative.partition("/")
        if folder not in roots or not rest:
            continue
        target = roots[folder] / PurePosixPath(rest)
        if target.exists():
            if target.is_file() and _file_entry(target) == {"bytes": entry["bytes"], "sha256": entry["sha256"]}:
                in_place += 1
                continue
            raise PortalError(
                _(
                    "%(path)s already exists with other content. Move it away, or restore into empty media "
                    "folders, then try again."
                )
                % {"path": target},
                code="backup_media_conflict",
            )
        copies.append((_inside(directory, relative), target))
    return copies, in_place
