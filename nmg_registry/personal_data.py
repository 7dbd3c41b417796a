"""Personal data as the GDPR expects: which fields identify a person, how a person is erased
from the records and from every historical version, what they may ask to see, and the
traces they leave elsewhere (free text, admin log, pending uploads).

One home for "these fields identify someone": a model that keeps people declares
`identifying_fields` (erased from every version) and `naming_fields` (the values that name
the person, searched for in free text and uploads); its app registers it here, with how
its people are found, erased and exported (`register_people`). Erasure, export and
`purge_history` all read this registry; the core imports no app built on it.
"""

import datetime
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone

from nmg_registry.models import ApiToken, Country, ErasureLog, PendingImport
from nmg_registry.tabular import cell_texts

# What an erased identifying value reads, in the records' history and wherever it is shown.
MARKER = "[erased]"
# Who an erased user account is, wherever the registry names who changed something.
ERASED_USER = "an erased user"
# The user name an erased account takes: unique, and naming no one.
ERASED_USERNAME = "erased-user-{pk}"
# A text shorter than this is not looked for in free text: it would match within other words.
SHORTEST_NAMING_TEXT = 4
# Rows an UPDATE names at once, under every database's parameter limit.
BATCH = 500


@dataclass(frozen=True)
class PersonQuery:
    """Who a request is about, as the commands and the admin name them."""

    email: str = ""
    name: str = ""
    institution: str = ""
    country: Country | None = None

    def described(self) -> str:
        parts = [
            f"{label} {value}"
            for label, value in (
                ("e-mail", self.email),
                ("name", self.name),
                ("institution", self.institution),
            )
            if value
        ]
        if self.country is not None:
            parts.append(f"in {self.country.code}")
        return ", ".join(parts)


@dataclass(frozen=True)
class Candidate:
    """A person an app found: the records that are theirs (`ids`, opaque to the core), their
    country, and a hint that tells them apart without naming them."""

    kind: str
    ids: frozenset
    country: Country | None
    hint: str


@dataclass(frozen=True)
class ErasurePlan:
    """What erasing a person removes or scrubs: counts, and lines a confirmation shows to the
    staff member who asked (never kept: the log records the counts alone)."""

    kind: str
    country: Country | None
    records: int
    versions: int
    uploads: int = 0
    mentions: int = 0
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class PeopleSource:
    """An app's records of people. `find(query)` lists the candidates a request matches;
    `plan(candidate)` says what erasing them would do, `erase(candidate, user=)` does it in
    one transaction; `export(query)` returns every record and version about them, as
    JSON-able values."""

    kind: str
    model: type[models.Model]
    find: Callable[[PersonQuery], list[Candidate]]
    plan: Callable[[Candidate], ErasurePlan]
    erase: Callable[..., ErasurePlan]
    export: Callable[[PersonQuery], "ExportPart"]


@dataclass(frozen=True)
class ExportPart:
    """An app's share of a person's data: its records (with every version) as JSON-able
    values, and the texts that name the person in them (looked for in free text)."""

    records: list[dict]
    texts: list[str]


_people: dict[str, PeopleSource] = {}
# Free-text fields that may name a person, by model (their history tables follow).
_mentions: dict[type, tuple[str, ...]] = {}


def register_people(source: PeopleSource) -> None:
    """Makes an app's people reachable by erasure, export and purge_history."""
    _people[source.kind] = source


def register_mentions(model, fields: Iterable[str]) -> None:
    """Free-text fields of `model` (and of its history) where a person's name or e-mail may
    be written: an erasure replaces them there with the marker, an export lists them."""
    _mentions[model] = tuple(fields)


def people_sources() -> list[PeopleSource]:
    return list(_people.values())


def people_source(kind: str) -> PeopleSource:
    return _people[kind]


def identifying_fields(model) -> tuple[str, ...]:
    """The fields of `model` that identify a person: erased from every version."""
    return tuple(model.identifying_fields)


def naming_texts(values: Iterable[str]) -> list[str]:
    """The distinct values that name a person, long enough to be looked for in free text."""
    texts = {(value or "").strip() for value in values}
    return sorted(
        (text for text in texts if len(text) >= SHORTEST_NAMING_TEXT and text != MARKER),
        key=lambda text: (-len(text), text),
    )


# Scrubbing the history


def erased_value(model_field):
    """The value an identifying field takes once erased: the marker in text, and in an
    e-mail field (which the marker would not pass) blank, or null where the field allows it."""
    if isinstance(model_field, models.EmailField):
        return None if model_field.null else ""
    return MARKER[: model_field.max_length] if model_field.max_length else MARKER


def erased_values(model) -> dict:
    historical = model.history.model
    return {
        name: erased_value(historical._meta.get_field(name)) for name in identifying_fields(model)
    }


