"""The composition file import's first stage: what the file says, and whom it names.

Every cell goes through its widget and every row is checked against the user's countries;
rows of one person become one person with several seats; each person is matched to a
stored expert, read for the file's countries in two queries.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from compositions.identity import email_key, name_key
from compositions.models import Expert, Membership
from nmg_registry import permissions
from nmg_registry.models import Country, WorkingGroup
from nmg_registry.tabular import ErrorCollector, Row

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
                by_email[email_key(expert.country_id, expert.email)] = expert
            by_name[name_key(expert.country_id, expert.name, expert.institution)].append(expert)
        seats = defaultdict(list)
        stored = Membership.objects.filter(expert__country_id__in=countries).order_by("pk")
        for values in stored.values_list(
            "pk", "expert_id", "working_group_id", "mirror_group_id", "role", "mirror_group__name"
        ):
            seats[values[1]].append(_Stored(*values))
        return cls(
            countries=countries, experts=experts, by_email=by_email, by_name=by_name, seats=seats
        )


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


def _gather_people(rows: list[_Row], *, errors: ErrorCollector) -> list[_Person]:
    """Rows of the same person become one person with several seats.

    A person is recognised by country + email, or by country + name + institution without
    an email; a row without email joins the one person with an email of that name and
    institution, if there is exactly one.
    """
    emails_by_name = defaultdict(set)
    for row in rows:
        if row.values["email"]:
            same_name = name_key(row.country.id, row.values["name"], row.values["institution"])
            emails_by_name[same_name].add(email_key(row.country.id, row.values["email"]))
    people: dict[tuple, _Person] = {}
    for row in rows:
        if row.values["email"]:
            key = email_key(row.country.id, row.values["email"])
        else:
            key = name_key(row.country.id, row.values["name"], row.values["institution"])
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
            expert = existing.by_email.get(email_key(person.country.id, person.value("email")))
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
    key = name_key(person.country.id, person.value("name"), person.value("institution"))
    return existing.by_name.get(key, [])
