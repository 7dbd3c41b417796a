"""Writes to the countries' compositions: the composition file import (DESIGN section 5).

The import is lenient on form and strict on meaning. It reads the whole file, reports every
problem at once, and writes nothing unless the file is clean. It is fast enough for 100,000
rows because it reads the stored composition of the file's countries in two queries,
matches people and seats in Python dictionaries, and writes (with history) in batches: the
number of queries does not grow with the number of rows until the batches fill.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from compositions.models import Expert, Membership, MembershipRole
from compositions.resources import COLUMNS, OPTIONAL_COLUMNS, REQUIRED_COLUMNS, cell_widgets
from nmg_registry import permissions
from nmg_registry.concurrency import lock_unchanged
from nmg_registry.models import Country, MirrorGroup, StakeholderType, WorkingGroup
from nmg_registry.tabular import (
    Change,
    ErrorCollector,
    ImportFailed,
    ImportSummary,
    Row,
    RowError,
    check_previewed,
    read_table,
)

# Rows per INSERT/UPDATE; Django lowers it further where a database caps query parameters.
BATCH_SIZE = 2000
# The expert's fields as the file names them, in column order.
EXPERT_FIELDS = (
    "stakeholder_type",
    "institution",
    "name",
    "position",
    "gender",
    "region",
    "email",
)
BLANK = "(blank)"


# What the file says


@dataclass(slots=True)
class _Row:
    """A row whose every cell was understood."""

    line: int
    country: Country
    working_group: WorkingGroup | None
    role: str | None  # None when the cell is blank
    values: dict  # the expert's fields given by this row (blank ones included)


@dataclass(slots=True)
class _Seat:
    working_group: WorkingGroup | None
    role: str | None
    line: int


@dataclass(slots=True)
class _Person:
    """One person of the file, gathered from all of their rows."""

    country: Country
    line: int
    values: dict = field(default_factory=dict)  # field -> (non-blank value, line giving it)
    seats: dict = field(default_factory=dict)  # working group id or None -> _Seat

    def value(self, name):
        given = self.values.get(name)
        if given is not None:
            return given[0]
        return None if name == "stakeholder_type" else ""

    @property
    def label(self) -> str:
        return f"{self.value('name')} ({self.country.code})"


# What the database holds


class _Stored(NamedTuple):
    """A stored membership, read as a tuple: cheap for a country's whole composition."""

    pk: int
    expert_id: int
    working_group_id: int | None
    mirror_group_id: int | None
    role: str
    mirror_group_name: str | None


@dataclass
class _Existing:
    """The stored experts and memberships of the countries named in the file."""

    countries: dict[int, Country]
    experts: list[Expert]
    by_email: dict[tuple, Expert]
    by_name: dict[tuple, list[Expert]]
    seats: dict[int, list[_Stored]]

    @classmethod
    def load(cls, countries: dict[int, Country]) -> "_Existing":
        experts = list(Expert.objects.filter(country_id__in=countries).order_by("pk"))
        by_email, by_name = {}, defaultdict(list)
        for expert in experts:
            if expert.email:
                by_email[_email_key(expert.country_id, expert.email)] = expert
            by_name[_name_key(expert.country_id, expert.name, expert.institution)].append(expert)
        seats = defaultdict(list)
        stored = Membership.objects.filter(expert__country_id__in=countries).order_by("pk")
        for values in stored.values_list(
            "pk", "expert_id", "working_group_id", "mirror_group_id", "role", "mirror_group__name"
        ):
            seats[values[1]].append(_Stored(*values))
        return cls(
            countries=countries, experts=experts, by_email=by_email, by_name=by_name, seats=seats
        )


# What the import will do


@dataclass
class _Plan:
    new_experts: list[Expert] = field(default_factory=list)
    updated_experts: list[Expert] = field(default_factory=list)
    updated_fields: set[str] = field(default_factory=set)
    removed_experts: list[Expert] = field(default_factory=list)
    # (expert, working group or None, role): the expert may not be saved yet.
    new_memberships: list[tuple] = field(default_factory=list)
    updated_memberships: list[Membership] = field(default_factory=list)
    removed_memberships: list[Membership] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    unchanged_experts: int = 0
    unchanged_memberships: int = 0

    def summary(self, *, dry_run: bool) -> ImportSummary:
        summary = ImportSummary(dry_run=dry_run, changes=self.changes)
        experts = summary.for_model("experts")
        experts.created, experts.updated = len(self.new_experts), len(self.updated_experts)
        experts.unchanged, experts.removed = self.unchanged_experts, len(self.removed_experts)
        seats = summary.for_model("memberships")
        seats.created, seats.updated = len(self.new_memberships), len(self.updated_memberships)
        seats.unchanged, seats.removed = self.unchanged_memberships, len(self.removed_memberships)
        return summary


