"""The composition file import's last stage: writing the plan, in batches, with its history.

The number of queries does not grow with the number of rows until the batches fill.
"""

from django.db import IntegrityError

from compositions.models import Expert, Membership
from compositions.services.import_plan import _Plan
from nmg_registry.bulk_writes import BulkWriter, batches, id_batches
from nmg_registry.tabular import ImportFailed, RowError


def _write(plan: _Plan, *, user, reason: str, as_of=None) -> None:
    """Apply the plan in batches, each write followed (or, for removals, preceded) by its
    history rows, all with one timestamp: `as_of` when given (a file of the past), which a
    record with a later version refuses."""
    writer = BulkWriter(user=user, reason=reason, as_of=as_of)
    experts, memberships = plan.experts, plan.memberships
    _refuse_later_versions(plan, writer)
    try:
        writer.remove(Membership, memberships.removed)
        writer.remove(Expert, experts.removed)
        writer.update(Expert, experts.updated, sorted(experts.updated_fields))
        writer.create(Expert, experts.created)
        writer.update(Membership, memberships.updated, ["role"])
        for batch in batches(memberships.created):
            writer.create(Membership, [_new_membership(*seat) for seat in batch])
        _touch_experts_with_changed_seats(plan, date=writer.date)
    except IntegrityError as exc:
        # Someone changed the same experts while the file was being read.
        raise ImportFailed(
            [RowError("the composition changed during the import; nothing was written, try again")]
        ) from exc


def check_dated(plan: _Plan, *, as_of) -> None:
    """What a write dated `as_of` would refuse, asked without writing (a dry run): every
    record the plan changes that already has a later version."""
    _refuse_later_versions(plan, BulkWriter(user=None, reason=None, as_of=as_of))


def _refuse_later_versions(plan: _Plan, writer: BulkWriter) -> None:
    """Every stored expert the file names (changed, with changed seats, or unchanged: the
    file says they stood so then) or removes, and every seat it changes or removes."""
    memberships = plan.memberships
    writer.refuse_later_versions(Expert, [*plan.named_experts, *plan.experts.removed])
    writer.refuse_later_versions(Membership, [*memberships.updated, *memberships.removed])


def _new_membership(expert: Expert, working_group, role: str) -> Membership:
    # Ids rather than objects: Model.__init__ is markedly faster without related objects,
    # and the experts were saved only now.
    return Membership(
        expert_id=expert.pk, working_group_id=working_group.id if working_group else None, role=role
    )


def _touched(plan: _Plan) -> set[int]:
    """The kept experts whose seats alone change."""
    experts, memberships = plan.experts, plan.memberships
    touched = {m.expert_id for m in [*memberships.updated, *memberships.removed]}
    touched |= {expert.pk for expert, _, _ in memberships.created if expert.pk}
    touched -= {expert.pk for expert in [*experts.updated, *experts.removed]}
    touched -= {expert.pk for expert in experts.created}
    return touched


def _touch_experts_with_changed_seats(plan: _Plan, *, date) -> None:
    """A new version for the kept experts whose seats alone changed, so that an expert's form
    opened before the import refuses to save over the new seats."""
    for ids in id_batches([Expert(pk=pk) for pk in sorted(_touched(plan))]):
        Expert.objects.filter(pk__in=ids).update(updated_at=date)
