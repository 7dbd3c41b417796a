"""Reads of the countries' compositions: for exports the same columns as the import, so an
export imports back unchanged; for a country's pages its experts and its waiting upload.
Only the experts the permission policy lets the user read.
"""

from collections import defaultdict
from typing import NamedTuple

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone

from compositions.as_of import experts_at, memberships_at
from compositions.models import Expert, Gender, Membership, MembershipRole
from compositions.resources import COLUMNS, CompositionResource
from nmg_registry import permissions
from nmg_registry.imports import PENDING_IMPORT_LIFETIME
from nmg_registry.models import PendingImport, StakeholderType, WorkingGroup
from nmg_registry.moments import PRESENT, Moment
from nmg_registry.tabular import write_csv, write_xlsx

EXPORT_SHEET = "Composition"
# An expert's seats as the pages and the API list them: by working group, then mirror group.
SEAT_ORDER = (F("working_group__number").asc(nulls_last=True), "mirror_group__name", "id")


def composition_rows(
    *, user, countries=None, moment: Moment = PRESENT
) -> tuple[list[str], list[list]]:
    """(columns, rows) of the compositions the user may read, one row per seat, now or as
    they stood at a past `moment` (read from the history).

    `countries` (Country objects or EU/ISO codes) narrows the export. An expert without a
    seat gets one row with blank working group and role. Three queries (experts, their
    memberships, the working groups), whatever the size.
    """
    experts, memberships = _experts_and_seats(user, countries, moment)
    experts = experts.select_related("country", "stakeholder_type").order_by(
        "country__code", "name", "id"
    )
    memberships = memberships.order_by(
        F("working_group__number").asc(nulls_first=True), "id"
    ).values_list("expert_id", "working_group_id", "mirror_group_id", "role")
    seats = _seats_by_expert(memberships, working_groups=WorkingGroup.objects.in_bulk())
    resource = CompositionResource()
    rows = []
    for expert in experts:
        for working_group, role in seats.get(expert.id) or [(None, "")]:
            rows.append(resource.row(_Seat(expert, working_group, role)))
    return list(COLUMNS), rows


def _experts_and_seats(user, countries, moment: Moment) -> tuple[QuerySet, QuerySet]:
    """The experts the user may read (of `countries` when given) and their seats, at the
    moment. A past seat belongs to whom its expert's version then says: the seats follow the
    experts, whose country may have changed since."""
    if moment.is_present:
        experts = permissions.experts_visible_to(user, Expert.objects.all())
        memberships = permissions.memberships_visible_to(user, Membership.objects.all())
        if countries is not None:
            experts = experts.filter(_country_filter(countries, "country"))
            memberships = memberships.filter(_country_filter(countries, "expert__country"))
        return experts, memberships
    experts = permissions.experts_visible_to(user, experts_at(moment))
    if countries is not None:
        experts = experts.filter(_country_filter(countries, "country"))
    return experts, memberships_at(moment).filter(expert_id__in=experts.values("id"))


class _Seat(NamedTuple):
    """A row of the export: what `CompositionResource.row` reads of a membership."""

    expert: Expert
    working_group: WorkingGroup | None
    role: str


def _country_filter(countries, path: str) -> Q:
    codes = {getattr(c, "code", c).strip().upper() for c in countries}
    return Q(**{f"{path}__code__in": codes}) | Q(**{f"{path}__iso_code__in": codes})


class _Held(NamedTuple):
    working_group: WorkingGroup | None
    role: str
    direct: bool


def _seats_by_expert(memberships, *, working_groups) -> dict[int, list[tuple]]:
    """Each expert's seats as (working group, role), one per working group.

    A seat held both directly and through mirror groups, or through several groups, is one
    row: the direct seat's role, else coordinator if any group membership says so. The
    import reads such a row back as the seat it already is.
    """
    roles = defaultdict(dict)  # expert id -> working group id -> _Held
    for expert_id, working_group_id, mirror_group_id, role in memberships:
        held = roles[expert_id]
        current = held.get(working_group_id)
        direct = mirror_group_id is None
        if current is None or direct:
            held[working_group_id] = _Held(working_groups.get(working_group_id), role, direct)
        elif not current.direct and role == MembershipRole.COORDINATOR:
            held[working_group_id] = current._replace(role=role)
    return {
        expert_id: [(wg, role) for wg, role, _ in held.values()]
        for expert_id, held in roles.items()
    }


