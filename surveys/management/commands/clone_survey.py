"""`python manage.py clone_survey <source-slug> <new-slug> --title "…" [--opens D] [--closes D]`."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from nmg_registry.management.dates import parse_date
from surveys.models import Survey
from surveys.selectors import survey_by_slug
from surveys.services.rounds import clone_survey


class Command(BaseCommand):
    help = (
        "Start a new survey round in draft with a copy of another round's questions, "
        "inviting the current 1+MG signatories."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", metavar="source-slug", help="the round to copy")
        parser.add_argument("slug", metavar="new-slug", help="the new round's slug")
        parser.add_argument("--title", required=True, help="the new round's title")
        parser.add_argument("--opens", metavar="YYYY-MM-DD", help="the opening date")
        parser.add_argument("--closes", metavar="YYYY-MM-DD", help="the closing date")

    def handle(self, *args, source, slug, title, opens, closes, **options):
        try:
            source_round = survey_by_slug(slug=source)
        except Survey.DoesNotExist as exc:
            raise CommandError(str(exc)) from None
        opens_on = parse_date("--opens", opens)
        closes_on = parse_date("--closes", closes)
        try:
            survey = clone_survey(
                source=source_round,
                slug=slug,
                title=title,
                opens_on=opens_on,
                closes_on=closes_on,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        invited = list(survey.invited_countries.order_by("code").values_list("code", flat=True))
        self.stdout.write(
            f'Created {survey.slug} "{survey.title}" (draft) from {source_round.slug}: '
            f"{survey.questions.count()} questions, {len(invited)} invited countries "
            f"({', '.join(invited)})."
        )
