"""A country's history: every recorded change to its record, mirror groups, representatives,
experts, seats, survey responses and answers, read from django-simple-history's tables.

One query per history table and one per lookup, whatever the number of changes: each
table gives the objects among its newest versions, with all their versions ordered by
object and date; consecutive versions of an object are compared in Python, and foreign
keys are named from dictionaries filled in bulk. A country whose composition was imported
from a file of thousands of rows thus reads a few hundred versions, not its whole history.
"""

import datetime
import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import OuterRef, Subquery
from django.db.models.lookups import Exact
from django.utils import timezone

from compositions.models import Expert, Membership
from nmg_registry import permissions
from nmg_registry.concurrency import FieldChange  # a field's name, its value before and after
from nmg_registry.models import Country, MirrorGroup, Representative, StakeholderType, WorkingGroup
from surveys.models import Answer, Question, QuestionOption, Response, Survey

IMPORT_OR_COMMAND = "import or command"
ACTIONS = {"+": "created", "~": "changed", "-": "removed"}
# How a record of another country that a row points to reads, in place of its name.
OTHER_COUNTRY = {
    MirrorGroup: "a mirror group of another country",
    Expert: "an expert of another country",
}
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


@dataclass(frozen=True)
class _Source:
    """A history table and how its rows read."""

    model: type[models.Model]
    rows: list[dict]
    label: Callable[[dict], str]
    in_label: frozenset[str]


def country_history(*, country: Country, limit: int, user) -> list[HistoryEntry]:
    """The newest `limit` changes to `country` and everything it keeps, newest first, as
    `user` may read them: the responses of a draft round are staff's alone.

    Covers the country's record, mirror groups, representatives, experts (also those since
    removed) and their seats, and its survey responses and their answers. A record that
    moved between countries shows only its versions of its time in `country`, and names
    what it points to as they were in `country`: no other country's data appears here.
    """
    window = max(limit, 0) * WINDOW_FACTOR
    kept = {"country_id": country.pk}
    rounds = permissions.rounds_visible_to(user, Survey.objects.all()).values("pk")
    rows = {
        Country: _rows(Country.history.filter(id=country.pk), window),
        MirrorGroup: _rows(MirrorGroup.history.filter(**kept), window),
        Representative: _rows(Representative.history.filter(**kept), window),
        Expert: _rows(Expert.history.filter(**kept), window),
        Membership: _rows(_while_kept(Membership, "expert", Expert, country), window),
        Response: _rows(Response.history.filter(**kept, survey_id__in=rounds), window),
        Answer: _rows(
            _while_kept(Answer, "response", Response, country).filter(
                response_id__in=Response.history.filter(survey_id__in=rounds).values("id")
            ),
            window,
        ),
    }
    names = _Names.load(country, rows)
    sources = [
        _Source(Country, rows[Country], lambda row: row["name"], frozenset()),
        _Source(MirrorGroup, rows[MirrorGroup], lambda row: row["name"], frozenset({"country"})),
        _Source(
            Representative,
            rows[Representative],
            lambda row: names.user(row["user_id"]),
            frozenset({"country", "user"}),
        ),
        _Source(Expert, rows[Expert], lambda row: row["name"], frozenset({"country"})),
        _Source(Membership, rows[Membership], names.seat, frozenset({"expert"})),
        _Source(
            Response,
            rows[Response],
            lambda row: f"response to {names.survey(row['survey_id'])}",
            frozenset({"country", "survey"}),
        ),
        _Source(Answer, rows[Answer], names.answer, frozenset({"response", "question"})),
    ]
    entries = []
    for rank, source in enumerate(sources):
        fields = _fields(source.model, names, in_label=source.in_label)
        shown = _newest(source.rows, window)
        for row, entry in _entries(source, fields, names, shown=shown):
            # Parents before children at the same instant (an import writes both at once).
            entries.append(((row["history_date"], rank, row["history_id"]), entry))
    newest = heapq.nlargest(limit, entries, key=lambda pair: pair[0])
    return [entry for _, entry in newest]


def _while_kept(model, parent: str, parent_model, country: Country) -> models.QuerySet:
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


