"""Load the synthetic demo data set and the demo accounts, for `make run`."""

from django.core.management.base import BaseCommand, CommandError

from demo.loader import (
    DemoDataError,
    existing_demo_logins,
    load_demo_data,
    registry_has_data,
)
from nmg_registry.tabular import ImportFailed


class Command(BaseCommand):
    help = (
        "Load a synthetic demo data set whose totals equal the tables of deliverable D6.6 "
        "(per-country values invented) and demo accounts (debug mode only). It replaces the "
        "compositions of the twelve demo countries; running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-fresh",
            action="store_true",
            help="Load only into a registry without experts, responses or demo data yet "
            "(what `make run` does); otherwise print the demo logins.",
        )

    def handle(self, *args, **options):
        if options["if_fresh"] and registry_has_data():
            self.stdout.write("The registry holds data already; demo data not loaded.")
            self.print_logins(existing_demo_logins())
            return
        try:
            result = load_demo_data()
        except DemoDataError as exc:
            raise CommandError(str(exc)) from exc
        except ImportFailed as failed:
            raise CommandError(
                f"The demo data did not import, nothing was written (a bug in "
                f"demo/loader.py):\n{failed}"
            ) from failed
        self.stdout.write(f"Composition import: {result.composition.line()}")
        self.stdout.write(f"Survey import: {result.survey.line()}")
        self.stdout.write(
            f"Mirror groups: {result.mirror_groups_created} created, "
            f"{result.mirror_groups_existing} already there"
        )
        if result.dataset_recorded:
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        else:
            self.stdout.write("Demo data was already loaded; nothing new to record.")
        self.print_logins(result.logins)

    def print_logins(self, logins):
        if not logins:
            return
        self.stdout.write("Demo logins (username / password / role), local use only:")
        for login in logins:
            account = login.account
            password = account.password if login.password_unchanged else "(changed since)"
            self.stdout.write(f"  {account.username} / {password} / {account.role}")
