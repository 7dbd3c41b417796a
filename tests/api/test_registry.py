"""Countries, working groups, stakeholder types and mirror groups as JSON: shapes, filters,
natural-key lookups, pagination and errors."""

import pytest

from nmg_registry.models import Country, WorkingGroup

pytestmark = pytest.mark.django_db

COUNTRY_KEYS = {
    "code",
    "iso_code",
    "name",
    "participation",
    "signed_on",
    "signing_note",
    "health_system",
    "population_millions",
    "health_genomics_plan_url",
    "national_roadmap_url",
    "updated_at",
}


@pytest.fixture
def reader(as_user):
    return as_user("viewer")


def codes(body):
    return [row["code"] for row in body["results"]]


# --- countries ---------------------------------------------------------------------------


def test_countries_are_listed_by_eu_code_with_a_count(reader, db):
    body = reader.get("/api/v1/countries/").json()

    assert body["count"] == 31
    assert (body["next"], body["previous"]) == (None, None)
    assert codes(body) == sorted(codes(body))
    assert "EL" in codes(body) and "GR" not in codes(body)
    greece = next(c for c in body["results"] if c["code"] == "EL")
    assert set(greece) == COUNTRY_KEYS
    assert greece["iso_code"] == "GR"
    assert greece["health_system"] == "mixed"
    assert greece["population_millions"] == 10.7
    assert greece["signed_on"] == "2018-09-06"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("participation=none", ["CH", "IS", "PL", "SK"]),
        ("health_system=mixed", ["EL", "IE"]),
        ("participation=signatory&health_system=mixed", ["EL", "IE"]),
    ],
)
def test_countries_filter_by_participation_and_health_system(reader, query, expected):
    assert codes(reader.get(f"/api/v1/countries/?{query}").json()) == expected


@pytest.mark.parametrize("key", ["EL", "el", "GR", "gr", " gr"])
def test_a_country_is_found_by_eu_or_iso_code_in_any_case(reader, key):
    response = reader.get(f"/api/v1/countries/{key}/")

    assert response.status_code == 200
    assert response.json()["code"] == "EL"


def test_the_united_kingdom_is_uk_whichever_code_is_asked(reader):
    assert reader.get("/api/v1/countries/GB/").json()["code"] == "UK"
    assert reader.get("/api/v1/countries/uk/").json()["iso_code"] == "GB"


@pytest.mark.parametrize("key", ["XX", "Greece", "1"])
def test_an_unknown_country_code_is_a_json_404_naming_it(reader, key):
    response = reader.get(f"/api/v1/countries/{key}/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": f'unknown country "{key}"'}


@pytest.mark.parametrize(
    ("query", "parameter", "words"),
    [
        ("participation=maybe", "participation", "maybe is not one of the available choices"),
        ("health_system=private", "health_system", "private is not one of the available"),
    ],
)
def test_a_bad_country_filter_is_a_400_naming_the_parameter(reader, query, parameter, words):
    response = reader.get(f"/api/v1/countries/?{query}")

    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert list(body["errors"]) == [parameter]
    assert body["detail"].startswith(f"Invalid query parameter. {parameter}: ")
    assert words in body["detail"]


# --- pagination --------------------------------------------------------------------------


def test_lists_page_by_limit_and_offset_and_keep_the_count(reader):
    first = reader.get("/api/v1/countries/?limit=10").json()
    last = reader.get("/api/v1/countries/?limit=10&offset=30").json()

    assert (first["count"], len(first["results"])) == (31, 10)
    assert first["next"].endswith("/api/v1/countries/?limit=10&offset=10")
    assert first["previous"] is None
    assert (last["count"], codes(last), last["next"]) == (31, ["UK"], None)
    assert codes(first) + codes(reader.get(first["next"]).json()) == codes(
        reader.get("/api/v1/countries/?limit=20").json()
    )


def test_a_limit_up_to_the_maximum_is_taken(reader):
    assert len(reader.get("/api/v1/countries/?limit=1000").json()["results"]) == 31
    assert len(reader.get("/api/v1/countries/?limit=0031").json()["results"]) == 31


@pytest.mark.parametrize("limit", ["1001", "5000", "1" + "0" * 30])
def test_a_limit_past_the_maximum_is_a_400_naming_the_range(reader, limit):
    response = reader.get(f"/api/v1/countries/?limit={limit}")

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "limit": [f'"{limit}" is not a whole number from 1 to 1000.']
    }


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("limit=abc", "limit"),
        ("limit=0", "limit"),
        ("limit=-3", "limit"),
        ("limit=1e3", "limit"),
        ("offset=x", "offset"),
    ],
)
def test_a_bad_limit_or_offset_is_a_400_naming_it(reader, query, parameter):
    response = reader.get(f"/api/v1/countries/?{query}")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [parameter]


def test_an_unknown_format_is_a_400_naming_the_formats(reader):
    response = reader.get("/api/v1/countries/?format=xml")

    assert response.status_code == 400
    assert response.json()["errors"] == {"format": ['unknown format "xml"; use json or csv.']}


def test_an_address_under_the_api_that_names_no_endpoint_is_a_json_404(reader):
    response = reader.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response.json() == {
        "detail": 'No API endpoint at "/api/v1/no-such-thing/"; see /api/docs/.'
    }


