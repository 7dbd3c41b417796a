"""An expert's personal data on request: finding the person, erasing them from the records
and from every historical version (GDPR article 17), and exporting what the registry holds
about them (article 15). Registered with the core's `nmg_registry.personal_data` by
compositions/contributions.py; the commands and the admin's actions reach them there.

Erasure removes the expert and their seats and replaces the identifying fields of every
version with the marker, keeping country, gender, stakeholder type, seats and dates: the
compositions of past rounds (`?as_of=`) keep their figures.
"""

from collections import defaultdict

from django.core.exceptions import PermissionDenied
from django.db import transaction

from compositions.identity import identity_key
from compositions.models import Expert, Membership
from nmg_registry import permissions, personal_data, wording
from nmg_registry.bulk_writes import BulkHistory
from nmg_registry.models import Country
from nmg_registry.personal_data import Candidate, ErasurePlan, ExportPart, Naming, PersonQuery

KIND = "expert"
# The change reason of the removal an erasure records.
ERASURE_REASON = "personal data erased on request"
HISTORY_TYPES = {"+": "created", "~": "changed", "-": "removed"}


def find_experts(query: PersonQuery) -> list[Candidate]:
    """The people among the experts, present and removed, that `query` matches (letter case
    aside): each identity (compositions.identity, of the record's latest version) is one
    candidate, with every record that had it. A query needs an e-mail or a name."""
    if not (query.email.strip() or query.name.strip()):
        return []
    if any(map(personal_data.is_marker, (query.email, query.name, query.institution))):
        return []  # the marker is what every erased person reads
    ids = set(_matching(Expert.objects.all(), query).values_list("pk", flat=True))
    ids |= set(_matching(Expert.history.all(), query).values_list("id", flat=True))
    latest = _latest_versions(ids)
    people = defaultdict(set)
    for pk, version in latest.items():
        key = identity_key(
            version["country_id"],
            email=version["email"],
            name=version["name"],
            institution=version["institution"],
        )
        people[key].add(pk)
    countries = Country.objects.in_bulk({version["country_id"] for version in latest.values()})
    return sorted(
        (
            Candidate(
                kind=KIND,
                ids=frozenset(pks),
                country=countries[latest[min(pks)]["country_id"]],
                hint=_hint(pks, latest),
            )
            for pks in people.values()
        ),
        key=lambda candidate: (candidate.country.code, min(candidate.ids)),
    )


def query_of(expert: Expert) -> PersonQuery:
    """The request naming a stored expert's identity (compositions.identity): their country
    and e-mail, or, without one, their name and institution."""
    if expert.email.strip():
        return PersonQuery(email=expert.email, country=expert.country)
    return PersonQuery(name=expert.name, institution=expert.institution, country=expert.country)


def candidate_of(expert: Expert) -> Candidate:
    """The person a stored expert is (the admin's actions): found as the command finds them,
    so with every earlier record of the same identity, removed ones included."""
    for candidate in find_experts(query_of(expert)):
        if expert.pk in candidate.ids:
            return candidate
    return Candidate(  # the identity moved on in the history; the record alone
        kind=KIND,
        ids=frozenset({expert.pk}),
        country=expert.country,
        hint=_hint({expert.pk}, _latest_versions({expert.pk})),
    )


def plan_erasure(candidate: Candidate) -> ErasurePlan:
    """What erasing the candidate would remove and scrub, for a dry run or a confirmation."""
    ids = candidate.ids
    naming = naming_of(ids, candidate.country.pk)
    experts = Expert.objects.filter(pk__in=ids).count()
    seats = Membership.objects.filter(expert_id__in=ids).count()
    versions = _versions(ids)
    uploads = len(personal_data.uploads_naming(list(naming.texts)))
    mentions = len(personal_data.mentions_of([naming]))
    earlier = len(ids) - experts
    lines = (
        f"{experts} expert record(s) of {candidate.country.code} and their {seats} seat(s) removed",
        *(
            [f"{earlier} earlier record(s) of the same person, removed before, scrubbed"]
            if earlier
            else []
        ),
        f"{versions} historical version(s) of the expert and their seats kept for the figures, "
        f"with {', '.join(Expert.identifying_fields)} replaced by {personal_data.MARKER}",
        f"{uploads} upload(s) waiting for confirmation that name them deleted",
        f"{mentions} free-text mention(s) of their name or e-mail replaced by "
        f"{personal_data.MARKER}",
    )
    return ErasurePlan(
        kind=KIND,
        country=candidate.country,
        records=experts + seats,
        versions=versions,
        uploads=uploads,
        mentions=mentions,
        lines=lines,
    )


