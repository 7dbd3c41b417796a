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
from nmg_registry.personal_data import Candidate, ErasurePlan, ExportPart, PersonQuery

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


def candidate_of(expert: Expert) -> Candidate:
    """The erasure candidate of one stored expert (the admin's action)."""
    return Candidate(
        kind=KIND,
        ids=frozenset({expert.pk}),
        country=expert.country,
        hint=_hint({expert.pk}, _latest_versions({expert.pk})),
    )


def plan_erasure(candidate: Candidate) -> ErasurePlan:
    """What erasing the candidate would remove and scrub, for a dry run or a confirmation."""
    ids = candidate.ids
    texts = personal_data.naming_texts_of(Expert, ids)
    experts = Expert.objects.filter(pk__in=ids).count()
    seats = Membership.objects.filter(expert_id__in=ids).count()
    versions = _versions(ids)
    uploads = len(personal_data.uploads_naming(texts))
    mentions = len(personal_data.mentions_of(texts))
    lines = (
        f"{experts} expert record(s) of {candidate.country.code} and their {seats} seat(s) removed",
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
    texts = personal_data.naming_texts_of(Expert, ids)
    seats = list(Membership.objects.filter(expert_id__in=ids))
    experts = list(Expert.objects.filter(pk__in=ids))
    # The removal is recorded as any other, with its user; its versions are scrubbed below.
    history = BulkHistory(user=user, reason=ERASURE_REASON)
    history.delete(Membership, seats)
    history.delete(Expert, experts)
    personal_data.scrub_versions(Expert, ids)
    uploads, mentions = personal_data.erase_traces(texts)
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


def export_expert_data(query: PersonQuery) -> ExportPart:
    """Every expert record `query` matches, present or removed, with every version of it
    and of its seats: dates, what each held, and who changed it."""
    ids = {pk for candidate in find_experts(query) for pk in candidate.ids}
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
    return ExportPart(records=records, texts=personal_data.naming_texts_of(Expert, ids))


def _matching(rows, query: PersonQuery):
    if query.country is not None:
        rows = rows.filter(country_id=query.country.pk)
    for field_name in ("email", "name", "institution"):
        value = getattr(query, field_name).strip()
        if value:
            rows = rows.filter(**{f"{field_name}__iexact": value})
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