def composition_export(
    *, user, file_format: str, countries=None, moment: Moment = PRESENT
) -> bytes:
    """The compositions the user may read, now or at a past `moment`, as a CSV or XLSX file;
    formulas neutralised."""
    columns, rows = composition_rows(user=user, countries=countries, moment=moment)
    if file_format == "csv":
        return write_csv(columns, rows)
    if file_format == "xlsx":
        return write_xlsx([(EXPORT_SHEET, columns, rows)])
    raise ValueError(f'unknown export format "{file_format}"; expected csv or xlsx')


def composition_template_xlsx() -> bytes:
    """A blank composition file: the header row, and a sheet of the values each column takes."""
    valid_values = [
        *[
            ("working_group", group.number, group.name)
            for group in WorkingGroup.objects.order_by("number")
        ],
        *[("stakeholder_type", t.slug, t.label) for t in StakeholderType.objects.all()],
        *[("role", value, label) for value, label in MembershipRole.choices],
        *[("gender", value, label) for value, label in Gender.choices],
    ]
    return write_xlsx(
        [
            (EXPORT_SHEET, list(COLUMNS), []),
            ("Valid values", ["column", "value", "label"], valid_values),
        ]
    )


def country_experts(*, user, country, moment: Moment = PRESENT):
    """The country's experts the user may read, by name, with their stakeholder type and
    seats (working group and mirror group) fetched alongside: two queries for any page.
    At a past `moment`, their versions then, whose seats `with_seats_then` reads."""
    if not moment.is_present:
        return experts_then(user=user, moment=moment).filter(country=country).order_by("name", "id")
    memberships = permissions.memberships_visible_to(
        user,
        Membership.objects.select_related("working_group", "mirror_group").order_by(*SEAT_ORDER),
    )
    return (
        permissions.experts_visible_to(user, Expert.objects.filter(country=country))
        .select_related("country", "stakeholder_type")
        .prefetch_related(Prefetch("memberships", queryset=memberships))
        .order_by("name", "pk")
    )


def experts_then(*, user, moment: Moment) -> QuerySet:
    """The experts the user may read as they stood at a past moment (history rows, `id` the
    expert's), by country and name; `with_seats_then` adds their seats once a page is read."""
    return (
        permissions.experts_visible_to(user, experts_at(moment))
        .select_related("country", "stakeholder_type")
        .order_by("country__code", "name", "id")
    )


class SeatsThen(list):
    """An expert's seats at a past moment, answering `.all()` as the present's related
    manager does: the templates and serializers of the present read them unchanged."""

    def all(self):
        return self


def with_seats_then(experts, moment: Moment) -> list:
    """The experts (history rows of `experts_then`) with `memberships` set to their seats at
    the moment, in `SEAT_ORDER`: one query for any number of experts."""
    experts = list(experts)
    seats = defaultdict(SeatsThen)
    held = (
        memberships_at(moment)
        .filter(expert_id__in=[expert.id for expert in experts])
        .select_related("working_group", "mirror_group")
        .order_by(*SEAT_ORDER)
    )
    for seat in held:
        seats[seat.expert_id].append(seat)
    for expert in experts:
        expert.memberships = seats[expert.id]
    return experts


def expert_of_country(*, user, country, pk: int) -> Expert:
    """One expert of the country, with their seats; Expert.DoesNotExist for an expert of
    another country or one the user may not read."""
    return country_experts(user=user, country=country).get(pk=pk)


def waiting_upload(*, country, pk) -> PendingImport | None:
    """The composition upload `pk` of the country's page while it waits for confirmation:
    None once it was imported, or expired, or when it was made on another country's page."""
    return PendingImport.objects.filter(
        pk=pk,
        kind=PendingImport.Kind.COMPOSITION,
        options__country=country.code,
        created_at__gte=timezone.now() - PENDING_IMPORT_LIFETIME,
    ).first()
