"""A country's history: every recorded change to its record, mirror groups, representatives,
experts, seats, survey responses and answers, read from django-simple-history's tables.

One query per history table and one per lookup, whatever the number of changes: each
table gives the objects among its newest versions, with all their versions ordered by
object and date; consecutive versions of an object are compared in Python, and foreign
keys are named from dictionaries filled in bulk. A country whose composition was imported
from a file of thousands of rows thus reads a few hundred versions, not its whole history.

The core reads no app built on it: each app registers, in its AppConfig.ready(), the
tables it keeps of a country (`register_source`) and how its records are named
(`register_names`).
"""

import datetime
import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import OuterRef, Subquery
from django.db.models.lookups import Exact

from nmg_registry import wording
from nmg_registry.models import Country
from nmg_registry.wording import FieldChange  # a field's name, its value before and after

IMPORT_OR_COMMAND = wording.NO_USER
ACTIONS = {"+": "created", "~": "changed", "-": "removed"}
# Bookkeeping that changes on every save and tells a reader nothing.
IGNORED_FIELDS = frozenset({"id", "created_at", "updated_at"})
# Versions read per table, for `limit` entries: saves without a visible change are left
# out, so a table gives fewer entries than versions.
WINDOW_FACTOR = 2
HISTORY_COLUMNS = (
    "history_id",
    "history_date",
    "history_type",
    "history_change_reason",
    "history_user_id",
)


# What the apps contribute: registered in their AppConfig.ready(), in the order read.


@dataclass(frozen=True)
class HistorySource:
    """A history table a country's history reads: which of its versions belong to the
    country (as the user may read them), how a version's record is labelled, and which
    fields the label already says (left out of a creation's or removal's values)."""

    model: type[models.Model]
    versions: Callable[[Country, object], models.QuerySet]
    label: Callable[[dict, "HistoryNames"], str]
    in_label: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RecordNames:
    """How the records of `model` that history rows point to are named: `load(ids,
    reading, names)` reads, in bulk, those with the ids the rows hold (`names`: those
    loaded so far); `unknown` is a record it lacks. `show` turns a loaded value into a name."""

    model: type[models.Model]
    load: Callable[[set, "HistoryReading", "HistoryNames"], dict]
    unknown: str
    show: Callable[[object], str] = str


_sources: dict[type, HistorySource] = {}  # by model: registering again replaces
_names: dict[type, RecordNames] = {}


def register_source(source: HistorySource) -> None:
    """Adds a table to every country's history; register a record's parents before it,
    so that at one instant (an import writes both) the parent's change reads first."""
    _sources[source.model] = source


def register_names(names: RecordNames) -> None:
    """Names the records of a model wherever a history row points to one. Loaded in the
    order registered: a loader may use the names registered before it."""
    _names[names.model] = names


@dataclass(frozen=True)
class HistoryEntry:
    """One recorded change of one record, as a reader of the country's history sees it.

    `changes` lists, for a change, the fields that differ from the record's previous
    version; for a creation, the values it started with; for a removal, those it had.
    `earlier_unknown` marks a change whose previous version was never recorded (reference
    data loaded before the history began): `changes` then holds the values after it.
    """

    when: datetime.datetime
    who: str
    what: str
    label: str
    action: str
    reason: str
    changes: tuple[FieldChange, ...]
    earlier_unknown: bool = False

    @property
    def is_created(self) -> bool:
        return self.action == ACTIONS["+"]

    @property
    def is_removed(self) -> bool:
        return self.action == ACTIONS["-"]


@dataclass(frozen=True)
class _Field:
    attname: str
    verbose_name: str
    show: Callable[[object], str]
    # Part of the record's label (its country, its expert …): left out of the values listed
    # for a creation or removal, shown only if it changes.
    in_label: bool


def country_history(*, country: Country, limit: int, user) -> list[HistoryEntry]:
    """The newest `limit` changes to `country` and everything it keeps, newest first, as
    `user` may read them, from every registered source (the country's record, mirror
    groups, representatives, experts and their seats, survey responses and answers).

    A record that moved between countries shows only its versions of its time in
    `country`, and names what it points to as they were in `country`: no other country's
    data appears here.
    """
    window = max(limit, 0) * WINDOW_FACTOR
    rows = {
        source.model: _rows(source.versions(country, user), window) for source in _sources.values()
    }
    names = HistoryNames.load(HistoryReading(country=country, rows=rows))
    entries = []
    for rank, source in enumerate(_sources.values()):
        fields = _fields(source.model, names, in_label=source.in_label)
        shown = _newest(rows[source.model], window)
        for row, entry in _entries(source, rows[source.model], fields, names, shown=shown):
            # Parents before children at the same instant (an import writes both at once).
            entries.append(((row["history_date"], rank, row["history_id"]), entry))
    newest = heapq.nlargest(limit, entries, key=lambda pair: pair[0])
    return [entry for _, entry in newest]


def versions_while_kept(model, parent: str, parent_model, country: Country) -> models.QuerySet:
    """The versions of `model` (seats, answers) written while their parent (expert,
    response) belonged to `country`: the parent's latest version at or before each one is
    of this country. A parent moved to another country takes its later versions with it,
    and those of its time elsewhere do not show here, even after it comes back."""
    owner = (
        parent_model.history.filter(
            id=OuterRef(f"{parent}_id"), history_date__lte=OuterRef("history_date")
        )
        .order_by("-history_date", "-history_id")
        .values("country_id")[:1]
    )
    ever_kept = parent_model.history.filter(country_id=country.pk).values("id")
    return model.history.filter(**{f"{parent}_id__in": ever_kept}).filter(
        Exact(Subquery(owner), country.pk)
    )


