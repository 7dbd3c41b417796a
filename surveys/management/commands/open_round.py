"""`python manage.py open_round <slug> [--closes YYYY-MM-DD]`: for cron jobs and scripts."""

from nmg_registry.management.dates import parse_date
from surveys.management.rounds import RoundCommand
from surveys.services.rounds import open_round


class Command(RoundCommand):
    help = (
        "Open a draft survey round for answers, as the admin's action does: refused, with "
        "the reason and exit status 1, when the round is not a draft, has no questions or "
        "closes in the past."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--closes", metavar="YYYY-MM-DD", help="set the round's closing date first"
        )

    def handle(self, *args, slug, closes, **options):
        closes_on = parse_date("--closes", closes)
        survey = self.apply(open_round, slug, closes_on=closes_on)
        until = f" until {survey.closes_on.isoformat()}" if survey.closes_on else ""
        count = survey.invited_countries.count()
        self.stdout.write(
            f"{survey.title} is open{until}, since {survey.opens_on.isoformat()}; "
            f"{count} countr{'ies' if count != 1 else 'y'} invited."
        )
