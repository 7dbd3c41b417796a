"""How long each historical version was its record's latest: `history_valid_until`.

A record's version at a moment is its latest version dated at or before it. Asked of the
history alone, that is an anti-join of every version with its successors, and at 100,000
experts an `as_of` composition summary cost three times the present one. Each version of
the models read at a moment (experts, seats, mirror groups) therefore carries the date of
the version after it (null while it is the latest), and a moment's versions are a range:
`history_date <= at` and `history_valid_until` null or later than `at`
(`nmg_registry.moments.latest_versions`).

The column is derived from the history, never written by the registry's code: database
triggers recompute it from the versions' order (date, then history id) whenever a history
row is inserted, deleted or re-dated, whatever wrote it — simple_history's signals, the
bulk history's INSERT … SELECT, a data fix in a shell, a test that backdates versions. It is
an index of the history, not a second copy of it.
"""

from django.db import migrations, models

FIELD = "history_valid_until"


class VersionValidity(models.Model):
    """The base of a historical model whose versions are read at a moment:
    `HistoricalRecords(bases=[VersionValidity])`, and `install` in the migration that adds
    the field."""

    history_valid_until = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="The date of the record's next version; empty while this is its latest.",
    )

    class Meta:
        abstract = True


def installation(*tables: str) -> migrations.RunPython:
    """The migration operation that fills the column of each history table and installs its
    triggers (dropped again when the migration is reversed)."""

    def forwards(apps, schema_editor):
        for table in tables:
            install(schema_editor, table)

    def backwards(apps, schema_editor):
        for table in tables:
            uninstall(schema_editor, table)

    return migrations.RunPython(forwards, backwards)


def install(schema_editor, table: str) -> None:
    """Fill the column of the history table `table` and create the triggers that keep it."""
    with schema_editor.connection.cursor() as cursor:
        for sql in _statements(schema_editor.connection.vendor, table):
            cursor.execute(sql)


def uninstall(schema_editor, table: str) -> None:
    """Drop the triggers (the column goes with the migration's RemoveField)."""
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        for event in _EVENTS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {table}_{event}" + _on(vendor, table))
        if vendor == "postgresql":
            for function in ("rows", "row"):
                cursor.execute(f"DROP FUNCTION IF EXISTS {table}_validity_{function}()")


_EVENTS = ("validity_insert", "validity_delete", "validity_redate")


def _on(vendor: str, table: str) -> str:
    return f" ON {table}" if vendor == "postgresql" else ""


def _statements(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return _postgresql(table)
    if vendor == "sqlite":
        return _sqlite(table)
    raise NotImplementedError(f"no version validity triggers for the {vendor} database")


def _postgresql(table: str) -> list[str]:
    """Set-based: an import's INSERT … SELECT of thousands of versions fires one statement
    trigger, which recomputes only the records it touched."""

    def recompute(ids: str | None) -> str:
        # The records as an array (`id = ANY(…)`): the planner then reads their versions
        # through the index on id even while an import's own rows have left the table's
        # statistics behind; a join with the changed rows was planned as a scan of the whole
        # history per batch (ten times slower at 240,000 versions).
        only = f" WHERE id = ANY({ids})" if ids else ""
        return (
            f"UPDATE {table} h SET {FIELD} = x.next FROM ("
            f"SELECT history_id, LEAD(history_date) OVER (PARTITION BY id ORDER BY "
            f"history_date, history_id) AS next FROM {table}{only}) x "
            f"WHERE {'h.id = ANY(' + ids + ') AND ' if ids else ''}h.history_id = x.history_id "
            f"AND h.{FIELD} IS DISTINCT FROM x.next"
        )

    def function(name: str, body: str) -> str:
        return (
            f"CREATE OR REPLACE FUNCTION {table}_validity_{name}() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN {body}; RETURN NULL; END $$"
        )

    return [
        recompute(None),
        function("rows", recompute("ARRAY(SELECT DISTINCT id FROM changed)")),
        function("row", recompute("ARRAY[OLD.id, NEW.id]")),
        f"CREATE TRIGGER {table}_validity_insert AFTER INSERT ON {table} "
        f"REFERENCING NEW TABLE AS changed FOR EACH STATEMENT "
        f"EXECUTE FUNCTION {table}_validity_rows()",
        f"CREATE TRIGGER {table}_validity_delete AFTER DELETE ON {table} "
        f"REFERENCING OLD TABLE AS changed FOR EACH STATEMENT "
        f"EXECUTE FUNCTION {table}_validity_rows()",
        # Only a change of the columns the order reads: the triggers' own updates of the
        # validity, and an erasure's of names, fire nothing.
        f"CREATE TRIGGER {table}_validity_redate AFTER UPDATE OF id, history_date ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {table}_validity_row()",
    ]


def _sqlite(table: str) -> list[str]:
    """Row triggers (SQLite has no others), each recomputing the versions of one record."""

    def recompute(where: str = "") -> str:
        return (
            f"UPDATE {table} SET {FIELD} = (SELECT u.history_date FROM {table} u "
            f"WHERE u.id = {table}.id AND (u.history_date > {table}.history_date OR "
            f"(u.history_date = {table}.history_date AND u.history_id > {table}.history_id)) "
            f"ORDER BY u.history_date, u.history_id LIMIT 1){where}"
        )

    return [
        recompute(),
        f"CREATE TRIGGER {table}_validity_insert AFTER INSERT ON {table} "
        f"BEGIN {recompute(' WHERE id = NEW.id')}; END",
        f"CREATE TRIGGER {table}_validity_delete AFTER DELETE ON {table} "
        f"BEGIN {recompute(' WHERE id = OLD.id')}; END",
        f"CREATE TRIGGER {table}_validity_redate AFTER UPDATE OF id, history_date ON {table} "
        f"BEGIN {recompute(' WHERE id = OLD.id')}; {recompute(' WHERE id = NEW.id')}; END",
    ]
