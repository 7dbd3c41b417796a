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
import functools
import json
import re
from collections import defaultdict
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
# The password of an erased account: unusable (Django refuses a password starting with "!"),
# and the mark that the account was erased.
ERASED_PASSWORD = "!erased-on-request"
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
    one transaction; `export(candidate)` returns every record and version about them, as
    JSON-able values; `scrub(ids)` scrubs the records `ids`, removed, as an erasure does
    (every version, their admin log, free text naming them), for purge_history, and returns
    how many versions it scrubbed."""

    kind: str
    model: type[models.Model]
    find: Callable[[PersonQuery], list[Candidate]]
    plan: Callable[[Candidate], ErasurePlan]
    erase: Callable[..., ErasurePlan]
    export: Callable[[Candidate], "ExportPart"]
    scrub: Callable[[Iterable], int]


@dataclass(frozen=True)
class ExportPart:
    """An app's share of a person's data: its records (with every version) as JSON-able
    values, how free text names the person, and the admin's log of their records."""

    records: list[dict]
    naming: "Naming"
    admin_log: list[dict]


_people: dict[str, PeopleSource] = {}
# Free-text fields that may name a person, by model (their history tables follow), with the
# path from a row to its country.
_mentions: dict[type, tuple[tuple[str, ...], str]] = {}


def register_people(source: PeopleSource) -> None:
    """Makes an app's people reachable by erasure, export and purge_history."""
    _people[source.kind] = source


def register_mentions(model, fields: Iterable[str], *, country: str) -> None:
    """Free-text fields of `model` (and of its history) where a person's name or e-mail may
    be written: an erasure replaces them there with the marker, an export lists them.
    `country` is the lookup from a row to its country's id ("country_id", "id",
    "response__country_id"): a name another person also bears counts there only in the
    free text of the person's own country."""
    _mentions[model] = (tuple(fields), country)


def people_sources() -> list[PeopleSource]:
    return list(_people.values())


def people_source(kind: str) -> PeopleSource:
    return _people[kind]


def identifying_fields(model) -> tuple[str, ...]:
    """The fields of `model` that identify a person: erased from every version."""
    return tuple(model.identifying_fields)


def is_marker(value: str) -> bool:
    """Whether a value is the erasure's marker, which names no one (letter case aside)."""
    return (value or "").strip().casefold() == MARKER.casefold()


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
#
# A text names the person only as a whole: a name as whole words ("Ana Espinosa" is not in
# "Juana Espinosa"), an e-mail as a whole address ("ana@x.org" is not in "juana@x.org"),
# letter case aside for every alphabet. The database narrows the rows with a pattern that
# spells each letter in both cases (SQLite's LIKE and lower() fold ASCII letters only), and
# Python decides on word boundaries.


def any_case(text: str) -> str:
    """A regular expression matching `text` in any letter case, read alike by Python (SQLite's
    REGEXP) and PostgreSQL (`~`): each cased letter as a class of its forms, other ASCII
    punctuation escaped."""
    parts = []
    for char in text:
        forms = {char, *_case_forms().get(char.casefold(), ())}
        if len(forms) > 1:
            parts.append("[" + "".join(sorted(forms)) + "]")
        elif char.isascii() and not char.isalnum():
            parts.append("\\" + char)
        else:
            parts.append(char)
    return "".join(parts)


@functools.cache
def _case_forms() -> dict[str, frozenset[str]]:
    """The letters of the Basic Multilingual Plane by their case folding: Greek small sigma
    gives the capital, the small and the final sigma; "k" gives K, k and the Kelvin sign."""
    forms = defaultdict(set)
    for code in range(0x10000):
        char = chr(code)
        folded = char.casefold()
        if len(folded) == 1 and (folded != char or char.upper() != char):
            forms[folded].add(char)
            forms[folded].add(folded)
    return {folded: frozenset(chars) for folded, chars in forms.items() if len(chars) > 1}


def equal_any_case(field: str, value: str) -> Q:
    """Rows whose `field` is `value`, letter case aside (any alphabet, on every database)."""
    return Q(**{f"{field}__regex": f"^{any_case(value)}$"})


