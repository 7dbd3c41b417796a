"""What the round commands share: the round by its slug, and the service's refusal as the
command's error (exit status 1, the reason, no traceback)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from surveys.models import Survey
from surveys.selectors import survey_by_slug


class RoundCommand(BaseCommand):
    """Base for `open_round` and `close_round`."""

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the round's slug, e.g. nmg-survey-2024")

    def apply(self, service, slug: str, **arguments) -> Survey:
        """The round as `service` saved it, in the name of the command line (user None)."""
        try:
            survey = survey_by_slug(slug=slug)
        except Survey.DoesNotExist as exc:
            raise CommandError(str(exc)) from None
        try:
            return service(user=None, survey=survey, **arguments)
        except ValidationError as refused:  # its messages name the round
            raise CommandError(" ".join(refused.messages)) from None
