"""Compositions as they stood at a date or when a round closed: history built by importing
files dated in the past (`import_composition --as-of`), read back by the summary's doors."""

import datetime
import io
import zoneinfo

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from analytics.selectors import composition_summary
from compositions.as_of import composition_as_of
from compositions.models import Expert, Membership
from compositions.services.file_import import import_composition
from nmg_registry.moments import Moment, parse_as_of
from nmg_registry.tabular import ImportFailed
from surveys.models import Survey
from tests import factories
from tests.compositions.test_import import ANA, GIULIA, LUIS, csv_file

pytestmark = pytest.mark.django_db

BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
RECEIVED_2020 = datetime.datetime(2020, 11, 15, 12, tzinfo=BRUSSELS)
RECEIVED_2022 = datetime.datetime(2022, 6, 1, 12, tzinfo=BRUSSELS)
SUMMARY = reverse("analytics-api:composition-summary")


@pytest.fixture
def history(db):
    """ES sends Ana and Luis in 2020; in 2022 Ana alone (Luis leaves) and IT sends Giulia;
    today ES adds an expert through the form. Two closed rounds close after each file."""
    import_composition(data=csv_file(ANA, LUIS), filename="2020.csv", as_of=RECEIVED_2020)
    import_composition(
        data=csv_file(ANA, GIULIA), filename="2022.csv", replace=True, as_of=RECEIVED_2022
    )
    factories.ExpertFactory(country=factories.country("ES"))
    for year in (2020, 2022):
        factories.SurveyFactory(
            slug=f"round-{year}",
            status=Survey.Status.CLOSED,
            opens_on=datetime.date(year, 9, 1),
            closes_on=datetime.date(year, 12, 31),
        )


@pytest.fixture
def reader(client, cast):
    client.force_login(cast.viewer)
    return client


def sizes(body) -> dict[str, tuple[int, list[int]]]:
    return {c["country"]: (c["experts"], c["working_groups"]) for c in body["countries"]}


def test_summary_as_of_a_date_shows_the_composition_then(reader, history):
    body = reader.get(SUMMARY, {"as_of": "2020-12-01"}).json()

    assert sizes(body) == {"ES": (2, [1, 3])}
    assert body["countries_by_stakeholder_type"]["clinical-communities"] == ["ES"]


def test_summary_as_of_a_round_is_the_composition_when_it_closed(reader, history):
    at_2020 = reader.get(SUMMARY, {"round": "round-2020"}).json()
    at_2022 = reader.get(SUMMARY, {"round": "round-2022"}).json()

    assert sizes(at_2020) == {"ES": (2, [1, 3])}
    assert sizes(at_2022) == {"ES": (1, [3]), "IT": (1, [9])}
    assert at_2022 == reader.get(SUMMARY, {"as_of": "2022-12-31"}).json()
    # Now: the expert added today counts too.
    assert sizes(reader.get(SUMMARY).json())["ES"][0] == 2


def test_summary_as_of_a_round_equals_the_present_figures_had_they_been_read_then(history):
    then = composition_summary(moment=Moment(at=parse_as_of("2022-12-31")))
    # Undo today's change: the present is then 2022's.
    Expert.objects.exclude(name__in=["Ana García", "Giulia Rossi"]).delete()
    now = composition_summary()

    assert then == now


def test_summary_as_of_before_any_history_is_empty(reader, history):
    response = reader.get(SUMMARY, {"as_of": "2019-01-01T08:00:00"})

    assert response.status_code == 200
    assert response.json()["countries"] == []
    assert response.json()["countries_submitted"] == []


@pytest.mark.parametrize("value", ["2020-13-01", "yesterday", "2020-02-30T10:00"])
def test_a_malformed_as_of_is_a_400_naming_it(reader, history, value):
    response = reader.get(SUMMARY, {"as_of": value})

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "as_of": [f'"{value}" is not a date (YYYY-MM-DD) or an ISO 8601 date-time.']
    }
    assert value in response.json()["detail"]