def naming_pattern(texts: Iterable[str]) -> re.Pattern | None:
    """Where `texts` stand as a whole in a text: a name not inside a longer word, an e-mail
    not inside a longer address; letter case aside."""
    alternatives = [_whole(text) for text in sorted(set(texts), key=lambda t: (-len(t), t))]
    if not alternatives:
        return None
    return re.compile("|".join(alternatives), re.IGNORECASE)


def _whole(text: str) -> str:
    if "@" in text:
        return rf"(?<![\w.+-]){re.escape(text)}(?![\w-])(?!\.\w)"
    return rf"(?<![\w-]){re.escape(text)}(?![\w-])"


def _names(value, pattern) -> bool:
    return bool(value) and pattern.search(value) is not None


@dataclass(frozen=True)
class Naming:
    """The texts that name one person in free text: `own` wherever they stand; `shared` (a
    name another person in the registry also bears) only in the free text of `country_id`,
    as elsewhere it may be theirs."""

    own: tuple[str, ...] = ()
    shared: tuple[str, ...] = ()
    country_id: int | None = None

    @property
    def texts(self) -> tuple[str, ...]:
        return self.own + self.shared


def _mention_tables():
    """Each registered free-text table (its history after it) with its fields and the path
    to its country."""
    for model, (fields, country) in _mentions.items():
        yield model, fields, country
        history = getattr(model, "history", None)
        if history is not None:
            yield history.model, fields, country


def _mentions_in(namings: list[Naming]):
    """(table, row, field, pattern) of every free-text value naming one of `namings`."""
    for model, fields, country in _mention_tables():
        for naming in namings:
            scopes = [(naming.own, Q())]
            if naming.shared and naming.country_id is not None and country:
                scopes.append((naming.shared, Q(**{country: naming.country_id})))
            for texts, where in scopes:
                pattern = naming_pattern(texts)
                if pattern is None:
                    continue
                narrowed = reduce(
                    or_,
                    (
                        Q(**{f"{name}__regex": "|".join(any_case(text) for text in texts)})
                        for name in fields
                    ),
                )
                for row in model._default_manager.filter(where & narrowed).values("pk", *fields):
                    for name in fields:
                        if _names(row[name], pattern):
                            yield model, row, name, pattern


def mentions_of(namings: list[Naming]) -> list[dict]:
    """Every free-text value that names the people of `namings`: its table, record and field."""
    found = {}
    for model, row, name, _pattern in _mentions_in(namings):
        key = (model._meta.label_lower, str(row["pk"]), name)
        found[key] = {"table": key[0], "record": key[1], "field": name, "value": row[name]}
    return list(found.values())


def scrub_mentions(namings: list[Naming]) -> int:
    """Replace the texts of `namings` with the marker wherever a registered free-text field
    names them (as whole words, letter case aside); returns how many rows changed."""
    changed = set()
    for model, row, name, pattern in list(_mentions_in(namings)):
        current = model._default_manager.filter(pk=row["pk"]).values_list(name, flat=True).first()
        scrubbed = pattern.sub(MARKER, current or "")
        if current and scrubbed != current:
            model._default_manager.filter(pk=row["pk"]).update(**{name: scrubbed})
            changed.add((model, row["pk"]))
    return len(changed)


def _admin_log(model, ids):
    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model),
        object_id__in=[str(pk) for pk in ids],
    ).order_by("pk")


def scrub_admin_log(model, ids, texts: list[str]) -> int:
    """Replace `texts` with the marker in the admin's log of the records `ids` of `model`
    (its record names and change messages, read as the JSON Django writes, where "García"
    stands as "Garc\\u00eda"); returns how many entries changed. Other records' entries
    stay, whoever they name."""
    pattern = naming_pattern(texts)
    if pattern is None or not ids:
        return 0
    changed = 0
    for entry in _admin_log(model, ids).only("object_repr", "change_message"):
        values = {
            "object_repr": pattern.sub(MARKER, entry.object_repr),
            "change_message": _scrubbed_message(entry.change_message, pattern),
        }
        if any(values[name] != getattr(entry, name) for name in values):
            LogEntry.objects.filter(pk=entry.pk).update(**values)
            changed += 1
    return changed


def admin_log_of(model, ids) -> list[dict]:
    """The admin's log of the records `ids` of `model`, as an export lists it."""
    return [
        {
            "table": "admin.logentry",
            "record": str(entry.pk),
            "field": "object_repr, change_message",
            "value": f"{entry.object_repr}: {entry.get_change_message()}",
        }
        for entry in _admin_log(model, ids)
    ]


