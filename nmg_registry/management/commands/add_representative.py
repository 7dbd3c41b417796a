"""Let a user act for a country: `add_representative <username> <country-code> [--role ROLE]`."""

import getpass
import os
import sys

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from nmg_registry.models import Country, Representative
from nmg_registry.services import add_representative


class Command(BaseCommand):
    help = (
        "Create a representative of a country, or give an existing user the country. A new "
        "user's password comes from the NMG_PASSWORD environment variable, or is prompted."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("country", help="EU or ISO code, any letter case (EL, GR, UK, GB)")
        parser.add_argument(
            "--role",
            default=Representative.Role.WG1_REPRESENTATIVE,
            choices=Representative.Role.values,
            help="default: wg1_representative",
        )

    def handle(self, *args, username, country, role, **options):
        try:
            country = Country.objects.resolve(country)
        except Country.DoesNotExist as exc:
            raise CommandError(str(exc)) from exc
        exists = get_user_model().objects.filter(username=username).exists()
        password = None if exists else self.new_password(username)
        try:
            added = add_representative(
                username=username, country=country, role=role, password=password
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        link = added.representative
        self.stdout.write(
            f"{'Created user' if added.user_created else 'User'} {username} "
            f"{'now represents' if added.link_created else 'represents'} {country.name} "
            f"({country.code}) as {link.get_role_display()}."
        )

    def new_password(self, username: str) -> str:
        password = os.environ.get("NMG_PASSWORD", "")
        if password:
            return password
        if not sys.stdin.isatty():
            raise CommandError(
                f"{username} is a new user: set NMG_PASSWORD or run the command in a terminal "
                "to be asked for a password"
            )
        password = getpass.getpass(f"Password for {username}: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("the two passwords differ")
        return password
