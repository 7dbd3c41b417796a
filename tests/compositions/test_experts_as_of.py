"""A country's experts as they stood at a date or when a round closed: the experts list, the
experts API and the composition export, read from the history the imports wrote, for the
same readers as the present and read-only."""

import csv
import datetime
import io
import zoneinfo

import pytest
from django.urls import reverse

from compositions.services.file_import import import_composition
from surveys.models import Survey
from tests import factories
from tests.compositions.test_import import ANA, GIULIA, LUIS, csv_file

pytestmark = pytest.mark.django_db

BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
# Round A's file: Ana and Luis for ES, Giulia for IT.
FILE_A = csv_file(ANA, LUIS, GIULIA)
# Later, Luis leaves, Ana becomes head of unit and Marta joins.
ANA_LATER = ANA.replace("Researcher", "Head of unit")
MARTA = "ES,5,expert,elsi,UPF,Marta Soler,Ethicist,female,Catalonia,marta@example.org"
FILE_LATER = csv_file(ANA_LATER, MARTA, GIULIA)

ROUND_A = "round-a"
EXPERTS_API = "/api/v1/experts/"
MALFORMED = {
    "errors": {"as_of": ['"2020-13-01" is not a date (YYYY-MM-DD) or an ISO 8601 date-time.']}
}


def experts_url(code="ES"):
    return reverse("compositions:experts", args=[code])


def export_url(file_format="csv"):
    return reverse("compositions:export", args=[file_format])


@pytest.fixture
def history(cast):
    """File A received in November 2020, round A closed at the end of 2020, the later file
    received in 2022."""
    import_composition(
        data=FILE_A,
        filename="a.csv",
        as_of=datetime.datetime(2020, 11, 15, 12, tzinfo=BRUSSELS),
    )
    factories.SurveyFactory(
        slug=ROUND_A,
        status=Survey.Status.CLOSED,
        opens_on=datetime.date(2020, 9, 1),
        closes_on=datetime.date(2020, 12, 31),
    )
    import_composition(
        data=FILE_LATER,
        filename="later.csv",
        replace=True,
        as_of=datetime.datetime(2022, 6, 1, 12, tzinfo=BRUSSELS),
    )
    return cast


@pytest.fixture
def staff(history, as_user):
    return as_user("staff")


@pytest.fixture
def rep_es(history, as_user):
    return as_user("rep_es")


def names(response) -> list[str]:
    return [expert["name"] for expert in response.json()["results"]]


# --- the experts list ------------------------------------------------------------------------


def test_an_expert_removed_after_the_round_is_listed_as_of_it_and_not_now(rep_es):
    then = rep_es.get(experts_url(), {"round": ROUND_A}).content.decode()
    now = rep_es.get(experts_url()).content.decode()

    assert "Luis Pérez" in then and "Luis Pérez" not in now
    assert "Marta Soler" in now and "Marta Soler" not in then
    # Ana as she stood then, with her seat then.
    assert "Researcher" in then and "Head of unit" not in then
    assert "WG3 coordinator" in then


def test_the_past_list_is_read_only_and_says_which_moment_it_shows(rep_es):
    page = rep_es.get(experts_url(), {"round": ROUND_A}).content.decode()

    assert 'id="experts-moment"' in page
    assert f"as the round {ROUND_A} closed (31 Dec 2020 23:59)" in page
    assert f'href="{experts_url()}">Show the experts now</a>' in page
    for door in ("expert-add", "upload"):
        assert reverse(f"compositions:{door}", args=["ES"]) not in page
    assert "/edit/" not in page and "/remove/" not in page and ">Edit<" not in page
    # The download is the composition then.
    assert f"{export_url()}?country=ES&amp;round={ROUND_A}" in page
    # The search keeps the moment.
    assert f'<input type="hidden" name="round" value="{ROUND_A}">' in page


def test_the_present_list_keeps_its_buttons_and_says_no_moment(rep_es):
    page = rep_es.get(experts_url()).content.decode()

    assert 'id="experts-moment"' not in page
    assert reverse("compositions:expert-add", args=["ES"]) in page
    assert ">Edit<" in page