class _Names:
    """What a reader calls each record a history row points to, read in bulk."""

    def __init__(self, by_kind: dict[str, dict]):
        self.by_kind = by_kind

    @classmethod
    def load(cls, country: Country, rows: dict[type, list[dict]]) -> "_Names":
        user_ids = {row["history_user_id"] for table in rows.values() for row in table}
        user_ids |= {row["user_id"] for row in rows[Representative]}
        user_ids |= {row["submitted_by_id"] for row in rows[Response]}
        user_ids.discard(None)
        users = {
            user.pk: user.get_full_name() or user.get_username()
            for user in get_user_model()
            .objects.filter(pk__in=user_ids)
            .only("username", "first_name", "last_name")
        }
        countries = {country.pk: country.name}
        other_countries = {
            row["country_id"]
            for model, table in rows.items()
            if model is not Country
            for row in table
            if row.get("country_id") not in (None, country.pk)
        }
        if other_countries:  # a record moved between countries
            countries |= dict(
                Country.objects.filter(pk__in=other_countries).values_list("pk", "name")
            )
        answers = rows[Answer]
        questions = {
            pk: (code, slug)
            for pk, code, slug in Question.objects.filter(
                pk__in={row["question_id"] for row in answers}
            ).values_list("pk", "code", "survey__slug")
        }
        option_ids = {row["option_id"] for row in answers} - {None}
        surveys = dict(
            Survey.objects.filter(pk__in={row["survey_id"] for row in rows[Response]}).values_list(
                "pk", "slug"
            )
        )
        return cls(
            {
                "users": users,
                "countries": countries,
                "working_groups": {
                    pk: f"WG{number}"
                    for pk, number in WorkingGroup.objects.values_list("pk", "number")
                },
                "stakeholder_types": dict(StakeholderType.objects.values_list("pk", "label")),
                "surveys": surveys,
                "questions": questions,
                "options": dict(
                    QuestionOption.objects.filter(pk__in=option_ids).values_list("pk", "label")
                ),
                "mirror_groups": _latest_names(
                    MirrorGroup, {row["mirror_group_id"] for row in rows[Membership]}, country
                ),
                "experts": _latest_names(
                    Expert, {row["expert_id"] for row in rows[Membership]}, country
                ),
                "response_surveys": {row["id"]: row["survey_id"] for row in rows[Response]},
            }
        )

    def _get(self, kind: str, pk, unknown: str) -> str:
        if pk is None:
            return ""
        return self.by_kind[kind].get(pk, unknown)

    def user(self, pk) -> str:
        return self._get("users", pk, "a removed user")

    def survey(self, pk) -> str:
        return self._get("surveys", pk, "a removed round")

    def question(self, pk) -> str:
        if pk is None:
            return ""
        return self.by_kind["questions"].get(pk, ("a removed question", ""))[0]

    def response(self, pk) -> str:
        if pk is None:
            return ""
        survey_id = self.by_kind["response_surveys"].get(pk)
        return f"response to {self.survey(survey_id)}" if survey_id else "another response"

    def seat(self, row: dict) -> str:
        expert = self._get("experts", row["expert_id"], "a removed expert")
        group = self._get("mirror_groups", row["mirror_group_id"], "a removed mirror group")
        in_group = f" in {group}" if group else ""
        if row["working_group_id"] is None:
            return f"seat of {expert} (working group unknown){in_group}"
        return f"{self.for_field(WorkingGroup, row['working_group_id'])} seat of {expert}{in_group}"

    def answer(self, row: dict) -> str:
        question = self.by_kind["questions"].get(row["question_id"])
        if question is None:
            return "answer to a removed question"
        return "answer to {} in {}".format(*question)

    def for_field(self, related_model, pk) -> str:
        """The name of the record a foreign key points to."""
        if pk is None:
            return ""
        if related_model is Response:
            return self.response(pk)
        if related_model is Question:
            return self.question(pk)
        kind, unknown = _FOREIGN_KEYS[related_model]
        return self._get(kind, pk, unknown)


_FOREIGN_KEYS = {
    Country: ("countries", "a removed country"),
    WorkingGroup: ("working_groups", "a removed working group"),
    StakeholderType: ("stakeholder_types", "a removed stakeholder type"),
    MirrorGroup: ("mirror_groups", "a removed mirror group"),
    Expert: ("experts", "a removed expert"),
    Survey: ("surveys", "a removed round"),
    QuestionOption: ("options", "a removed option"),
}


def _latest_names(model, ids: set, country: Country) -> dict:
    """The latest name each record had while it belonged to `country`, those since removed
    included. A record only ever of other countries reads as such, never by its name."""
    ids.discard(None)
    names = {}
    versions = model.history.filter(id__in=ids).order_by("id", "history_date", "history_id")
    for pk, name, country_id in versions.values_list("id", "name", "country_id"):
        if country_id == country.pk:
            names[pk] = name
        else:
            names.setdefault(pk, OTHER_COUNTRY[model])
    return names


def _fields(model, names: _Names, *, in_label: frozenset[str]) -> list[_Field]:
    """The fields of the model's history worth showing, each with how its values read."""
    fields = []
    for field in model.history.model.tracked_fields:
        if field.name in IGNORED_FIELDS:
            continue
        fields.append(
            _Field(
                attname=field.attname,
                verbose_name=str(field.verbose_name),
                show=_shower(field, names),
                in_label=field.name in in_label,
            )
        )
    return fields


def _shower(field, names: _Names) -> Callable[[object], str]:
    if field.is_relation:
        related = field.related_model
        if related is get_user_model():
            return names.user
        return lambda pk: names.for_field(related, pk)
    if field.choices:
        labels = {value: str(label) for value, label in field.flatchoices}
        return lambda value: labels.get(value, "" if value is None else str(value))
    return _show_value


def _show_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _entries(source: _Source, fields: list[_Field], names: _Names, *, shown) -> Iterable[tuple]:
    """(row, entry) for each version in `shown`, compared with the object's version before."""
    what = str(source.model._meta.verbose_name)
    previous = None
    for row in source.rows:
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
                label=source.label(row),
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
