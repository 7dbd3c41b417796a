"""`python manage.py import_composition <file> [--dry-run] [--replace] [--as-of DATE]`
(DESIGN section 5)."""

from django.core.management.base import CommandError

from nmg_registry.management.importing import ImportCommand
from nmg_registry.models import PendingImport
from nmg_registry.moments import BadMoment, parse_as_of


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

        parser.add_argument(
            "--as-of",
            metavar="DATE",
            help=(
                "a composition received in the past (YYYY-MM-DD, the end of that day, or an "
                "ISO 8601 date-time): every version written is dated then; refused if a "
                "record it changes already has a later version"
            ),
        )

    def handle(self, *args, file, dry_run, replace, as_of=None, **options):
        if as_of is not None:  # given, even blank: a blank date is a mistake, not no date
            try:
                as_of = parse_as_of(as_of, "--as-of").isoformat()
            except BadMoment as exc:
                raise CommandError(f"--as-of: {exc.message}") from None
        self.import_file(
            PendingImport.Kind.COMPOSITION,
            file,
            options={"replace": replace, "as_of": as_of},
            dry_run=dry_run,
        )
