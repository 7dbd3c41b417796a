"""`python manage.py erase_personal_data --country ES --email E` (or `--name N
[--institution I]`, or `--user USERNAME`) `[--dry-run]`: erase a person on request."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from nmg_registry import personal_data, services
from nmg_registry.management.personal import PersonalDataCommand, the_one


class Command(PersonalDataCommand):
    help = (
        "Erase an expert on request: their record and seats are removed and every historical "
        f"version keeps its figures but has its identifying fields replaced by "
        f"{personal_data.MARKER}; uploads waiting for confirmation that name them are deleted "
        "and free text naming them is scrubbed. With --user, anonymise a user account "
        "instead. Logged in the erasure log (counts only)."
    )

    def add_arguments(self, parser):
        self.add_person_arguments(parser)
        parser.add_argument(
            "--user",
            default="",
            metavar="USERNAME",
            help="anonymise this user account (name, e-mail, user name; tokens, sessions)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="show what would be erased, erase nothing"
        )

    def handle(self, *args, **options):
        if options["user"].strip():
            if any(options[name].strip() for name in ("email", "name", "institution", "country")):
                raise CommandError(
                    "--user erases a user account; give it without --email, --name, "
                    "--institution or --country."
                )
            self.erase_account(options["user"].strip(), dry_run=options["dry_run"])
            return
        query = self.person_query(options)
        candidate = the_one(personal_data.find(query), query)
        source = personal_data.people_source(candidate.kind)
        if options["dry_run"]:
            self.report(source.plan(candidate), "Dry run, nothing erased. Erasing would:")
            return
        erased = source.erase(candidate, user=None)
        self.stdout.write(
            f"Erased: {erased.records} record(s) of {candidate.country.code} removed, "
            f"{erased.versions} historical version(s) scrubbed, {erased.uploads} waiting "
            f"upload(s) deleted, {erased.mentions} free-text mention(s) scrubbed."
        )

    def erase_account(self, username: str, *, dry_run: bool) -> None:
        account = get_user_model()._default_manager.filter(username=username).first()
        if account is None:
            raise CommandError(f'No user "{username}".')
        if personal_data.is_erased_user(account):
            raise CommandError(f'The account "{username}" was erased already.')
        if dry_run:
            self.report(services.plan_user_erasure(account), "Dry run, nothing erased. Would:")
            return
        erased = services.erase_user_account(by=None, account=account)
        account.refresh_from_db()
        self.stdout.write(
            f"Account {username} erased: it is now {account.get_username()}, "
            f"and {erased.versions} historical version(s) it made name "
            f"{personal_data.ERASED_USER}."
        )

    def report(self, plan, heading: str) -> None:
        self.stdout.write(heading)
        for line in plan.lines:
            self.stdout.write(f"- {line}")
