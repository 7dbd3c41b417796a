"""Writes of many records at once with their history, for the file imports of every app
and the answer form: `BulkWriter` creates, updates and removes; `BulkHistory` records.

Each history row names who made the change and why (`import_reason`), as a history row of
a form's save does: the history page and the conflict messages read them alike whichever
door a change came through. The number of queries grows with the batches, not the rows.
"""

from django.db import connection
from django.utils import timezone

from nmg_registry import permissions
from nmg_registry.tabular import ImportFailed, RowError

# Rows per INSERT/UPDATE; Django lowers it further where a database caps query parameters.
BATCH_SIZE = 2000
# django-simple-history's `history_change_reason` column.
REASON_LENGTH = 100


def import_reason(kind: str, filename: str) -> str:
    """The change reason of every history row an import writes: "survey import: 2020.csv"."""
    return f"{kind} import: {filename}"[:REASON_LENGTH]


class BulkHistory:
    """Writes django-simple-history rows for many records with one INSERT … SELECT a batch.

    The rows are those simple_history itself writes (every tracked field, history type, date,
    user, change reason), but the database copies the values. simple_history's
    bulk_create_with_history builds a Python object per history row: with it the import
    cost 5-6x a plain bulk_create, against about 3x now (docs/performance.md). `user` None
    (the command line) leaves the history's user blank; the reason still names the file.
    `reason` None is a form's save, which has none.
    """

    def __init__(self, *, user, reason: str | None, date=None):
        self.user_id = user.pk if permissions.is_signed_in(user) else None
        self.reason = reason[:REASON_LENGTH] if reason else None
        self.date = date or timezone.now()

    def record(self, model, objs: list, history_type: str) -> None:
        """History rows of type "+" (created), "~" (changed) or "-" (about to be deleted)
        for records already written (or, for "-", not yet deleted)."""
        historical = model.history.model
        ops = connection.ops
        source = [model._meta.get_field(f.name).column for f in historical.tracked_fields]
        target = [historical._meta.get_field(f.name).column for f in historical.tracked_fields]
        target += [
            historical._meta.get_field(name).column
            for name in ("history_date", "history_change_reason", "history_type", "history_user")
        ]
        date = historical._meta.get_field("history_date").get_db_prep_save(self.date, connection)
        for ids in id_batches(objs):
            placeholders = ", ".join(["%s"] * len(ids))
            sql = (
                f"INSERT INTO {ops.quote_name(historical._meta.db_table)} "
                f"({', '.join(ops.quote_name(c) for c in target)}) "
                f"SELECT {', '.join(ops.quote_name(c) for c in source)}, %s, %s, %s, %s "
                f"FROM {ops.quote_name(model._meta.db_table)} "
                f"WHERE {ops.quote_name(model._meta.pk.column)} IN ({placeholders})"
            )
            with connection.cursor() as cursor:
                cursor.execute(sql, [date, self.reason, history_type, self.user_id, *ids])

    def delete(self, model, objs: list) -> None:
        """Record the objects' removal, then delete them without per-row signals.

        A queryset delete() sends a signal per row, on which simple_history writes one
        history row per query; a removal of thousands would grow the query count with the
        file. Django's signal-free `_raw_delete` (private API, stable since Django 1.9; the
        import engine's only one, kept here alone) is safe here: the history is written just
        before, and the callers delete only rows nothing else references (or whose
        dependants they delete first).
        """
        self.record(model, objs, "-")
        for ids in id_batches(objs):
            queryset = model._default_manager.filter(pk__in=ids)
            queryset._raw_delete(queryset.db)


class BulkWriter:
    """Creates, updates and removes records in batches, each write followed (a removal
    preceded) by its history rows, all with one date, user and change reason: the one way
    the file imports and the answer form write many records.

    `date` is the present the caller shares with its other writes (now by default).
    `as_of` instead (a file received in the past) dates the versions and the records' own
    timestamps then; a record that already has a later version is refused, naming it, as
    history only moves forward."""

    def __init__(self, *, user, reason: str | None, date=None, as_of=None):
        self.history = BulkHistory(user=user, reason=reason, date=as_of or date)
        self.date = self.history.date
        self.backdated = as_of is not None

    def create(self, model, objs: list) -> None:
        stamped = _stamped_fields(model, created=True)
        for batch in batches(objs):
            created = model._default_manager.bulk_create(batch, batch_size=BATCH_SIZE)
            if self.backdated and stamped:
                # bulk_create stamps auto_now(_add) fields with the present; date them then.
                for ids in id_batches(created):
                    model._default_manager.filter(pk__in=ids).update(
                        **dict.fromkeys(stamped, self.date)
                    )
            self.history.record(model, created, "+")

    def update(self, model, objs: list, fields) -> None:
        """Save `fields` of the records; a field kept up to date on save (auto_now), which
        bulk_update skips, takes the writer's date."""
        stamped = _stamped_fields(model)
        fields = [*fields, *(name for name in stamped if name not in fields)]
        self.refuse_later_versions(model, objs)
        for batch in batches(objs):
            for obj in batch:
                for name in stamped:
                    setattr(obj, name, self.date)
            model._default_manager.bulk_update(batch, fields, batch_size=BATCH_SIZE)
            self.history.record(model, batch, "~")

    def remove(self, model, objs: list) -> None:
        self.refuse_later_versions(model, objs)
        for batch in batches(objs):
            self.history.delete(model, batch)

    def refuse_later_versions(self, model, objs: list) -> None:
        """When the writer is backdated: ImportFailed naming the first records (of `objs`)
        that already have a version later than its date. One query a batch."""
        if not self.backdated:
            return
        later = set()
        for ids in id_batches(objs):
            later.update(
                model.history.filter(id__in=ids, history_date__gt=self.date)
                .values_list("id", flat=True)
                .distinct()
            )
        if later:
            named = [obj for obj in objs if obj.pk in later][:MAX_NAMED]
            when = timezone.localtime(self.date).strftime("%Y-%m-%d %H:%M")
            raise ImportFailed(
                [
                    RowError(
                        f"{model._meta.verbose_name} {obj} already has a version later than "
                        f"{when}: history only moves forward, so an import dated then can neither "
                        "change it nor record it as it stood then"
                    )
                    for obj in named
                ],
                more=len(later) > MAX_NAMED,
            )


# How many records a refusal of a backdated write names.
MAX_NAMED = 20


def _stamped_fields(model, *, created: bool = False) -> list[str]:
    """The fields Django stamps with the present on save: auto_now (and auto_now_add, on
    creation)."""
    return [
        f.name
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or (created and getattr(f, "auto_now_add", False))
    ]


def id_batches(objs: list):
    """The objects' ids in lists short enough for the database's parameter limit."""
    ids = [obj.pk for obj in objs]
    if None in ids:
        raise RuntimeError("bulk_create returned no ids; the import needs SQLite 3.35+")
    size = min(BATCH_SIZE, (connection.features.max_query_params or BATCH_SIZE) - 4)
    return batches(ids, size)


def batches(items: list, size: int = BATCH_SIZE):
    for start in range(0, len(items), size):
        yield items[start : start + size]
