"""`python manage.py purge_history --older-than DAYS [--dry-run]`: the retention of the
history, scrubbing the identifying fields of records removed more than DAYS ago."""

from django.core.management.base import CommandError

from nmg_registry import personal_data, services
from nmg_registry.management.personal import PersonalDataCommand


class Command(PersonalDataCommand):
    help = (
        "Replace the identifying fields of every historical version of experts removed more "
        f"than DAYS ago by {personal_data.MARKER}, as an erasure does; the figures of past "
        "rounds stay. Logged in the erasure log (counts only)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            metavar="DAYS",
            type=int,
            required=True,
            help="scrub the records removed more than DAYS days ago",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would be scrubbed, change nothing"
        )

    def handle(self, *args, older_than, dry_run, **options):
        try:
            services.retention_period(older_than)
        except ValueError as refused:
            raise CommandError(str(refused)) from None
        purged = services.purge_history(older_than_days=older_than, dry_run=dry_run)
        verb = "would be scrubbed (dry run, nothing changed)" if dry_run else "scrubbed"
        for line in purged:
            self.stdout.write(
                f"{line.model_label} removed more than {older_than} day(s) ago: {line.records} "
                f"record(s), {line.versions} historical version(s) {verb}."
            )
