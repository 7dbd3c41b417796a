"""What compositions adds to the core's registries of contributions: experts and their
seats in a country's history, and how experts are named there; the composition file's
import kind; experts as people whose data may be erased or exported on request."""

from compositions.models import Expert, Membership
from compositions.services import erasure
from compositions.services.file_import import import_upload
from nmg_registry import history, imports, personal_data
from nmg_registry.models import MirrorGroup, PendingImport, WorkingGroup


def register() -> None:
    """Called once, from the app's ready()."""
    imports.register_kind(PendingImport.Kind.COMPOSITION, import_upload)
    history.register_source(
        history.HistorySource(
            Expert,
            lambda country, user: Expert.history.filter(country_id=country.pk),
            lambda row, names: row["name"],
            frozenset({"country"}),
        )
    )
    history.register_source(
        history.HistorySource(Membership, _seats, _seat_label, frozenset({"expert"}))
    )
    history.register_names(history.RecordNames(Expert, _experts, "a removed expert"))
    personal_data.register_people(
        personal_data.PeopleSource(
            kind=erasure.KIND,
            model=Expert,
            find=erasure.find_experts,
            plan=erasure.plan_erasure,
            erase=erasure.erase_expert,
            export=erasure.export_expert_data,
            scrub=erasure.scrub_removed,
        )
    )


def _seats(country, user):
    """The seats' versions written while their expert belonged to the country."""
    return history.versions_while_kept(Membership, "expert", Expert, country)


def _experts(ids, reading, names) -> dict:
    return history.latest_names(
        Expert, ids, reading.country, elsewhere="an expert of another country"
    )


def _seat_label(row, names) -> str:
    expert = names.name(Expert, row["expert_id"])
    group = names.name(MirrorGroup, row["mirror_group_id"])
    in_group = f" in {group}" if group else ""
    if row["working_group_id"] is None:
        return f"seat of {expert} (working group unknown){in_group}"
    return f"{names.name(WorkingGroup, row['working_group_id'])} seat of {expert}{in_group}"
