"""`python manage.py assessment_report <survey-slug> --format pdf|docx --output FILE`
(DESIGN section 5): a round's assessment report written to a file."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from analytics.report import FORMATS, check_format, report_file
from nmg_registry.permissions import Viewer
from surveys.models import Survey
from surveys.selectors import survey_by_slug


class Command(BaseCommand):
    help = (
        "Write a survey round's assessment report, as PDF or Word, to a file: what a "
        "signed-in reader downloads from the round's page (every table of the round, and "
        "each country's submitted answers in the annex)."
    )

    def add_arguments(self, parser):
        parser.add_argument("survey", metavar="survey-slug", help="the round, e.g. nmg-survey-2020")
        parser.add_argument(
            "--format",
            dest="file_format",
            required=True,
            metavar="|".join(FORMATS),
            help="pdf (to print or publish) or docx (to write the narrative around the figures)",
        )
        parser.add_argument(
            "--output",
            required=True,
            metavar="FILE",
            help="the file to write; - writes the report to the standard output",
        )

    def handle(self, *args, survey, file_format, output, **options):
        try:
            check_format(file_format)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        try:
            round_ = survey_by_slug(slug=survey)
        except Survey.DoesNotExist as exc:
            raise CommandError(str(exc)) from None
        if not output.strip():
            raise CommandError("--output: give a file name, or - for the standard output")
        made = report_file(survey=round_, user=Viewer(), file_format=file_format)
        if output == "-":
            # The bytes alone on stdout (for a pipe): the summary line goes to stderr.
            self.stdout.flush()
            sys.stdout.buffer.write(made.content)
            sys.stdout.buffer.flush()
            self.stderr.write(f"The report of {round_.title} ({len(made.content):,} bytes).")
            return
        try:
            Path(output).write_bytes(made.content)
        except OSError as exc:
            raise CommandError(f'cannot write the report to "{output}": {exc.strerror}') from None
        self.stdout.write(
            f"The report of {round_.title} ({file_format.upper()}, {len(made.content):,} bytes) "
            f"is written to {output}."
        )
