"""The composition file import's last stage: writing the plan, in batches, with its history.

The number of queries does not grow with the number of rows until the batches fill.
"""

from django.db import IntegrityError

from compositions.models import Expert, Membership
from compositions.services.import_plan import _Plan
from nmg_registry.bulk_writes import BATCH_SIZE, BulkHistory, batches, id_batches
from nmg_registry.tabular import ImportFailed, RowError


def _write(plan: _Plan, *, user, reason: str) -> None:
    """Apply the plan in batches, each write followed (or, for removals, preceded) by its
    history rows, all with one timestamp."""
    history = BulkHistory(user=user, reason=reason)
    try:
        for batch in batches(plan.removed_memberships):
            history.delete(Membership, batch)
        for batch in batches(plan.removed_experts):
            history.delete(Expert, batch)
        fields = [*sorted(plan.updated_fields), "updated_at"]
        for batch in batches(plan.updated_experts):
            for expert in batch:
                expert.updated_at = history.date  # bulk_update() skips auto_now
            Expert.objects.bulk_update(batch, fields, batch_size=BATCH_SIZE)
            history.record(Expert, batch, "~")
        for batch in batches(plan.new_experts):
            history.record(Expert, Expert.objects.bulk_create(batch, batch_size=BATCH_SIZE), "+")
        for batch in batches(plan.updated_memberships):
            Membership.objects.bulk_update(batch, ["role"], batch_size=BATCH_SIZE)
            history.record(Membership, batch, "~")
        for batch in batches(plan.new_memberships):
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
    for ids in id_batches(experts):
        Expert.objects.filter(pk__in=ids).update(updated_at=date)