def _scrubbed_message(message: str, pattern: re.Pattern) -> str:
    """A change message with the person's texts replaced: Django's JSON form decoded first."""
    try:
        decoded = json.loads(message)
    except ValueError:
        decoded = None
    if not isinstance(decoded, list | dict):
        return pattern.sub(MARKER, message)
    scrubbed = _scrubbed_json(decoded, pattern)
    return message if scrubbed == decoded else json.dumps(scrubbed)


def _scrubbed_json(value, pattern):
    if isinstance(value, str):
        return pattern.sub(MARKER, value)
    if isinstance(value, list):
        return [_scrubbed_json(item, pattern) for item in value]
    if isinstance(value, dict):
        return {key: _scrubbed_json(item, pattern) for key, item in value.items()}
    return value


def names_the_person(cell: str, pattern: re.Pattern) -> bool:
    """Whether an upload's cell names the person: the whole cell, or a whole word of it."""
    return _names((cell or "").strip(), pattern)


def uploads_naming(texts: list[str]) -> list[PendingImport]:
    """The uploads waiting for confirmation with a cell naming the person as a whole (the
    cell is their name or e-mail, or holds it as whole words); a longer name that merely
    contains theirs does not count."""
    pattern = naming_pattern(texts)
    if pattern is None:
        return []
    return [
        pending
        for pending in PendingImport.objects.all()
        if any(
            names_the_person(cell, pattern)
            for cell in cell_texts(bytes(pending.data), pending.filename)
        )
    ]


def erase_traces(naming: Naming) -> tuple[int, int]:
    """Delete the pending uploads naming the person and scrub their free-text mentions:
    (uploads deleted, rows scrubbed). Part of a caller's transaction."""
    uploads = uploads_naming(list(naming.texts))
    PendingImport.objects.filter(pk__in=[pending.pk for pending in uploads]).delete()
    return len(uploads), scrub_mentions([naming])


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


def anonymised_username(user) -> str:
    """The user name an account takes when erased: erased-user-<id>, or with a suffix when
    another account holds that name already."""
    accounts = get_user_model()._default_manager.exclude(pk=user.pk)
    username = base = ERASED_USERNAME.format(pk=user.pk)
    suffix = 1
    while accounts.filter(username=username).exists():
        suffix += 1
        username = f"{base}-{suffix}"
    return username


def is_erased_user(user) -> bool:
    """Whether the account was anonymised by `erase_personal_data --user`: its password is
    the erasure's mark, which no password Django sets can equal (an unusable password is "!"
    and 40 letters or digits, a usable one a hash). Its user name does not say: anyone may
    be called erased-user-7."""
    return user is not None and user.pk is not None and user.password == ERASED_PASSWORD


def find(query: PersonQuery) -> list[Candidate]:
    """The people a request matches, of every app that keeps people."""
    return [candidate for source in _people.values() for candidate in source.find(query)]


def _batches(items: list, size: int = BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


# A person's data on request


def export_document(requests: list[tuple[PersonQuery, list[Candidate]]]) -> dict:
    """Everything the registry holds about the people requested, as one JSON-able document:
    each candidate's records with every historical version (dates, who changed them), the
    free text that names them, the admin's log of their records, and the user account that
    has the requested e-mail. Each request comes with the candidates it found (at most one
    person, `the_one`)."""
    parts = {_section(source): [] for source in _people.values()}
    namings, admin_log = [], []
    for query, candidates in requests:
        asked = [query.email] if candidates else [query.email, query.name]
        namings.append(Naming(own=tuple(naming_texts(asked))))
        for candidate in candidates:
            source = _people[candidate.kind]
            part = source.export(candidate)
            parts[_section(source)] += part.records
            namings.append(part.naming)
            admin_log += part.admin_log
    emails = {query.email.strip() for query, _ in requests if query.email.strip()}
    users = get_user_model()._default_manager.filter(
        reduce(or_, (equal_any_case("email", email) for email in emails), Q(pk__in=[]))
    )
    return {
        "generated_at": timezone.now(),
        "requested": [query.described() for query, _ in requests],
        **parts,
        "mentions": mentions_of(namings) + admin_log,
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
