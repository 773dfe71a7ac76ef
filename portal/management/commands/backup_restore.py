"""``manage.py backup_restore DIR``: bring a backup made by ``backup_create`` back into an empty
database and the media folders, then count the rows against its manifest. Refuses, changing
nothing, when the target database is not empty, a file does not match the manifest or the backup
comes from newer code (``portal/backup.py``)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _

from portal.backup import backup_restore
from portal.exceptions import PortalError


class Command(BaseCommand):
    help = "Restore a backup directory into an empty database and check its row counts."

    def add_arguments(self, parser):
        parser.add_argument("directory", help="A directory written by backup_create.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="The empty database to restore into.")

    def handle(self, *args, directory, database, **options):
        try:
            result = backup_restore(directory=directory, using=database)
        except PortalError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            _(
                "Restored the backup made at %(created)s: the rows of all %(tables)s tables match the manifest "
                "(rows: %(rows)s). Media files copied: %(files)s, already in place: %(in_place)s. "
                "Time: %(seconds).1f s."
            )
            % {
                "created": result.manifest["created_at"],
                "tables": len(result.manifest["row_counts"]),
                "rows": result.rows,
                "files": result.files_restored,
                "in_place": result.files_already_in_place,
                "seconds": result.seconds,
            }
        )
        if result.migrations_to_apply:
            self.stdout.write(
                _("Migrations this code has and the backup does not: %(count)s. Run manage.py migrate next.")
                % {"count": len(result.migrations_to_apply)}
            )
