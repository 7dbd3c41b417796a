"""What changed in the compositions between two moments (two rounds, two dates, or one of
each): per country, who joined and left, seats gained and lost, working groups and
stakeholder types gained and lost. Read from `compositions.as_of`; four queries and one
for the countries whose names the user may read, whatever the data.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from compositions.as_of import experts_at, seats_at
from nmg_registry import permissions
from nmg_registry.models import Country
from nmg_registry.moments import Moment


@dataclass(frozen=True)
class CountryChange:
    country: str
    experts_before: int
    experts_after: int
    joined: int
    left: int
    seats_gained: int
    seats_lost: int
    working_groups_gained: list[int]
    working_groups_lost: list[int]
    stakeholder_types_gained: list[str]
    stakeholder_types_lost: list[str]
    # Names, for staff and the country's representatives only; None for anyone else.
    joined_names: list[str] | None = None
    left_names: list[str] | None = None


@dataclass(frozen=True)
class CompositionComparison:
    before: Moment
    after: Moment
    countries: list[CountryChange] = field(default_factory=list)


@dataclass
class _State:
    """One country's composition at a moment, as sets."""

    experts: dict = field(default_factory=dict)  # id -> name
    seats: set = field(default_factory=set)  # seat ids
    working_groups: set = field(default_factory=set)
    types: set = field(default_factory=set)


def _states(moment: Moment) -> dict[str, _State]:
    states: dict[str, _State] = defaultdict(_State)
    experts = (
        experts_at(moment)
        .order_by()
        .values_list("id", "country__code", "name", "stakeholder_type__slug")
    )
    for pk, code, name, slug in experts:
        state = states[code]
        state.experts[pk] = name
        if slug is not None:
            state.types.add(slug)
    for pk, code, number in seats_at(moment).order_by().values_list("id", "code", "number"):
        state = states[code]
        state.seats.add(pk)
        if number is not None:
            state.working_groups.add(number)
    return states


def composition_comparison(*, before: Moment, after: Moment, user) -> CompositionComparison:
    """Every country with a composition at either moment, or a change between them, by EU
    code; names of who joined and left only where `permissions.can_read_experts` allows."""
    then, now = _states(before), _states(after)
    readable = set(
        permissions.countries_kept_by(user, Country.objects.all()).values_list("code", flat=True)
    )
    changes = []
    for code in sorted(set(then) | set(now)):
        was, became = then.get(code, _State()), now.get(code, _State())
        joined = sorted(set(became.experts) - set(was.experts))
        left = sorted(set(was.experts) - set(became.experts))
        named = code in readable
        changes.append(
            CountryChange(
                country=code,
                experts_before=len(was.experts),
                experts_after=len(became.experts),
                joined=len(joined),
                left=len(left),
                seats_gained=len(became.seats - was.seats),
                seats_lost=len(was.seats - became.seats),
                working_groups_gained=sorted(became.working_groups - was.working_groups),
                working_groups_lost=sorted(was.working_groups - became.working_groups),
                stakeholder_types_gained=sorted(became.types - was.types),
                stakeholder_types_lost=sorted(was.types - became.types),
                joined_names=sorted(became.experts[pk] for pk in joined) if named else None,
                left_names=sorted(was.experts[pk] for pk in left) if named else None,
            )
        )
    return CompositionComparison(before=before, after=after, countries=changes)