@transaction.atomic
def import_composition(
    *,
    data: bytes,
    filename: str,
    replace: bool = False,
    dry_run: bool = False,
    user=None,
    only_countries=None,
    previewed: str | None = None,
) -> ImportSummary:
    """Upsert the experts and memberships of a composition file (CSV or XLSX).

    `replace` makes the file the whole composition of each country it names: experts and
    seats of those countries that the file leaves out are removed. `user` is the person
    acting through the web (their countries only); None is the trusted command line.
    `only_countries` (Country objects), when given, refuses every row of another country,
    even one the user may edit: a country's own upload page imports that country alone.
    `previewed`, when given, is the fingerprint of the preview the user confirmed:
    if the registry changed since so that the import would now make other changes, it
    raises PlanChanged with the new preview and writes nothing.
    Raises ImportFailed with every problem of the file; then nothing is written.
    """
    table = read_table(
        data, filename=filename, required=REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS
    )
    columns = [c for c in COLUMNS if c in table.columns]
    widgets = cell_widgets()
    errors = ErrorCollector(by_line=True)
    rows = _clean_rows(
        table.rows,
        columns=columns,
        widgets=widgets,
        user=user,
        only_countries=only_countries,
        errors=errors,
    )
    del table  # the cleaned rows replace it; a 100,000-row table is worth freeing
    people = _gather_people(rows, errors=errors)
    del rows
    existing = _Existing.load({person.country.id: person.country for person in people})
    matches = _match_experts(people, existing, errors=errors)
    errors.raise_if_any()
    plan = _plan(
        people,
        matches,
        existing,
        fields=[name for name in EXPERT_FIELDS if name in columns],
        replace=replace,
        lookups=_Lookups.from_widgets(widgets),
    )
    if previewed is not None:
        check_previewed(plan.summary(dry_run=True), previewed)
    if not dry_run:
        _write(plan, user=user, reason=f"composition import: {filename}"[:100])
    return plan.summary(dry_run=dry_run)


# Reading the rows


def _clean_rows(
    table_rows: list[Row], *, columns, widgets, user, only_countries, errors: ErrorCollector
) -> list[_Row]:
    """Every cell through its widget; a row with any bad cell is reported and left out."""
    may_edit: dict[int, bool] = {}
    allowed = None if only_countries is None else {c.id: c for c in only_countries}
    cleaners = [(column, widgets[column].clean) for column in columns]
    clean = []
    for row in table_rows:
        values, bad, cells = {}, False, row.cells
        for column, clean_cell in cleaners:
            try:
                values[column] = clean_cell(cells[column])
            except ValueError as exc:
                errors.add(str(exc), line=row.line, column=column)
                bad = True
        country = values.get("country")
        if country is not None and allowed is not None and country.id not in allowed:
            expected = " or ".join(f"{c.name} ({c.code})" for c in allowed.values())
            message = (
                f"the row is for {country.name} ({country.code}); "
                f"this upload takes rows of {expected} only"
            )
            errors.add(message, line=row.line, column="country")
            bad = True
        elif country is not None and user is not None:
            if country.id not in may_edit:
                may_edit[country.id] = permissions.can_edit_experts(user, country)
            if not may_edit[country.id]:
                message = f"you may not change the composition of {country.name} ({country.code})"
                errors.add(message, line=row.line, column="country")
                bad = True
        if not bad:
            clean.append(
                _Row(
                    line=row.line,
                    country=values.pop("country"),
                    working_group=values.pop("working_group"),
                    role=values.pop("role") if row.cells["role"] else None,
                    values=values,
                )
            )
    return clean


def _name_key(country_id, name: str, institution: str) -> tuple:
    return (country_id, "name", name.lower(), institution.lower())


def _email_key(country_id, email: str) -> tuple:
    return (country_id, "email", email.lower())