def _rows(versions: models.QuerySet, window: int) -> list[dict]:
    """Every one of `versions` of the records that have one among the `window` newest of
    them, each object's versions together, oldest first: the older ones tell what the newer
    ones changed."""
    columns = [
        "id",
        *(f.attname for f in versions.model.tracked_fields if f.name not in IGNORED_FIELDS),
    ]
    recent = versions.order_by("-history_date", "-history_id").values("id")[:window]
    return list(
        versions.filter(id__in=recent)
        .order_by("id", "history_date", "history_id")
        .values(*columns, *HISTORY_COLUMNS)
    )


def _newest(rows: list[dict], window: int) -> frozenset[int]:
    """The history ids of the `window` newest rows: the versions to show."""
    newest = heapq.nlargest(window, rows, key=lambda row: (row["history_date"], row["history_id"]))
    return frozenset(row["history_id"] for row in newest)


@dataclass(frozen=True)
class HistoryReading:
    """The country whose history is read and the rows read from each table, by model."""

    country: Country
    rows: dict[type, list[dict]]

    def ids(self, model) -> set:
        """The ids of the `model` records the rows point to."""
        ids = set()
        for source_model, table in self.rows.items():
            for field in _tracked(source_model):
                if field.is_relation and field.related_model is model:
                    ids |= {row[field.attname] for row in table}
        ids.discard(None)
        return ids


class HistoryNames:
    """What a reader calls each record a history row points to, read in bulk."""

    def __init__(self, users: dict, by_model: dict[type, dict]):
        self.users = users
        self.by_model = by_model

    @classmethod
    def load(cls, reading: HistoryReading) -> "HistoryNames":
        user_ids = {row["history_user_id"] for table in reading.rows.values() for row in table}
        user_ids = (user_ids | reading.ids(get_user_model())) - {None}
        users = {
            user.pk: wording.person(user)
            for user in get_user_model()
            .objects.filter(pk__in=user_ids)
            # The password holds the erasure's mark (personal_data.is_erased_user).
            .only("username", "first_name", "last_name", "password")
        }
        names = cls(users, {})
        for model, record_names in _names.items():
            names.by_model[model] = record_names.load(reading.ids(model), reading, names)
        return names

    def user(self, pk) -> str:
        if pk is None:
            return ""
        return self.users.get(pk, "a removed user")

    def record(self, model, pk):
        """What was loaded for the record (None when nothing was)."""
        return self.by_model.get(model, {}).get(pk)

    def name(self, model, pk) -> str:
        """The name of the record a foreign key points to."""
        if pk is None:
            return ""
        if model is get_user_model():
            return self.user(pk)
        record_names = _names.get(model)
        if record_names is None:
            return str(pk)
        value = self.record(model, pk)
        return record_names.unknown if value is None else record_names.show(value)


def latest_names(model, ids: set, country: Country, *, elsewhere: str) -> dict:
    """The latest name each record had while it belonged to `country`, those since removed
    included. A record only ever of other countries reads as `elsewhere`, never by its name."""
    ids.discard(None)
    names = {}
    versions = model.history.filter(id__in=ids).order_by("id", "history_date", "history_id")
    for pk, name, country_id in versions.values_list("id", "name", "country_id"):
        if country_id == country.pk:
            names[pk] = name
        else:
            names.setdefault(pk, elsewhere)
    return names


def _tracked(model) -> list:
    return [f for f in model.history.model.tracked_fields if f.name not in IGNORED_FIELDS]


def _fields(model, names: HistoryNames, *, in_label: frozenset[str]) -> list[_Field]:
    """The fields of the model's history worth showing, each with how its values read."""
    return [
        _Field(
            attname=field.attname,
            verbose_name=str(field.verbose_name),
            show=wording.value_reader(field, names.name),
            in_label=field.name in in_label,
        )
        for field in _tracked(model)
    ]


def _entries(source: HistorySource, rows, fields, names: HistoryNames, *, shown) -> Iterable:
    """(row, entry) for each version in `shown`, compared with the object's version before."""
    what = str(source.model._meta.verbose_name)
    previous = None
    for row in rows:
        if previous is not None and previous["id"] != row["id"]:
            previous = None
        before, previous = previous, row
        if row["history_id"] not in shown:
            continue
        kind = row["history_type"]
        changes = _changes(kind, before, row, fields)
        if kind == "~" and before is not None and not changes:
            continue  # saved without a visible change
        user_id = row["history_user_id"]
        yield (
            row,
            HistoryEntry(
                when=row["history_date"],
                who=names.user(user_id) if user_id is not None else IMPORT_OR_COMMAND,
                what=what,
                label=source.label(row, names),
                action=ACTIONS.get(kind, kind),
                reason=row["history_change_reason"] or "",
                changes=changes,
                earlier_unknown=kind == "~" and before is None,
            ),
        )


def _changes(kind: str, before: dict | None, row: dict, fields: list[_Field]) -> tuple:
    """What a version changed: the differing fields of a change; the values a record was
    created with or removed with (its label's fields aside)."""
    if kind == "~" and before is not None:
        return tuple(
            FieldChange(f.verbose_name, f.show(before[f.attname]), f.show(row[f.attname]))
            for f in fields
            if before[f.attname] != row[f.attname]
        )
    values = [
        (f.verbose_name, f.show(row[f.attname])) for f in fields if kind == "~" or not f.in_label
    ]
    if kind == "-":
        return tuple(FieldChange(name, value, "") for name, value in values if value)
    return tuple(FieldChange(name, "", value) for name, value in values if value)