@transaction.atomic
def erase_expert(candidate: Candidate, *, user) -> ErasurePlan:
    """Erase the candidate: remove their expert records and seats, scrub every version of
    them, delete the uploads and scrub the free text that name them, and log the erasure.
    `user` None is the command line. Raises PermissionDenied for anyone but WP6 staff."""
    if user is not None and not permissions.can_erase_personal_data(user):
        raise PermissionDenied("Only WP6 staff may erase personal data.")
    ids = candidate.ids
    list(Expert.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True))
    naming = naming_of(ids, candidate.country.pk)
    seats = list(Membership.objects.filter(expert_id__in=ids))
    experts = list(Expert.objects.filter(pk__in=ids))
    # The removal is recorded as any other, with its user; its versions are scrubbed below.
    history = BulkHistory(user=user, reason=ERASURE_REASON)
    history.delete(Membership, seats)
    history.delete(Expert, experts)
    uploads, mentions = _scrub(ids, naming, uploads=True)
    versions = _versions(ids)
    personal_data.log_erasure(
        by=user,
        kind=KIND,
        country=candidate.country,
        records=len(experts) + len(seats),
        versions=versions,
    )
    return ErasurePlan(
        kind=KIND,
        country=candidate.country,
        records=len(experts) + len(seats),
        versions=versions,
        uploads=uploads,
        mentions=mentions,
    )


def scrub_removed(ids) -> int:
    """Scrub removed expert records as an erasure does (purge_history): every version, the
    admin's log of them and of their seats, the free text naming them. Waiting uploads stay:
    one naming the person may be bringing them back. Returns the versions scrubbed."""
    ids = frozenset(ids)
    latest = _latest_versions(ids)
    country_id = latest[min(ids)]["country_id"] if latest else None
    scrubbed = personal_data.unscrubbed_versions(Expert, ids)
    _scrub(ids, naming_of(ids, country_id), uploads=False)
    return scrubbed


def naming_of(ids, country_id) -> Naming:
    """How free text names the person of the records `ids` (of `country_id`): their e-mails
    anywhere; their names anywhere unless another expert, present or past, bears one too,
    then only in their own country's free text."""
    own, shared = [], []
    for text in personal_data.naming_texts_of(Expert, ids):
        borne = "@" not in text and (
            Expert.objects.exclude(pk__in=ids)
            .filter(personal_data.equal_any_case("name", text))
            .exists()
            or Expert.history.exclude(id__in=ids)
            .filter(personal_data.equal_any_case("name", text))
            .exists()
        )
        (shared if borne else own).append(text)
    return Naming(own=tuple(own), shared=tuple(shared), country_id=country_id)


def _scrub(ids, naming: Naming, *, uploads: bool) -> tuple[int, int]:
    """Every version of the records `ids` scrubbed, the admin's log of them and of their
    seats, the free text naming them, and (`uploads`) the waiting uploads naming them
    deleted: (uploads deleted, free-text rows scrubbed)."""
    personal_data.scrub_versions(Expert, ids)
    personal_data.scrub_admin_log(Expert, ids, list(naming.texts))
    personal_data.scrub_admin_log(Membership, _seat_ids(ids), list(naming.texts))
    if uploads:
        return personal_data.erase_traces(naming)
    return 0, personal_data.scrub_mentions([naming])


def _seat_ids(ids) -> set:
    """Every seat the records `ids` held, present or removed."""
    return set(Membership.history.filter(expert_id__in=ids).values_list("id", flat=True)) | set(
        Membership.objects.filter(expert_id__in=ids).values_list("pk", flat=True)
    )