def _gather_people(rows: list[_Row], *, errors: ErrorCollector) -> list[_Person]:
    """Rows of the same person become one person with several seats.

    A person is recognised by country + email, or by country + name + institution without
    an email; a row without email joins the one person with an email of that name and
    institution, if there is exactly one.
    """
    emails_by_name = defaultdict(set)
    for row in rows:
        if row.values["email"]:
            name_key = _name_key(row.country.id, row.values["name"], row.values["institution"])
            emails_by_name[name_key].add(_email_key(row.country.id, row.values["email"]))
    people: dict[tuple, _Person] = {}
    for row in rows:
        if row.values["email"]:
            key = _email_key(row.country.id, row.values["email"])
        else:
            key = _name_key(row.country.id, row.values["name"], row.values["institution"])
            same_name = emails_by_name.get(key, ())
            if len(same_name) == 1:
                key = next(iter(same_name))
        person = people.get(key)
        if person is None:
            person = people[key] = _Person(country=row.country, line=row.line)
        _add_row(person, row, errors=errors)
    return list(people.values())


def _add_row(person: _Person, row: _Row, *, errors: ErrorCollector) -> None:
    """Merge a row into its person; a second, different non-blank value is an error."""
    for name, value in row.values.items():
        if value in ("", None):
            continue
        given = person.values.get(name)
        if given is None:
            person.values[name] = (value, row.line)
        elif not _same(given[0], value):
            errors.add(
                f'"{_show(value)}" conflicts with "{_show(given[0])}" on line {given[1]} '
                "for the same person",
                line=row.line,
                column=name,
            )
    key = row.working_group.pk if row.working_group else None
    seat = person.seats.get(key)
    if seat is None:
        person.seats[key] = _Seat(working_group=row.working_group, role=row.role, line=row.line)
    elif row.role and seat.role and row.role != seat.role:
        errors.add(
            f'"{row.role}" conflicts with "{seat.role}" on line {seat.line} for the same seat '
            f"({_seat_label(row.working_group)})",
            line=row.line,
            column="role",
        )
    elif row.role and not seat.role:
        seat.role = row.role


def _same(a, b) -> bool:
    if a is b:
        return True
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    return a == b


def _show(value) -> str:
    if value in ("", None):
        return BLANK
    return getattr(value, "slug", value)


def _seat_label(working_group) -> str:
    return working_group.label if working_group else "no working group"


# Matching people to stored experts


def _match_experts(people: list[_Person], existing: _Existing, *, errors) -> list:
    """The stored expert of each person (None: a new person), aligned with `people`.

    By email first; a person with a new email takes over the stored expert of the same name
    and institution that has no email yet; a person without email takes the stored expert
    of that name and institution, if that designates one expert.
    """
    matches: list[Expert | None] = [None] * len(people)
    claimed: set[int] = set()
    for i, person in enumerate(people):
        if person.value("email"):
            expert = existing.by_email.get(_email_key(person.country.id, person.value("email")))
            if expert is None:
                expert = next((e for e in _namesakes(person, existing) if not e.email), None)
            if expert is not None and expert.pk not in claimed:
                matches[i] = expert
                claimed.add(expert.pk)
    for i, person in enumerate(people):
        if person.value("email"):
            continue
        namesakes = _namesakes(person, existing)
        without_email = [e for e in namesakes if not e.email]
        candidates = without_email or [e for e in namesakes if e.pk not in claimed]
        if not candidates:
            continue
        if len(candidates) > 1 or candidates[0].pk in claimed:
            errors.add(
                f'several experts of {person.country.name} are named "{person.value("name")}" '
                f'at "{person.value("institution")}"; give the email to say which one',
                line=person.line,
                column="email",
            )
            continue
        matches[i] = candidates[0]
        claimed.add(candidates[0].pk)
    return matches


def _namesakes(person: _Person, existing: _Existing) -> list[Expert]:
    key = _name_key(person.country.id, person.value("name"), person.value("institution"))
    return existing.by_name.get(key, [])


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
    plan.new_experts.append(expert)
    plan.changes.append(Change("create", "expert", f"create expert {person.label}", person.line))
    for seat in person.seats.values():
        _plan_new_seat(plan, person, expert, seat)


def _plan_new_seat(plan: _Plan, person: _Person, expert, seat: _Seat) -> None:
    role = seat.role or MembershipRole.EXPERT
    plan.new_memberships.append((expert, seat.working_group, role))
    description = f"create membership {person.label}: {_seat_label(seat.working_group)}, {role}"
    plan.changes.append(Change("create", "membership", description, seat.line))