def _not_erased(values: dict) -> Q:
    return reduce(or_, (~Q(**{name: value}) for name, value in values.items()))


def versions_of(model, ids) -> models.QuerySet:
    """Every historical version of the records `ids` of `model`."""
    return model.history.filter(**{f"{model._meta.pk.attname}__in": list(ids)})


def scrub_versions(model, ids) -> int:
    """Replace the identifying fields of every historical version of the records `ids`
    with the marker; returns how many versions held something. Dates, history types, the
    user who made each change and every other field stay, so past figures do not move."""
    values = erased_values(model)
    scrubbed = 0
    for batch in _batches(sorted(ids)):
        scrubbed += versions_of(model, batch).filter(_not_erased(values)).update(**values)
    return scrubbed


def unscrubbed_versions(model, ids) -> int:
    """How many historical versions of the records `ids` still hold identifying values."""
    values = erased_values(model)
    return sum(
        versions_of(model, batch).filter(_not_erased(values)).count()
        for batch in _batches(sorted(ids))
    )


def unscrubbed_ids(model, ids) -> set:
    """Those of the records `ids` with a historical version that still identifies someone."""
    values = erased_values(model)
    found = set()
    for batch in _batches(sorted(ids)):
        found |= set(
            versions_of(model, batch)
            .filter(_not_erased(values))
            .values_list(model._meta.pk.attname, flat=True)
        )
    return found


def naming_texts_of(model, ids) -> list[str]:
    """The values that named the people of the records `ids`, in any version or now."""
    values = []
    for batch in _batches(sorted(ids)):
        values += versions_of(model, batch).values_list(*model.naming_fields)
        values += model._default_manager.filter(pk__in=batch).values_list(*model.naming_fields)
    return naming_texts(value for row in values for value in row)


def deleted_before(model, moment: datetime.datetime) -> dict:
    """The records of `model` removed before `moment` (their last version a removal) and not
    back since, with their country ids: {id: country_id}."""
    pk = model._meta.pk.attname
    removed = dict(
        model.history.filter(history_type="-", history_date__lt=moment)
        .order_by(pk, "history_date")
        .values_list(pk, "country_id")
    )
    later = set(
        model.history.filter(**{f"{pk}__in": list(removed)}, history_date__gte=moment)
        .exclude(history_type="-")
        .values_list(pk, flat=True)
    )
    current = set(model._default_manager.filter(pk__in=list(removed)).values_list("pk", flat=True))
    return {key: country for key, country in removed.items() if key not in later | current}


# Traces elsewhere: free text, the admin's log, uploads waiting for confirmation


def _mention_tables():
    """Each registered free-text table (its history after it) with its fields."""
    for model, fields in _mentions.items():
        yield model, fields
        history = getattr(model, "history", None)
        if history is not None:
            yield history.model, fields


def _mentioning(model, fields, texts) -> models.QuerySet:
    condition = reduce(
        or_, (Q(**{f"{name}__icontains": text}) for name in fields for text in texts), Q()
    )
    return model._default_manager.filter(condition)


def mentions_of(texts: list[str]) -> list[dict]:
    """Every free-text value that holds one of `texts`: its table, record and field."""
    if not texts:
        return []
    found = []
    for model, fields in _mention_tables():
        for row in _mentioning(model, fields, texts).values("pk", *fields):
            for name in fields:
                if _holds(row[name], texts):
                    found.append(
                        {
                            "table": model._meta.label_lower,
                            "record": str(row["pk"]),
                            "field": name,
                            "value": row[name],
                        }
                    )
    return found


def scrub_mentions(texts: list[str]) -> int:
    """Replace `texts` with the marker wherever a registered free-text field holds them
    (letter case aside); returns how many rows changed."""
    if not texts:
        return 0
    pattern = re.compile("|".join(re.escape(text) for text in texts), re.IGNORECASE)
    changed = 0
    for model, fields in _mention_tables():
        for row in _mentioning(model, fields, texts).values("pk", *fields):
            values = {
                name: pattern.sub(MARKER, row[name])
                for name in fields
                if row[name] and pattern.search(row[name])
            }
            if values:
                model._default_manager.filter(pk=row["pk"]).update(**values)
                changed += 1
    return changed


def _holds(value, texts) -> bool:
    folded = (value or "").casefold()
    return any(text.casefold() in folded for text in texts)


def scrub_admin_log(model, ids, texts: list[str]) -> int:
    """Replace `texts` with the marker in the admin's log of the records `ids` of `model`
    (its record names and change messages); returns how many entries changed."""
    if not texts or not ids:
        return 0
    pattern = re.compile("|".join(re.escape(text) for text in texts), re.IGNORECASE)
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model),
        object_id__in=[str(pk) for pk in ids],
    )
    changed = 0
    for entry in entries.only("object_repr", "change_message"):
        values = {
            name: pattern.sub(MARKER, getattr(entry, name))
            for name in ("object_repr", "change_message")
        }
        if any(values[name] != getattr(entry, name) for name in values):
            LogEntry.objects.filter(pk=entry.pk).update(**values)
            changed += 1
    return changed