def test_the_filters_apply_to_the_experts_and_seats_then(rep_es):
    def listed(**query):
        page = rep_es.get(experts_url(), {"as_of": "2020-12-01", **query}).content.decode()
        return [name for name in ("Ana García", "Luis Pérez", "Marta Soler") if name in page]

    assert listed(working_group="1") == ["Luis Pérez"]
    assert listed(working_group="3", role="coordinator") == ["Ana García"]
    assert listed(q="cnag") == ["Luis Pérez"]
    assert listed(stakeholder_type="clinical-communities") == ["Luis Pérez"]
    assert listed(working_group="5") == []


def test_an_as_of_before_anything_lists_no_one(rep_es):
    page = rep_es.get(experts_url(), {"as_of": "2019-01-01"}).content.decode()

    assert "Spain had no experts in the registry at that moment." in page


# The page's queries: the session, the user, the country, the policy (three), the filter
# form's choices (two), a page's count, its experts and their seats, and the layout's demo
# banner. As many now as then.
LIST_QUERIES = 12
QUERIES_BY_MOMENT = [
    ({}, LIST_QUERIES),
    ({"as_of": "2030-01-01"}, LIST_QUERIES),
    # the working group named by the filter
    ({"q": "a", "working_group": "3"}, LIST_QUERIES + 1),
    ({"as_of": "2030-01-01", "q": "a", "working_group": "3"}, LIST_QUERIES + 1),
    ({"round": ROUND_A}, LIST_QUERIES + 1),  # the round
]


@pytest.mark.parametrize(("query", "queries"), QUERIES_BY_MOMENT)
def test_the_list_costs_the_same_now_and_then_for_few_and_many_experts(
    rep_es, history, django_assert_num_queries, query, queries
):
    rep_es.get(experts_url(), query)  # warms per-process caches
    with django_assert_num_queries(queries):
        assert rep_es.get(experts_url(), query).status_code == 200
    for number in range(60):
        expert = factories.ExpertFactory(country=history.es, email=f"e{number}@example.org")
        factories.MembershipFactory(expert=expert, working_group=factories.working_group(3))
    with django_assert_num_queries(queries):
        assert rep_es.get(experts_url(), query).status_code == 200


# The export's: the session, the user, the policy (three), then experts, seats and working
# groups; as many now as then.
EXPORT_QUERIES = 8


@pytest.mark.parametrize(
    ("query", "queries"),
    [
        ({}, EXPORT_QUERIES),
        ({"as_of": "2030-01-01"}, EXPORT_QUERIES),
        ({"round": ROUND_A}, EXPORT_QUERIES + 1),  # the round
    ],
)
def test_the_export_costs_the_same_now_and_then_for_few_and_many_experts(
    rep_es, history, django_assert_num_queries, query, queries
):
    rep_es.get(export_url(), query)
    with django_assert_num_queries(queries):
        assert rep_es.get(export_url(), query).status_code == 200
    for number in range(60):
        expert = factories.ExpertFactory(country=history.es, email=f"e{number}@example.org")
        factories.MembershipFactory(expert=expert)
    with django_assert_num_queries(queries):
        assert rep_es.get(export_url(), query).status_code == 200


# --- the API ---------------------------------------------------------------------------------


def test_the_api_lists_the_experts_and_seats_then(staff):
    then = staff.get(EXPERTS_API, {"round": ROUND_A})
    now = staff.get(EXPERTS_API)

    assert names(then) == ["Ana García", "Luis Pérez", "Giulia Rossi"]
    assert names(now) == ["Ana García", "Marta Soler", "Giulia Rossi"]
    luis = then.json()["results"][1]
    assert luis["memberships"] == [{"working_group": 1, "mirror_group": None, "role": "expert"}]
    assert then.json()["results"][0]["position"] == "Researcher"
    assert staff.get(EXPERTS_API, {"as_of": "2020-12-31"}).json() == then.json()


