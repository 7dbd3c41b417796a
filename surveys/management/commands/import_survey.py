"""`python manage.py import_survey <survey-slug> <file> [--submitted-on DATE] [--dry-run]`
(DESIGN section 5)."""

from django.core.management.base import CommandError

from nmg_registry.management.dates import parse_date
from nmg_registry.management.importing import ImportCommand
from nmg_registry.models import PendingImport
from surveys.models import Survey
from surveys.selectors import survey_by_slug


class Command(ImportCommand):
    help = (
        "Store a responses file (CSV or XLSX: country, then the question codes) as the "
        "submitted responses of a survey round, replacing each country's earlier response."
    )

    def add_arguments(self, parser):
        parser.add_argument("survey", metavar="survey-slug", help="the round, e.g. nmg-survey-2020")
        parser.add_argument("file", help="a .csv (UTF-8) or .xlsx file")
        parser.add_argument(
            "--submitted-on",
            metavar="YYYY-MM-DD",
            help="the date the responses were submitted (default: the round's closing date "
            "when the round is closed, else now): a round held before the registry keeps "
            "its dates",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check the file and list what would change, writing nothing",
        )

    def handle(self, *args, survey, file, submitted_on, dry_run, verbosity, **options):
        submitted_on = parse_date("--submitted-on", submitted_on)
        try:
            round_ = survey_by_slug(slug=survey)
        except Survey.DoesNotExist as exc:
            raise CommandError(str(exc)) from None
        self.import_file(
            PendingImport.Kind.SURVEY,
            file,
            options={
                "survey": round_.slug,
                "submitted_on": submitted_on.isoformat() if submitted_on else None,
            },
            dry_run=dry_run,
            # A dry run is asked for to see the changes; a real run lists them on request.
            list_changes=dry_run or verbosity >= 2,
        )