def export_expert_data(candidate: Candidate) -> ExportPart:
    """Every expert record of the candidate, present or removed, with every version of it
    and of its seats: dates, what each held, and who changed it; the admin's log of them."""
    ids = candidate.ids
    records = []
    for pk in sorted(ids):
        current = Expert.objects.filter(pk=pk).select_related("country", "stakeholder_type")
        records.append(
            {
                "id": pk,
                "current": _expert_values(current.first()),
                "seats": [
                    _seat_values(seat)
                    for seat in Membership.objects.filter(expert_id=pk).select_related(
                        "working_group", "mirror_group"
                    )
                ],
                "versions": [
                    _version(v, _expert_values(v))
                    for v in Expert.history.filter(id=pk)
                    .select_related("country", "stakeholder_type", "history_user")
                    .order_by("history_date", "history_id")
                ],
                "seat_versions": [
                    _version(v, {"seat": v.id, **_seat_values(v)})
                    for v in Membership.history.filter(expert_id=pk)
                    .select_related("working_group", "mirror_group", "history_user")
                    .order_by("history_date", "history_id")
                ],
            }
        )
    return ExportPart(
        records=records,
        naming=naming_of(ids, candidate.country.pk if candidate.country else None),
        admin_log=personal_data.admin_log_of(Expert, ids)
        + personal_data.admin_log_of(Membership, _seat_ids(ids)),
    )


def _matching(rows, query: PersonQuery):
    if query.country is not None:
        rows = rows.filter(country_id=query.country.pk)
    for field_name in ("email", "name", "institution"):
        value = getattr(query, field_name).strip()
        if value:
            rows = rows.filter(personal_data.equal_any_case(field_name, value))
    return rows


def _latest_versions(ids) -> dict:
    """Each expert's values as they stand, or, for one removed, as its last version held."""
    columns = ("pk", "country_id", "email", "name", "institution", "stakeholder_type__label")
    latest = {}
    for row in (
        Expert.history.filter(id__in=ids)
        .order_by("history_date", "history_id")
        .values("id", "history_type", "history_date", *columns[1:])
    ):
        latest[row["id"]] = row
    for row in Expert.objects.filter(pk__in=ids).values(*columns):
        latest[row["pk"]] = {**row, "history_type": "", "history_date": None}
    return latest


def _hint(pks, latest) -> str:
    """How to tell a candidate apart without naming them: record ids, stakeholder type,
    seats now, and when a removed record went."""
    seats = Membership.objects.filter(expert_id__in=pks).count()
    stakeholders = sorted({latest[pk]["stakeholder_type__label"] or "type not given" for pk in pks})
    parts = [
        "expert " + ", ".join(f"#{pk}" for pk in sorted(pks)),
        "; ".join(stakeholders),
        f"{seats} seat(s)",
    ]
    removed = [latest[pk]["history_date"] for pk in pks if latest[pk]["history_type"] == "-"]
    if removed:
        parts.append(f"removed {wording.moment(max(removed))}")
    return " · ".join(parts)


def _versions(ids) -> int:
    return (
        Expert.history.filter(id__in=ids).count()
        + Membership.history.filter(expert_id__in=ids).count()
    )


def _expert_values(expert) -> dict | None:
    if expert is None:
        return None
    return {
        "country": expert.country.code,
        **{name: getattr(expert, name) for name in Expert.identifying_fields},
        "gender": expert.gender,
        "stakeholder_type": expert.stakeholder_type.slug if expert.stakeholder_type else None,
    }


def _seat_values(seat) -> dict:
    return {
        "working_group": seat.working_group.number if seat.working_group else None,
        "mirror_group": seat.mirror_group.name if seat.mirror_group else None,
        "role": seat.role,
    }


def _version(version, values: dict) -> dict:
    return {
        "history_date": version.history_date,
        "history_type": HISTORY_TYPES.get(version.history_type, version.history_type),
        "changed_by": wording.author(version.history_user),
        "reason": version.history_change_reason or "",
        "values": values,
    }
