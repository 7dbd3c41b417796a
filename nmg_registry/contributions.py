"""What the core's own models add to the registries of contributions: the country's record,
mirror groups and representatives in its history, and how reference data is named there;
the free text of its records where a person may be named."""

from nmg_registry import history, personal_data
from nmg_registry.models import Country, MirrorGroup, Representative, StakeholderType, WorkingGroup


def register() -> None:
    """Called once, from the app's ready()."""
    for source in (
        history.HistorySource(
            Country, lambda country, user: Country.history.filter(id=country.pk), _name
        ),
        history.HistorySource(MirrorGroup, _of_country(MirrorGroup), _name, frozenset({"country"})),
        history.HistorySource(
            Representative,
            _of_country(Representative),
            lambda row, names: names.user(row["user_id"]),
            frozenset({"country", "user"}),
        ),
    ):
        history.register_source(source)
    for names in (
        history.RecordNames(Country, _country_names, "a removed country"),
        history.RecordNames(WorkingGroup, _working_groups, "a removed working group"),
        history.RecordNames(StakeholderType, _stakeholder_types, "a removed stakeholder type"),
        history.RecordNames(MirrorGroup, _mirror_groups, "a removed mirror group"),
    ):
        history.register_names(names)
    # Free text where a person may be named: a country's notes, a group's description. (The
    # admin's log is scrubbed entry by entry, for the erased records alone.)
    personal_data.register_mentions(Country, ("notes",), country="id")
    personal_data.register_mentions(MirrorGroup, ("description",), country="country_id")


def _name(row, names) -> str:
    return row["name"]


def _of_country(model):
    """The versions of `model` written while the record belonged to the country."""
    return lambda country, user: model.history.filter(country_id=country.pk)


def _country_names(ids, reading, names) -> dict:
    """The country by its name; another one a record moved to, read only when there is one."""
    countries = {reading.country.pk: reading.country.name}
    others = ids - {reading.country.pk}
    if others:
        countries |= dict(Country.objects.filter(pk__in=others).values_list("pk", "name"))
    return countries


def _working_groups(ids, reading, names) -> dict:
    return {pk: f"WG{number}" for pk, number in WorkingGroup.objects.values_list("pk", "number")}


def _stakeholder_types(ids, reading, names) -> dict:
    return dict(StakeholderType.objects.values_list("pk", "label"))


def _mirror_groups(ids, reading, names) -> dict:
    return history.latest_names(
        MirrorGroup, ids, reading.country, elsewhere="a mirror group of another country"
    )