def _plan_known_person(plan, person, expert, existing, *, fields, replace, lookups) -> None:
    differences = _update_expert(plan, person, expert, fields=fields, lookups=lookups)
    if differences:
        plan.updated_experts.append(expert)
        description = f"update expert {person.label}: " + "; ".join(differences)
        plan.changes.append(Change("update", "expert", description, person.line))
    else:
        plan.unchanged_experts += 1
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
            plan.updated_fields.add(name)
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
            plan.unchanged_memberships += 1
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
        plan.unchanged_memberships += 1
        return
    membership = _membership(held)
    membership.role = role
    plan.updated_memberships.append(membership)
    description = (
        f"update membership {person.label}: {_seat_label(seat.working_group)}, "
        f"role {held.role} → {role}"
    )
    plan.changes.append(Change("update", "membership", description, seat.line))


def _plan_removal(plan: _Plan, expert: Expert, existing: _Existing, *, lookups) -> None:
    label = f"{expert.name} ({existing.countries[expert.country_id].code})"
    plan.removed_experts.append(expert)
    plan.changes.append(Change("remove", "expert", f"remove expert {label}"))
    for stored in existing.seats.get(expert.pk, []):
        wg = lookups.working_groups.get(stored.working_group_id)
        _plan_seat_removal(plan, stored, label, _seat_label(wg))


def _plan_seat_removal(plan: _Plan, stored: _Stored, label: str, where: str) -> None:
    plan.removed_memberships.append(_membership(stored))
    group = f" in {stored.mirror_group_name}" if stored.mirror_group_name else ""
    description = f"remove membership {label}: {where}, {stored.role}{group}"
    plan.changes.append(Change("remove", "membership", description))


def _membership(stored: _Stored) -> Membership:
    return Membership(
        pk=stored.pk,
        expert_id=stored.expert_id,
        working_group_id=stored.working_group_id,
        mirror_group_id=stored.mirror_group_id,
        role=stored.role,
    )


# Writing


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


# One expert at a time: the forms of a country's experts page


@dataclass(frozen=True)
class SeatInput:
    """A seat as a form gives it: `pk` of the stored seat it changes, None for a new one.
    `row` is the caller's key for the row, handed back with the errors of that row."""

    working_group: WorkingGroup | None
    mirror_group: MirrorGroup | None
    role: str
    pk: int | None = None
    row: object = None


EXPERT_FORM_FIELDS = ("name", "institution", "position", "gender", "region", "email")


@transaction.atomic
def create_expert(*, user, country: Country, values: dict, seats=()) -> Expert:
    """A new expert of `country` with their seats.

    `values` holds the expert's fields (name, institution, position, gender, region, email,
    stakeholder_type). Raises PermissionDenied unless the user may edit the country's
    experts, and ValidationError (by field, and under "seats" by row) when a rule is broken.
    """
    _check_may_edit(user, country)
    expert = Expert(country=country)
    _set_values(expert, values)
    _validate_expert(expert)
    _save_guarded(expert)
    _save_seats(expert, seats=list(seats), removed_ids=())
    return expert


@transaction.atomic
def update_expert(
    *, user, expert: Expert, version: str, values: dict, seats=(), removed_seat_ids=()
) -> Expert:
    """Change an expert and their seats, if nobody saved the expert since `version`.

    `seats` are the seats to keep or create (a `pk` changes that stored seat);
    `removed_seat_ids` the stored seats to delete. Seats the caller did not know of stay.
    Raises EditConflict, PermissionDenied or ValidationError; then nothing is written.
    """
    _check_may_edit(user, expert.country)
    current = _lock_expert(expert, version=version)
    _set_values(current, values)
    _validate_expert(current)
    _save_guarded(current)  # also bumps updated_at: seat changes count as a change
    _save_seats(current, seats=list(seats), removed_ids=set(removed_seat_ids))
    return current


@transaction.atomic
def remove_expert(*, user, expert: Expert, version: str) -> None:
    """Delete an expert and, with them, their seats (both kept in the history), if nobody
    saved the expert since `version` (the version the confirmation page showed).

    Raises PermissionDenied, or EditConflict when the expert changed meanwhile; then
    nothing is removed.
    """
    _check_may_edit(user, expert.country)
    current = _lock_expert(expert, version=version)
    # The cascade sends a signal per seat, so each removal is in the history with its user.
    current.delete()


def _lock_expert(expert: Expert, *, version: str) -> Expert:
    """The expert, locked, if still at the version the user's page showed (EditConflict if not)."""
    return lock_unchanged(
        Expert.objects.filter(country_id=expert.country_id),
        pk=expert.pk,
        version=version,
        label=f"The expert “{expert.name}”",
    )


