"""The composition file import's second stage: what the import will do.

The file's people are compared with the stored composition; the plan lists the experts and
seats to create, update and remove, and describes each change for the preview.
"""

from collections import defaultdict
from dataclasses import dataclass

from compositions.models import Expert, Membership, MembershipRole
from compositions.services.import_rows import (
    _Existing,
    _Person,
    _Seat,
    _seat_label,
    _show,
    _Stored,
)
from nmg_registry.import_plan import ImportPlan
from nmg_registry.models import StakeholderType, WorkingGroup


class _Plan(ImportPlan):
    """The composition's planned writes. A new seat is (expert, working group or None,
    role): its expert may not be saved yet."""

    def __init__(self):
        super().__init__()
        self.experts = self.writes_of("experts")
        self.memberships = self.writes_of("memberships")
        # Every stored expert the file names, changed or not: an import dated in the past
        # records them as they stood then, so none may have a later version.
        self.named_experts: list[Expert] = []


# Planning the changes


@dataclass(frozen=True)
class _Lookups:
    """Reference rows by id, for describing stored values in the preview."""

    working_groups: dict[int, WorkingGroup]
    stakeholder_types: dict[int, StakeholderType]

    @classmethod
    def from_widgets(cls, widgets) -> "_Lookups":
        return cls(
            working_groups={g.pk: g for g in widgets["working_group"].groups},
            stakeholder_types={t.pk: t for t in widgets["stakeholder_type"].types},
        )


def _plan(people, matches, existing: _Existing, *, fields, replace, lookups) -> _Plan:
    """Compare the file with the stored composition: what to create, update and remove."""
    plan = _Plan()
    for person, expert in zip(people, matches, strict=True):
        if expert is None:
            _plan_new_person(plan, person, fields=fields)
        else:
            _plan_known_person(
                plan, person, expert, existing, fields=fields, replace=replace, lookups=lookups
            )
    if replace:
        claimed = {expert.pk for expert in matches if expert is not None}
        for expert in existing.experts:
            if expert.pk not in claimed:
                _plan_removal(plan, expert, existing, lookups=lookups)
    return plan


def _plan_new_person(plan: _Plan, person: _Person, *, fields) -> None:
    values = {name: person.value(name) for name in fields}
    # Ids rather than objects: Model.__init__ is markedly faster without related objects.
    stakeholder_type = values.pop("stakeholder_type", None)
    values["stakeholder_type_id"] = stakeholder_type.id if stakeholder_type else None
    expert = Expert(country_id=person.country.id, **values)
    plan.experts.created.append(expert)
    plan.note("create", "expert", f"create expert {person.label}", person.line)
    for seat in person.seats.values():
        _plan_new_seat(plan, person, expert, seat)


def _plan_new_seat(plan: _Plan, person: _Person, expert, seat: _Seat) -> None:
    role = seat.role or MembershipRole.EXPERT
    plan.memberships.created.append((expert, seat.working_group, role))
    description = f"create membership {person.label}: {_seat_label(seat.working_group)}, {role}"
    plan.note("create", "membership", description, seat.line)


def _plan_known_person(plan, person, expert, existing, *, fields, replace, lookups) -> None:
    plan.named_experts.append(expert)
    differences = _update_expert(plan, person, expert, fields=fields, lookups=lookups)
    if differences:
        plan.experts.updated.append(expert)
        description = f"update expert {person.label}: " + "; ".join(differences)
        plan.note("update", "expert", description, person.line)
    else:
        plan.experts.unchanged += 1
    kept = _plan_seats(plan, person, expert, existing.seats.get(expert.pk, []))
    if replace:
        for stored in existing.seats.get(expert.pk, []):
            if stored.pk not in kept:
                where = _seat_label(lookups.working_groups.get(stored.working_group_id))
                _plan_seat_removal(plan, stored, person.label, where)


def _update_expert(plan, person: _Person, expert: Expert, *, fields, lookups) -> list[str]:
    """Give the stored expert the file's values (the file is the truth); describe each change."""
    differences = []
    for name in fields:
        new = person.value(name)
        if name == "email" and not new:
            continue  # a row without email names the person; it does not erase the address
        if name == "stakeholder_type":
            old = lookups.stakeholder_types.get(expert.stakeholder_type_id)
        else:
            old = getattr(expert, name)
        if old != new:
            differences.append(f"{name} {_show(old)} → {_show(new)}")
            setattr(expert, name, new)
            plan.experts.updated_fields.add(name)
    return differences


def _plan_seats(plan: _Plan, person: _Person, expert: Expert, stored: list[_Stored]) -> set[int]:
    """Create or update the person's seats; returns the ids of the stored seats the file keeps.

    A seat is an expert's working group (or none). The file's role goes to the seat held
    outside any mirror group; a seat held only through mirror groups counts as present.
    """
    plain = {s.working_group_id: s for s in stored if s.mirror_group_id is None}
    in_groups = defaultdict(list)
    for s in stored:
        if s.mirror_group_id is not None:
            in_groups[s.working_group_id].append(s)
    kept = set()
    for key, seat in person.seats.items():
        if key is None and seat.role is None and not stored and len(person.seats) == 1:
            continue  # "the person only": how the export writes an expert without seats
        role = seat.role or MembershipRole.EXPERT
        kept.update(s.pk for s in in_groups.get(key, ()))
        held = plain.get(key)
        if held is not None:
            kept.add(held.pk)
            _plan_role(plan, person, held, seat, role)
        elif key in in_groups and role == _group_role(in_groups[key]):
            plan.memberships.unchanged += 1
        else:
            _plan_new_seat(plan, person, expert, seat)
    return kept


def _group_role(seats: list[_Stored]) -> str:
    """The role an export shows for a seat held through mirror groups."""
    if any(s.role == MembershipRole.COORDINATOR for s in seats):
        return MembershipRole.COORDINATOR
    return MembershipRole.EXPERT


def _plan_role(plan: _Plan, person: _Person, held: _Stored, seat: _Seat, role: str) -> None:
    if held.role == role:
        plan.memberships.unchanged += 1
        return
    membership = _membership(held)
    membership.role = role
    plan.memberships.updated.append(membership)
    description = (
        f"update membership {person.label}: {_seat_label(seat.working_group)}, "
        f"role {held.role} → {role}"
    )
    plan.note("update", "membership", description, seat.line)


def _plan_removal(plan: _Plan, expert: Expert, existing: _Existing, *, lookups) -> None:
    label = f"{expert.name} ({existing.countries[expert.country_id].code})"
    plan.experts.removed.append(expert)
    plan.note("remove", "expert", f"remove expert {label}")
    for stored in existing.seats.get(expert.pk, []):
        wg = lookups.working_groups.get(stored.working_group_id)
        _plan_seat_removal(plan, stored, label, _seat_label(wg))


def _plan_seat_removal(plan: _Plan, stored: _Stored, label: str, where: str) -> None:
    plan.memberships.removed.append(_membership(stored))
    group = f" in {stored.mirror_group_name}" if stored.mirror_group_name else ""
    description = f"remove membership {label}: {where}, {stored.role}{group}"
    plan.note("remove", "membership", description)


def _membership(stored: _Stored) -> Membership:
    return Membership(
        pk=stored.pk,
        expert_id=stored.expert_id,
        working_group_id=stored.working_group_id,
        mirror_group_id=stored.mirror_group_id,
        role=stored.role,
    )