def test_the_api_filters_apply_to_the_seats_then(staff):
    found = staff.get(EXPERTS_API, {"round": ROUND_A, "working_group": "1", "role": "expert"})

    assert names(found) == ["Luis Pérez"]
    assert names(staff.get(EXPERTS_API, {"round": ROUND_A, "country": "it"})) == ["Giulia Rossi"]


def test_the_api_as_csv_has_one_row_per_seat_then(staff):
    body = staff.get(EXPERTS_API, {"round": ROUND_A, "format": "csv"}).content.decode("utf-8-sig")

    assert "Luis Pérez" in body and "Marta Soler" not in body


def test_a_representative_reads_only_their_countrys_experts_then(rep_es):
    assert names(rep_es.get(EXPERTS_API, {"round": ROUND_A})) == ["Ana García", "Luis Pérez"]
    assert names(rep_es.get(EXPERTS_API, {"round": ROUND_A, "country": "IT"})) == []


# --- the export ------------------------------------------------------------------------------


def rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_the_export_as_of_the_round_is_the_file_imported_for_it(staff):
    response = staff.get(export_url(), {"round": ROUND_A})

    assert response.status_code == 200
    assert rows(response.content) == rows(FILE_A)
    assert 'filename="nmg-composition-all-round-a.csv"' in response["Content-Disposition"]
    later = staff.get(export_url(), {"as_of": "2022-06-01"}).content
    assert rows(later) == rows(FILE_LATER)


def test_the_export_as_of_a_date_narrowed_to_a_country(rep_es):
    response = rep_es.get(export_url("xlsx"), {"as_of": "2020-12-01", "country": "es"})

    assert response.status_code == 200
    assert 'filename="nmg-composition-ES-2020-12-01.xlsx"' in response["Content-Disposition"]
    csv_then = rep_es.get(export_url(), {"as_of": "2020-12-01"}).content
    assert rows(csv_then) == rows(csv_file(ANA, LUIS))


# --- who may ask, and what is refused ----------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "query"),
    [
        (experts_url("IT"), {"as_of": "2020-12-01"}),
        (experts_url("IT"), {"round": ROUND_A}),
        (export_url(), {"country": "IT", "as_of": "2020-12-01"}),
    ],
)
def test_asking_for_the_past_opens_no_door(rep_es, url, query):
    assert rep_es.get(url, query).status_code == 403
    assert rep_es.get(url, {k: v for k, v in query.items() if k == "country"}).status_code == 403


def test_a_viewer_may_not_list_experts_then(client, history):
    client.force_login(history.viewer)

    assert client.get(EXPERTS_API, {"round": ROUND_A}).status_code == 403
    assert client.get(export_url(), {"round": ROUND_A}).status_code == 403


def test_a_malformed_as_of_is_a_400_naming_it_on_every_door(rep_es):
    api = rep_es.get(EXPERTS_API, {"as_of": "2020-13-01"})
    assert api.status_code == 400
    assert api.json()["errors"] == MALFORMED["errors"]
    for url in (experts_url(), export_url(), export_url("xlsx")):
        response = rep_es.get(url, {"as_of": "2020-13-01"})
        assert response.status_code == 400
        assert "as_of: &quot;2020-13-01&quot; is not a date" in response.content.decode()


def test_as_of_and_round_together_are_a_400_on_every_door(rep_es):
    query = {"as_of": "2020-12-01", "round": ROUND_A}
    for url in (EXPERTS_API, experts_url(), export_url()):
        assert rep_es.get(url, query).status_code == 400


def test_a_draft_round_is_an_unknown_round_to_all_but_staff(rep_es, history, client):
    factories.SurveyFactory(slug="round-draft", status=Survey.Status.DRAFT)
    query = {"round": "round-draft"}
    for url in (EXPERTS_API, experts_url(), export_url()):
        assert rep_es.get(url, query).status_code == 404
    client.force_login(history.staff)
    for url in (EXPERTS_API, experts_url(), export_url()):
        assert client.get(url, query).status_code == 200
