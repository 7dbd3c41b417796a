"""Reads of the countries' compositions: for exports the same columns as the import, so an
export imports back unchanged; for a country's pages its experts and its waiting upload.
Only the experts the permission policy lets the user read.
"""

from collections import defaultdict
from typing import NamedTuple

from django.db.models import F, Prefetch, Q
from django.utils import timezone

from compositions.models import Expert, Gender, Membership, MembershipRole
from compositions.resources import COLUMNS, CompositionResource
from nmg_registry import permissions
from nmg_registry.imports import PENDING_IMPORT_LIFETIME
from nmg_registry.models import PendingImport, StakeholderType, WorkingGroup
from nmg_registry.tabular import write_csv, write_xlsx

EXPORT_SHEET = "Composition"


def composition_rows(*, user, countries=None) -> tuple[list[str], list[list]]:
    """(columns, rows) of the compositions the user may read, one row per seat.

    `countries` (Country objects or EU/ISO codes) narrows the export. An expert without a
    seat gets one row with blank working group and role. Three queries (experts, their
    memberships, the working groups), whatever the size.
    """
    experts = permissions.experts_visible_to(user, Expert.objects.all())
    memberships = permissions.memberships_visible_to(user, Membership.objects.all())
    if countries is not None:
        experts = experts.filter(_country_filter(countries, "country"))
        memberships = memberships.filter(_country_filter(countries, "expert__country"))
    experts = experts.select_related("country", "stakeholder_type").order_by(
        "country__code", "name", "pk"
    )
    memberships = memberships.order_by(
        F("working_group__number").asc(nulls_first=True), "pk"
    ).values_list("expert_id", "working_group_id", "mirror_group_id", "role")
    seats = _seats_by_expert(memberships, working_groups=WorkingGroup.objects.in_bulk())
    resource = CompositionResource()
    rows = []
    for expert in experts:
        for working_group, role in seats.get(expert.pk) or [(None, "")]:
            rows.append(resource.row(_Seat(expert, working_group, role)))
    return list(COLUMNS), rows


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


def composition_export(*, user, file_format: str, countries=None) -> bytes:
    """The compositions the user may read as a CSV or XLSX file; formulas neutralised."""
    columns, rows = composition_rows(user=user, countries=countries)
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


def country_experts(*, user, country):
    """The country's experts the user may read, by name, with their stakeholder type and
    seats (working group and mirror group) fetched alongside: two queries for any page."""
    memberships = permissions.memberships_visible_to(
        user,
        Membership.objects.select_related("working_group", "mirror_group").order_by(
            F("working_group__number").asc(nulls_last=True), "mirror_group__name", "pk"
        ),
    )
    return (
        permissions.experts_visible_to(user, Expert.objects.filter(country=country))
        .select_related("country", "stakeholder_type")
        .prefetch_related(Prefetch("memberships", queryset=memberships))
        .order_by("name", "pk")
    )


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
