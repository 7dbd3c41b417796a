"""The countries' compositions as they stood at a moment, from the history django-simple-history
keeps of experts, seats and mirror groups (`nmg_registry.moments.versions_as_of`): the one
home of "the composition then" for the summaries, the comparison and a country's trajectory.

The present is read from the records themselves, as it always was; a past moment from the
history, in the same number of queries whatever the data.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Count, F, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from compositions import seat_counts as seat_sql
from compositions.models import Expert, Membership
from nmg_registry.models import MirrorGroup
from nmg_registry.moments import Moment, versions_as_of


def _at(moment) -> datetime.datetime | None:
    """A Moment, a date-time, or None (the present) as a date-time or None."""
    return moment.at if isinstance(moment, Moment) else moment


def experts_at(moment) -> QuerySet:
    """The experts at the moment: the records themselves for the present, else the history
    rows of their versions then (same field names, `history_id` as primary key)."""
    at = _at(moment)
    return Expert.objects.all() if at is None else versions_as_of(Expert, at)


def memberships_at(moment) -> QuerySet:
    """The seats at the moment, as `experts_at` reads the experts."""
    at = _at(moment)
    return Membership.objects.all() if at is None else versions_as_of(Membership, at)


def expert_counts(moment=None) -> QuerySet:
    """Experts grouped by (country code, country name, stakeholder slug, gender) with their
    number `n`: each person counted once. One query."""
    return (
        experts_at(moment)
        .order_by()
        .values_list("country__code", "country__name", "stakeholder_type__slug", "gender")
        .annotate(n=Count("pk"))
    )


def seats_at(moment=None) -> QuerySet:
    """The seats at the moment, each annotated with `code` (its expert's country then) and
    `number` (its working group's; for a seat in a group that mirrors one working group,
    that group's even when the seat itself does not name it)."""
    at = _at(moment)
    if at is None:
        return Membership.objects.annotate(
            code=F("expert__country__code"),
            number=Coalesce("working_group__number", "mirror_group__working_group__number"),
        )
    # The seat's country is its expert's then, and its mirror group's working group that
    # group's then: both may have changed (or gone) since.
    country = (
        Expert.history.filter(id=OuterRef("expert_id"), history_date__lte=at)
        .order_by("-history_date", "-history_id")
        .values("country__code")[:1]
    )
    mirrored = versions_as_of(MirrorGroup, at).filter(id=OuterRef("mirror_group_id"))
    return versions_as_of(Membership, at).annotate(
        code=Subquery(country),
        number=Coalesce(
            "working_group__number", Subquery(mirrored.values("working_group__number")[:1])
        ),
    )


def seat_counts(moment=None):
    """Seats grouped by (country code, working group number): rows of (code, number, n).
    One query. A past moment's are counted by `compositions.seat_counts` (a join, not a
    lookup per seat); the present's, and `seats_at`, hold the same figures."""
    at = _at(moment)
    if at is None:
        return _present_seat_counts()
    return seat_sql.rows(seat_sql.past_seat_counts(at))


def _present_seat_counts() -> QuerySet:
    return seats_at(None).order_by().values_list("code", "number").annotate(n=Count("pk"))


@dataclass(frozen=True)
class CountryAtMoment:
    """One country's composition at a moment, in the few figures a trajectory shows."""

    country: str
    experts: int
    working_groups: list[int]  # numbers covered by at least one seat, ascending
    stakeholder_types: list[str]  # slugs with at least one expert, sorted


def composition_as_of(moment=None, countries=None) -> dict[str, CountryAtMoment]:
    """Per country code (of `countries`, codes or Country objects; every country by default)
    with at least one expert at the moment (a Moment, a date-time, or None for the present):
    its experts, working groups covered and stakeholder types. Two queries."""
    return compositions_as_of([moment], countries)[0]


def compositions_as_of(moments, countries=None) -> list[dict[str, CountryAtMoment]]:
    """`composition_as_of` at each of several moments, in their order: still two queries
    whatever their number, each moment's counts read as one part of a UNION ALL."""
    moments = list(moments)
    if not moments:
        return []
    parts = [_counts_of(moment, countries) for moment in moments]
    sizes: list[Counter] = [Counter() for _ in moments]
    types: list[dict[str, set]] = [defaultdict(set) for _ in moments]
    for code, _name, slug, _gender, n, index in _each_moment(part[0] for part in parts):
        sizes[index][code] += n
        if slug is not None:
            types[index][code].add(slug)
    covered: list[dict[str, set]] = [defaultdict(set) for _ in moments]
    for code, number, _n, index in seat_sql.rows(seat_sql.each_part([p[1] for p in parts])):
        if number is not None:
            covered[index][code].add(number)
    return [
        {
            code: CountryAtMoment(
                country=code,
                experts=sizes[index][code],
                working_groups=sorted(covered[index][code]),
                stakeholder_types=sorted(types[index][code]),
            )
            for code in sorted(sizes[index])
        }
        for index in range(len(moments))
    ]


def _counts_of(moment, countries) -> tuple[QuerySet, seat_sql.Statement | None]:
    """The grouped expert counts at the moment, and the statement of its grouped seat
    counts (None: no seat), of `countries` when given."""
    at = _at(moment)
    codes = None if countries is None else sorted({getattr(c, "code", c) for c in countries})
    experts = expert_counts(moment)
    if codes is not None:
        experts = experts.filter(country__code__in=codes)
    if codes == []:
        return experts, None
    if at is not None:
        return experts, seat_sql.past_seat_counts(at, codes)
    seats = _present_seat_counts()
    return experts, seat_sql.compiled(seats if codes is None else seats.filter(code__in=codes))


def _each_moment(parts) -> QuerySet:
    """The parts' rows in one query, each ending with its part's index."""
    numbered = [
        part.annotate(moment_index=Value(index, output_field=IntegerField()))
        for index, part in enumerate(parts)
    ]
    return numbered[0].union(*numbered[1:], all=True) if len(numbered) > 1 else numbered[0]