def _check_may_edit(user, country) -> None:
    if not permissions.can_edit_experts(user, country):
        raise PermissionDenied(f"You may not change the experts of {country.name}.")


def _set_values(expert: Expert, values: dict) -> None:
    for name in EXPERT_FORM_FIELDS:
        if name in values:
            setattr(expert, name, (values[name] or "").strip())
    if "stakeholder_type" in values:
        expert.stakeholder_type = values["stakeholder_type"]


def _validate_expert(expert: Expert) -> None:
    """The field rules, then the identity rules as errors on the field that decides them."""
    try:
        expert.full_clean(exclude=["country"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise ValidationError(exc.error_dict) from None
    others = Expert.objects.filter(country_id=expert.country_id).exclude(pk=expert.pk)
    if expert.email:
        same = others.filter(email__iexact=expert.email).first()
        if same is not None:
            raise ValidationError(
                {
                    "email": ValidationError(
                        f"{expert.country.name} already has an expert with this e-mail: "
                        f"{same.name}.",
                        code="duplicate",
                    )
                }
            )
    else:
        same = others.filter(
            email="", name__iexact=expert.name, institution__iexact=expert.institution
        ).first()
        if same is not None:
            raise ValidationError(
                {
                    "name": ValidationError(
                        f"{expert.country.name} already has an expert of this name and "
                        "institution without an e-mail; give this person's e-mail to tell "
                        "them apart, or edit the existing record.",
                        code="duplicate",
                    )
                }
            )


def _save_guarded(expert: Expert) -> None:
    """Save; a duplicate that slipped in concurrently is a form error, not a crash."""
    try:
        with transaction.atomic():
            expert.save()
    except IntegrityError as exc:
        field_name = "email" if expert.email else "name"
        raise ValidationError(
            {field_name: "Another expert with this identity was saved meanwhile."}
        ) from exc


def _save_seats(expert: Expert, *, seats: list[SeatInput], removed_ids) -> None:
    """Apply the seat rows: each is checked against the model's rules and against the
    expert's other seats; an error names its row (`params["row"]`) and field."""
    stored = {m.pk: m for m in Membership.objects.filter(expert=expert)}
    removed = {pk for pk in removed_ids if pk in stored}
    rows = [seat for seat in seats if seat.pk is None or seat.pk in stored]
    kept_as_is = set(stored) - removed - {seat.pk for seat in rows}
    taken = {_seat_key(stored[pk]) for pk in kept_as_is}
    errors, planned = [], []
    for seat in rows:
        if seat.pk in removed:
            continue
        before = stored.get(seat.pk)
        membership = Membership(
            pk=seat.pk,
            expert=expert,
            working_group=seat.working_group,
            mirror_group=seat.mirror_group,
            role=seat.role,
        )
        try:
            membership.full_clean(
                exclude=["expert"], validate_unique=False, validate_constraints=False
            )
        except ValidationError as exc:
            errors.extend(
                _seat_error(message, seat, name)
                for name, messages in exc.message_dict.items()
                for message in messages
            )
            continue
        key = _seat_key(membership)
        if key in taken:
            errors.append(_seat_error(DUPLICATE_SEAT, seat, "working_group"))
            continue
        taken.add(key)
        if before is None or _seat_values(before) != _seat_values(membership):
            planned.append(membership)
    if errors:
        raise ValidationError({"seats": errors})
    for pk in removed:
        stored[pk].delete()
    try:
        with transaction.atomic():
            # Changed seats first free their old place, then new seats take theirs.
            for membership in sorted(planned, key=lambda m: m.pk is None):
                membership.save()
    except IntegrityError as exc:  # a seat given meanwhile by someone else
        raise ValidationError({"seats": [_seat_error(DUPLICATE_SEAT, None, None)]}) from exc


DUPLICATE_SEAT = "The expert already holds this seat (same working group and mirror group)."


def _seat_key(membership: Membership) -> tuple:
    return (membership.working_group_id, membership.mirror_group_id)


def _seat_values(membership: Membership) -> tuple:
    return (membership.working_group_id, membership.mirror_group_id, membership.role)


def _seat_error(message: str, seat: SeatInput | None, field_name: str | None):
    """A row's error: the row and field travel in params, for the form to place it."""
    return ValidationError(
        message,
        code="seat",
        params={"row": seat.row if seat else None, "field": field_name},
    )