def test_pages_outside_the_api_keep_djangos_404(client, db):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


# --- working groups and stakeholder types ------------------------------------------------


def test_working_groups_are_listed_by_number(reader):
    body = reader.get("/api/v1/working-groups/").json()

    assert body["count"] == 11
    assert [g["number"] for g in body["results"]] == list(range(1, 12))
    assert body["results"][7] == {
        "number": 8,
        "label": "WG8",
        "name": "Use case: rare diseases",
        "is_use_case": True,
        "is_active": True,
    }


@pytest.mark.parametrize("key", ["3", "WG3", "wg3", "03"])
def test_a_working_group_is_found_by_number_or_label(reader, key):
    response = reader.get(f"/api/v1/working-groups/{key}/")

    assert response.status_code == 200
    assert response.json()["number"] == 3


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("12", 'unknown working group "12"'),
        ("abc", '"abc" is not a working group; expected a number such as 3 or WG3'),
    ],
)
def test_an_unknown_working_group_is_a_json_404(reader, key, message):
    response = reader.get(f"/api/v1/working-groups/{key}/")

    assert response.status_code == 404
    assert response.json() == {"detail": message}


def test_a_retired_working_group_stays_listed_as_inactive(reader):
    WorkingGroup.objects.filter(number=7).update(is_active=False)

    assert reader.get("/api/v1/working-groups/7/").json()["is_active"] is False


def test_stakeholder_types_are_listed_in_the_deliverables_order(reader):
    body = reader.get("/api/v1/stakeholder-types/").json()

    assert body["count"] == 10
    assert body["results"][0] == {
        "slug": "ministry-agency-policy-maker",
        "label": "Ministry/Agency/Executive/Policy Maker",
        "order": 1,
    }
    assert body["results"][-1]["slug"] == "patient-organisations"


def test_a_stakeholder_type_is_found_by_slug_in_any_case(reader):
    assert reader.get("/api/v1/stakeholder-types/ELSI/").json()["slug"] == "elsi"

    response = reader.get("/api/v1/stakeholder-types/lawyers/")

    assert response.status_code == 404
    assert response.json() == {"detail": 'unknown stakeholder type "lawyers"'}


# --- mirror groups -----------------------------------------------------------------------


def test_mirror_groups_are_listed_by_country_with_natural_keys(reader, registry):
    body = reader.get("/api/v1/mirror-groups/").json()

    assert body["count"] == 3
    assert body["results"] == [
        {
            "country": "ES",
            "name": "NMG España",
            "kind": "single",
            "working_group": None,
            "description": "",
            "established_on": None,
        },
        {
            "country": "IT",
            "name": "NMG ELSI",
            "kind": "working_group",
            "working_group": 2,
            "description": "",
            "established_on": None,
        },
        {
            "country": "IT",
            "name": "NMG core",
            "kind": "core",
            "working_group": None,
            "description": "",
            "established_on": None,
        },
    ]


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("country=it", ["NMG ELSI", "NMG core"]),
        ("country=ES", ["NMG España"]),
        ("kind=core", ["NMG core"]),
        ("working_group=WG2", ["NMG ELSI"]),
        ("country=IT&kind=working_group", ["NMG ELSI"]),
        ("country=GR", []),
    ],
)
def test_mirror_groups_filter_by_country_kind_and_working_group(reader, registry, query, names):
    body = reader.get(f"/api/v1/mirror-groups/?{query}").json()

    assert [group["name"] for group in body["results"]] == names


@pytest.mark.parametrize(
    ("query", "parameter", "message"),
    [
        ("country=XX", "country", 'unknown country "XX"'),
        ("kind=federation", "kind", "Select a valid choice. federation is not one of the"),
        (
            "working_group=abc",
            "working_group",
            '"abc" is not a working group; expected a number such as 3 or WG3',
        ),
        ("working_group=99", "working_group", 'unknown working group "99"'),
    ],
)
def test_a_bad_mirror_group_filter_is_a_400_naming_the_parameter(
    reader, registry, query, parameter, message
):
    response = reader.get(f"/api/v1/mirror-groups/?{query}")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [parameter]
    assert response.json()["errors"][parameter][0].startswith(message)


def test_the_api_only_reads(reader):
    assert reader.post("/api/v1/countries/", {}).status_code == 405
    assert reader.delete("/api/v1/countries/ES/").status_code == 405
    assert Country.objects.filter(code="ES").exists()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/countries/%00/",
        "/api/v1/working-groups/%00/",
        "/api/v1/stakeholder-types/a%00/",
        "/api/v1/surveys/a%00/",
        "/api/v1/surveys/nmg-survey-2020/responses/E%00/",
        "/api/v1/surveys/a%00/summary/",
    ],
)
def test_a_nul_in_a_key_is_a_json_404_not_a_database_error(reader, url):
    response = reader.get(url)

    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize("query", ["country=E%00", "kind=%00", "working_group=3%00"])
def test_a_nul_in_a_filter_is_a_400(reader, query):
    response = reader.get(f"/api/v1/mirror-groups/?{query}")

    assert response.status_code == 400
