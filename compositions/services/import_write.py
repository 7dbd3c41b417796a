"""The composition file import's last stage: writing the plan, in batches, with its history.

The number of queries does not grow with the number of rows until the batches fill.
"""

from django.db import IntegrityError, connection
from django.utils import timezone

from compositions.models import Expert, Membership
from compositions.services.import_plan import _Plan
from nmg_registry import permissions
from nmg_registry.tabular import ImportFailed, RowError

# Rows per INSERT/UPDATE; Django lowers it further where a database caps query parameters.
BATCH_SIZE = 2000


def _write(plan: _Plan, *, user, reason: str) -> None:
    """Apply the plan in batches, each write followed (or, for removals, preceded) by its
    history rows, all with one timestamp."""
    history = _History(user=user, reason=reason)
    try:
        for batch in _batches(plan.removed_memberships):
            history.record(Membership, batch, "-")
            _delete(Membership, batch)
        for batch in _batches(plan.removed_experts):
            history.record(Expert, batch, "-")
            _delete(Expert, batch)
        fields = [*sorted(plan.updated_fields), "updated_at"]
        for batch in _batches(plan.updated_experts):
            for expert in batch:
                expert.updated_at = history.date  # bulk_update() skips auto_now
            Expert.objects.bulk_update(batch, fields, batch_size=BATCH_SIZE)
            history.record(Expert, batch, "~")
        for batch in _batches(plan.new_experts):
            history.record(Expert, Expert.objects.bulk_create(batch, batch_size=BATCH_SIZE), "+")
        for batch in _batches(plan.updated_memberships):
            Membership.objects.bulk_update(batch, ["role"], batch_size=BATCH_SIZE)
            history.record(Membership, batch, "~")
        for batch in _batches(plan.new_memberships):
            memberships = [
                Membership(
                    expert_id=expert.pk,
                    working_group_id=working_group.id if working_group else None,
                    role=role,
                )
                for expert, working_group, role in batch
            ]
            history.record(
                Membership, Membership.objects.bulk_create(memberships, batch_size=BATCH_SIZE), "+"
            )
        _touch_experts_with_changed_seats(plan, date=history.date)
    except IntegrityError as exc:
        # Someone changed the same experts while the file was being read.
        raise ImportFailed(
            [RowError("the composition changed during the import; nothing was written, try again")]
        ) from exc


def _touch_experts_with_changed_seats(plan: _Plan, *, date) -> None:
    """A new version for the kept experts whose seats alone changed, so that an expert's form
    opened before the import refuses to save over the new seats."""
    touched = {m.expert_id for m in [*plan.updated_memberships, *plan.removed_memberships]}
    touched |= {expert.pk for expert, _, _ in plan.new_memberships if expert.pk}
    touched -= {expert.pk for expert in [*plan.updated_experts, *plan.removed_experts]}
    touched -= {expert.pk for expert in plan.new_experts}
    experts = [Expert(pk=pk) for pk in sorted(touched)]
    for ids in _id_batches(experts):
        Expert.objects.filter(pk__in=ids).update(updated_at=date)


class _History:
    """Writes django-simple-history rows for many records with one INSERT … SELECT a batch.

    The rows are those simple_history itself writes (every tracked field, history type, date,
    user, change reason), but the database copies the values. simple_history's
    bulk_create_with_history builds a Python object per history row: with it the import
    cost 5-6x a plain bulk_create, against about 3x now (docs/performance.md).
    """

    def __init__(self, *, user, reason: str):
        self.user_id = user.pk if permissions.is_signed_in(user) else None
        self.reason = reason
        self.date = timezone.now()

    def record(self, model, objs: list, history_type: str) -> None:
        historical = model.history.model
        ops = connection.ops
        source = [model._meta.get_field(f.name).column for f in historical.tracked_fields]
        target = [historical._meta.get_field(f.name).column for f in historical.tracked_fields]
        target += [
            historical._meta.get_field(name).column
            for name in ("history_date", "history_change_reason", "history_type", "history_user")
        ]
        date = historical._meta.get_field("history_date").get_db_prep_save(self.date, connection)
        for ids in _id_batches(objs):
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


def _delete(model, objs: list) -> None:
    """Delete rows without per-row signals: their history is written in bulk beforehand.

    A queryset delete() sends a signal per row, on which simple_history writes one history
    row per query; a removal of thousands would grow the query count with the file.
    """
    for ids in _id_batches(objs):
        queryset = model._default_manager.filter(pk__in=ids)
        queryset._raw_delete(queryset.db)


def _id_batches(objs: list):
    """The objects' ids in lists short enough for the database's parameter limit."""
    ids = [obj.pk for obj in objs]
    if None in ids:
        raise RuntimeError("bulk_create returned no ids; the import needs SQLite 3.35+")
    size = min(BATCH_SIZE, (connection.features.max_query_params or BATCH_SIZE) - 4)
    return _batches(ids, size)


def _batches(items: list, size: int = BATCH_SIZE):
    for start in range(0, len(items), size):
        yield items[start : start + size]
