"""`python manage.py import_composition <file> [--dry-run] [--replace]` (DESIGN section 5)."""

from nmg_registry.management.importing import ImportCommand
from nmg_registry.models import PendingImport


class Command(ImportCommand):
    help = (
        "Import a composition file (CSV or XLSX): upserts the experts and their memberships. "
        "Prints a one-line summary, or every error and exits with status 1 (nothing written)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the composition file, .csv (UTF-8) or .xlsx")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check the file and show what would change, without writing anything",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help=(
                "make the file the whole composition of each country it names: experts and "
                "memberships of those countries missing from the file are removed"
            ),
        )

    def handle(self, *args, file, dry_run, replace, **options):
        self.import_file(
            PendingImport.Kind.COMPOSITION, file, options={"replace": replace}, dry_run=dry_run
        )
