"""``manage.py backup_create [--output DIR]``: the database, the media folders and a manifest with
checksums, in one directory (``var/backups/<UTC time>/`` unless ``--output`` names another).
What the backup holds and how it is made: ``portal/backup.py``."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _

from portal.backup import backup_create, backup_default_directory
from portal.exceptions import PortalError


class Command(BaseCommand):
    help = "Back up the database, MEDIA_ROOT and PRIVATE_MEDIA_ROOT into a new directory with a manifest."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="A new or empty directory (default: var/backups/<UTC time>/).")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="The database to back up.")

    def handle(self, *args, output, database, **options):
        try:
            result = backup_create(directory=output or backup_default_directory(), using=database)
        except PortalError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            _(
                "Backup written to %(directory)s (tables: %(tables)s, rows: %(rows)s, files: %(files)s, "
                "size: %(megabytes).1f MB, time: %(seconds).1f s)."
            )
            % {
                "directory": result.directory,
                "tables": len(result.manifest["row_counts"]),
                "rows": result.rows,
                "files": len(result.manifest["files"]),
                "megabytes": result.size_bytes / 1e6,
                "seconds": result.seconds,
            }
        )
