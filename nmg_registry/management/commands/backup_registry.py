"""`manage.py backup_registry -o FILE.json`: the whole registry as a JSON fixture for
`loaddata` (docs/deployment.md, "Backup and restore")."""

from django.core import serializers
from django.core.management.commands import dumpdata

from nmg_registry import backup

# Recreated by `migrate` and `flush` in the database restored into, under their own ids;
# every reference to them in the backup is a natural key.
RECREATED_BY_MIGRATE = ("contenttypes", "auth.permission")


class Command(dumpdata.Command):
    help = (
        "Write every table of the registry (records, history, accounts, API tokens, sign-in "
        "records, sessions, pending uploads) as one JSON fixture that `loaddata` restores into "
        "a freshly migrated and flushed database. Takes dumpdata's options; -o FILE.json.gz "
        "compresses."
    )

    def handle(self, *app_labels, **options):
        serializers.register_serializer(backup.FORMAT, backup.__name__)
        options["format"] = backup.FORMAT
        options["use_natural_foreign_keys"] = True
        options["use_natural_primary_keys"] = False
        # Every row, also any a model's default manager would hide.
        options["use_base_manager"] = True
        options["exclude"] = [*options["exclude"], *RECREATED_BY_MIGRATE]
        return super().handle(*app_labels, **options)
