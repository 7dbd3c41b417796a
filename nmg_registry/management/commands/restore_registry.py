"""`manage.py restore_registry FILE.json`: the registry as `backup_registry` wrote it, into
a migrated database whose rows it replaces (docs/deployment.md, "Backup and restore")."""

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.management.commands import loaddata
from django.core.serializers.base import DeserializationError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import override_settings


class EmptyBackup(Exception):
    """The file holds no rows: loading it would leave an empty registry."""


class Command(BaseCommand):
    help = (
        "Replace every row of the database with a backup written by backup_registry. The "
        "database must be migrated to the same version of the registry; run `migrate` first."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", help="The file backup_registry wrote (.json, .json.gz…).")
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation before replacing the database's rows.",
        )
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="The database to restore into."
        )

    def handle(self, *args, backup, interactive, database, verbosity, **options):
        if not Path(backup).is_file():
            raise CommandError(f"No backup file at {backup}.")
        connection = connections[database]
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError(
                "The database is not migrated to this version of the registry; run "
                "`manage.py migrate` first, then restore."
            )
        if interactive and not self._confirmed(connection.settings_dict["NAME"]):
            raise CommandError("Restore cancelled; nothing was changed.")
        try:
            self._replace_rows(backup, database, verbosity)
        except EmptyBackup as exc:
            raise CommandError(f"{backup} holds no rows; nothing was changed.") from exc
        except (DeserializationError, DatabaseError, ValueError) as exc:
            raise CommandError(
                f"{backup} could not be restored; nothing was changed. {exc}"
            ) from exc

    @staticmethod
    def _replace_rows(backup, database, verbosity):
        # One transaction: a backup that does not load leaves the database as it was.
        with transaction.atomic(using=database):
            # Empty every table; Django then recreates the content types and permissions,
            # which the backup refers to by name.
            call_command("flush", interactive=False, database=database, verbosity=0)
            loader = loaddata.Command()
            # Loading a round's invited countries would otherwise add a version to its
            # history that the registry backed up never had.
            with override_settings(SIMPLE_HISTORY_ENABLED=False):
                call_command(loader, backup, database=database, verbosity=verbosity)
            if not loader.loaded_object_count:
                raise EmptyBackup

    def _confirmed(self, name) -> bool:
        answer = input(
            f"Every row of the database {name!r} will be replaced by the backup.\n"
            "Type 'yes' to continue, or 'no' to cancel: "
        )
        return answer == "yes"
