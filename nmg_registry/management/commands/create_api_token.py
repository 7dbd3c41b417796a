"""Print a new API token for a user, e.g. for a report pipeline set up by an administrator."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from nmg_registry.services import create_api_token


class Command(BaseCommand):
    help = (
        "Create an API token for a user and print its key, alone on the last line of standard "
        "output (KEY=$(manage.py create_api_token alice | tail -n 1)). The key is shown only "
        "this once; the user sees the token, by name, on their API tokens page."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--name",
            help="The token's name, unique among the user's tokens in use. "
            "Default: 'manage.py' and the current date and time.",
        )

    def handle(self, *args, username, name, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f'No user "{username}".')
        if not user.is_active:
            raise CommandError(f'The account "{username}" is inactive: its tokens would not work.')
        name = name if name is not None else f"manage.py {timezone.localtime():%Y-%m-%d %H:%M:%S}"
        try:
            token, key = create_api_token(user=user, name=name)
        except ValidationError as exc:
            if any(error.code == "taken" for error in exc.error_dict.get("name", [])):
                raise CommandError(
                    f'"{username}" already has a token named "{name}"; choose another --name.'
                ) from exc
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(
            f'API token "{token.name}" created for {username}. Store its key now: '
            "it is not shown again."
        )
        self.stdout.write(key)
