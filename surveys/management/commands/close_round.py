"""`python manage.py close_round <slug>`: for cron jobs and scripts."""

from surveys.management.rounds import RoundCommand
from surveys.services.rounds import close_round


class Command(RoundCommand):
    help = (
        "Close an open survey round (or record a past round entered as a draft as closed), "
        "as the admin's action does: refused, with the reason and exit status 1, otherwise."
    )

    def handle(self, *args, slug, **options):
        survey = self.apply(close_round, slug)
        self.stdout.write(
            f"{survey.title} is closed (closing date {survey.closes_on.isoformat()})."
        )