def uploads_naming(texts: list[str]) -> list[PendingImport]:
    """The uploads waiting for confirmation whose file holds one of `texts` in a cell."""
    if not texts:
        return []
    return [
        pending
        for pending in PendingImport.objects.all()
        if any(_holds(cell, texts) for cell in cell_texts(bytes(pending.data), pending.filename))
    ]


def erase_traces(texts: list[str]) -> tuple[int, int]:
    """Delete the pending uploads naming the person and scrub their free-text mentions (the
    admin's log included): (uploads deleted, rows scrubbed). Part of a caller's transaction."""
    uploads = uploads_naming(texts)
    PendingImport.objects.filter(pk__in=[pending.pk for pending in uploads]).delete()
    return len(uploads), scrub_mentions(texts)


def log_erasure(*, by, kind: str, country: Country | None, records: int, versions: int):
    """The erasure log's line: who, when, which country, how many; never what."""
    return ErasureLog.objects.create(
        erased_by=by if getattr(by, "pk", None) else None,
        kind=kind,
        country=country,
        records=records,
        versions=versions,
    )


# Erased user accounts


def erased_username(user) -> str:
    return ERASED_USERNAME.format(pk=user.pk)


def is_erased_user(user) -> bool:
    """Whether the account was anonymised by `erase_personal_data --user`."""
    return user is not None and user.pk is not None and user.get_username() == erased_username(user)


def find(query: PersonQuery) -> list[Candidate]:
    """The people a request matches, of every app that keeps people."""
    return [candidate for source in _people.values() for candidate in source.find(query)]


def _batches(items: list, size: int = BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


# A person's data on request


def export_document(queries: list[PersonQuery]) -> dict:
    """Everything the registry holds about the people `queries` name, as one JSON-able
    document: each app's records with every historical version (dates, who changed them),
    the free text that names them, and the user account that has their e-mail."""
    parts = {_section(source): [] for source in _people.values()}
    texts = []
    for query in queries:
        texts += [query.email, query.name]
        for source in _people.values():
            part = source.export(query)
            parts[_section(source)] += part.records
            texts += part.texts
    emails = {query.email.strip().lower() for query in queries if query.email.strip()}
    users = get_user_model()._default_manager.filter(
        reduce(or_, (Q(email__iexact=email) for email in emails), Q(pk__in=[]))
    )
    return {
        "generated_at": timezone.now(),
        "requested": [query.described() for query in queries],
        **parts,
        "mentions": mentions_of(naming_texts(texts)),
        "accounts": [account_data(user) for user in users.order_by("pk")],
    }


def account_data(user) -> dict:
    """A user account as its owner may see it: never the password or a token's key."""
    return {
        "username": user.get_username(),
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
        "is_active": user.is_active,
        "represents": [
            {"country": r.country.code, "role": r.get_role_display()}
            for r in user.representations.select_related("country")
        ],
        "api_tokens": list(
            ApiToken.objects.filter(user=user).values(
                "name", "prefix", "created_at", "last_used_at", "revoked_at"
            )
        ),
        "uploads_waiting": list(
            PendingImport.objects.filter(user=user).values("kind", "filename", "created_at")
        ),
    }


def holds_anything(document: dict) -> bool:
    """Whether an export found anything: a record of any app, a mention or an account."""
    return any(document[_section(source)] for source in _people.values()) or bool(
        document["mentions"] or document["accounts"]
    )


def _section(source: PeopleSource) -> str:
    """An app's people in an export: "experts"."""
    return str(source.model._meta.verbose_name_plural)


# The privacy notice


@dataclass(frozen=True)
class HeldData:
    """What the registry keeps about one kind of person (for the privacy notice): the fields
    that identify them, erased on request, and those kept for the figures."""

    records: str
    identifying: tuple[str, ...]
    kept: tuple[str, ...]


BOOKKEEPING = frozenset({"id", "created_at", "updated_at"})


def held_data() -> list[HeldData]:
    """The people each app keeps, read from the models' own declarations."""
    held = []
    for source in _people.values():
        opts = source.model._meta
        identifying = identifying_fields(source.model)
        kept = [
            str(f.verbose_name)
            for f in opts.concrete_fields
            if f.name not in identifying and f.name not in BOOKKEEPING
        ]
        kept += [str(r.related_model._meta.verbose_name_plural) for r in opts.related_objects]
        held.append(
            HeldData(
                records=str(opts.verbose_name_plural),
                identifying=tuple(str(opts.get_field(name).verbose_name) for name in identifying),
                kept=tuple(kept),
            )
        )
    return held