def test_a_malformed_as_of_is_a_400_on_the_page_too(reader, history):
    response = reader.get("/assessment/composition/", {"as_of": "2020-13-01"})

    assert response.status_code == 400
    assert "as_of: &quot;2020-13-01&quot; is not a date" in response.content.decode()


def test_as_of_and_round_together_are_a_400(reader, history):
    response = reader.get(SUMMARY, {"as_of": "2020-12-01", "round": "round-2020"})

    assert response.status_code == 400
    assert "as_of" in response.json()["errors"]


def test_a_draft_round_is_an_unknown_round_to_a_viewer(reader, history):
    factories.SurveyFactory(slug="round-draft", status=Survey.Status.DRAFT)

    assert reader.get(SUMMARY, {"round": "round-draft"}).status_code == 404
    assert reader.get(SUMMARY, {"round": "no-such-round"}).status_code == 404


def test_the_summary_csv_and_the_page_take_the_moment(reader, history):
    csv = reader.get(SUMMARY, {"round": "round-2020", "format": "csv"}).content.decode()
    page = reader.get("/assessment/composition/", {"round": "round-2020"}).content.decode()
    download = reader.get("/assessment/composition/", {"round": "round-2020", "download": "sizes"})

    assert "IT" not in csv.split("\n", 1)[1]
    assert "as the round round-2020 closed" in page
    assert "composition-round-2020-sizes" in download["Content-Disposition"]
    assert b"IT" not in download.content


def test_the_round_page_links_to_the_composition_as_of_the_round(reader, history):
    page = reader.get("/assessment/rounds/round-2020/").content.decode()

    assert 'href="/assessment/composition/?round=round-2020"' in page


def test_the_summary_as_of_costs_the_same_queries_whatever_the_data(
    history, django_assert_num_queries
):
    moment = Moment(at=parse_as_of("2022-12-31"))
    composition_summary(moment=moment)
    with django_assert_num_queries(4):
        few = composition_summary(moment=moment)
    for code in ("DE", "FR", "PL"):
        for _ in range(3):
            expert = factories.ExpertFactory(country=factories.country(code))
            factories.MembershipFactory(expert=expert, working_group=factories.working_group(2))
    Expert.history.update(history_date=RECEIVED_2022)
    Membership.history.update(history_date=RECEIVED_2022)
    with django_assert_num_queries(4):
        many = composition_summary(moment=moment)
    assert len(many.countries) == len(few.countries) + 3


def test_composition_as_of_gives_each_countrys_size_groups_and_types(history):
    then = composition_as_of(Moment(at=parse_as_of("2022-12-31")), countries=["ES"])

    assert list(then) == ["ES"]
    assert then["ES"].experts == 1
    assert then["ES"].working_groups == [3]
    assert then["ES"].stakeholder_types == ["research-university"]
    assert composition_as_of(RECEIVED_2020)["ES"].experts == 2


# --- import_composition --as-of ------------------------------------------------------------


def test_a_dated_import_dates_every_version_and_the_records_timestamps(history):
    dates = set(Expert.history.filter(name="Luis Pérez").values_list("history_date", flat=True))
    ana = Expert.history.filter(name="Ana García").earliest("history_date")

    assert dates == {RECEIVED_2020, RECEIVED_2022}
    assert ana.created_at == RECEIVED_2020
    assert set(Membership.history.values_list("history_date", flat=True)) == {
        RECEIVED_2020,
        RECEIVED_2022,
    }


def test_a_dated_import_is_refused_naming_a_record_with_a_later_version(history):
    before = (Expert.history.count(), Membership.history.count())
    with pytest.raises(ImportFailed) as failed:
        import_composition(
            data=csv_file(ANA.replace("Researcher", "Professor")),
            filename="2020-06.csv",
            as_of=datetime.datetime(2020, 6, 1, tzinfo=BRUSSELS),
        )

    message = str(failed.value.errors[0])
    assert "expert Ana García (ES) already has a version later than 2020-06-01" in message
    assert "history only moves forward" in message
    assert (Expert.history.count(), Membership.history.count()) == before


