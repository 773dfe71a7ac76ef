"""Seal the rows written since the last seal (what the beat job does every minute)."""

from django.core.management.base import BaseCommand

from portal.integrity import services


class Command(BaseCommand):
    help = "Seal the committed rows that have no seal yet into signed blocks."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="Look at every row, not only the recent ones.")

    def handle(self, *args, full=False, **options):
        blocks = services.integrity_seal(max_blocks=10**9, full=full)
        rows = sum(block.row_count for block in blocks)
        self.stdout.write(f"Sealed {rows} rows in {len(blocks)} blocks.")