def test_a_dry_run_of_a_dated_import_refuses_what_the_import_would(history):
    with pytest.raises(ImportFailed) as failed:
        import_composition(
            data=csv_file(ANA.replace("Researcher", "Professor")),
            filename="2020-06.csv",
            as_of=datetime.datetime(2020, 6, 1, tzinfo=BRUSSELS),
            dry_run=True,
        )

    assert "expert Ana García (ES) already has a version later than 2020-06-01" in str(
        failed.value.errors[0]
    )


def test_the_command_takes_as_of_and_refuses_a_bad_one(tmp_path, db):
    path = tmp_path / "2020.csv"
    path.write_bytes(csv_file(GIULIA))

    call_command("import_composition", str(path), "--as-of", "2020-11-30", stdout=io.StringIO())
    with pytest.raises(CommandError, match='--as-of: "30/11/2020" is not a date'):
        call_command("import_composition", str(path), "--as-of", "30/11/2020")

    version = Expert.history.get()
    assert version.history_date == datetime.datetime.combine(
        datetime.date(2020, 11, 30), datetime.time.max, tzinfo=BRUSSELS
    )
    assert version.history_change_reason == "composition import: 2020.csv"


# --- what changed between two moments -------------------------------------------------------

COMPARE = reverse("analytics-api:composition-compare")


def test_compare_counts_who_joined_and_left_per_country(reader, history):
    body = reader.get(COMPARE, {"before": "round-2020", "after": "round-2022"}).json()

    assert body["before"]["round"] == "round-2020"
    assert body["before"]["as_of"].startswith("2020-12-31T23:59:59")
    assert body["countries"] == [
        {
            "country": "ES",
            "experts_before": 2,
            "experts_after": 1,
            "joined": 0,
            "left": 1,
            "seats_gained": 0,
            "seats_lost": 1,
            "working_groups_gained": [],
            "working_groups_lost": [1],
            "stakeholder_types_gained": [],
            "stakeholder_types_lost": ["clinical-communities"],
        },
        {
            "country": "IT",
            "experts_before": 0,
            "experts_after": 1,
            "joined": 1,
            "left": 0,
            "seats_gained": 1,
            "seats_lost": 0,
            "working_groups_gained": [9],
            "working_groups_lost": [],
            "stakeholder_types_gained": ["elsi"],
            "stakeholder_types_lost": [],
        },
    ]


def test_compare_names_who_joined_and_left_only_for_the_countrys_keepers(client, history):
    client.force_login(factories.make_representative("rep_it", "IT"))
    countries = {
        c["country"]: c
        for c in client.get(COMPARE, {"before": "2020-12-01", "after": "round-2022"}).json()[
            "countries"
        ]
    }
    client.force_login(factories.make_staff())
    staff = client.get(COMPARE, {"before": "2020-12-01", "after": "round-2022"}).json()

    assert countries["IT"]["joined_names"] == ["Giulia Rossi"]
    assert "left_names" not in countries["ES"] and "Luis" not in str(countries)
    assert staff["countries"][0]["left_names"] == ["Luis Pérez"]


def test_compare_page_shows_the_changes(reader, history):
    page = reader.get(
        "/assessment/composition/compare/", {"before": "round-2020", "after": "2022-12-31"}
    ).content.decode()

    assert "as the round round-2020 closed" in page
    assert "Luis" not in page
    assert "clinical-communities" in page


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"before": "2020-02-31", "after": "round-2022"}, "before"),
        ({"before": "round-2020"}, "after"),
    ],
)
def test_compare_with_a_malformed_or_missing_moment_is_a_400(reader, history, query, parameter):
    api = reader.get(COMPARE, query)
    page = reader.get("/assessment/composition/compare/", query)

    assert api.status_code == page.status_code == 400
    assert list(api.json()["errors"]) == [parameter]
