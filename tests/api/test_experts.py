"""Experts with their seats: personal data, read by staff and by each country's own
representatives only, filtered by country, working group, stakeholder type and role."""

import pytest

from tests import factories
from tests.api.conftest import PERSONAL

pytestmark = pytest.mark.django_db

EXPERTS = "/api/v1/experts/"


def names(response):
    return [expert["name"] for expert in response.json()["results"]]


def test_staff_read_every_countrys_experts_with_their_seats(as_user, registry):
    body = as_user("staff").get(EXPERTS).json()

    assert body["count"] == 2
    assert body["results"][0] == {
        "country": "ES",
        "name": "Ana Espinosa",
        "institution": "Instituto de Salud",
        "position": "",
        "gender": "female",
        "region": "",
        "email": "ana.espinosa@example.es",
        "stakeholder_type": "research-university",
        "memberships": [
            {"working_group": 1, "mirror_group": None, "role": "coordinator"},
            {"working_group": 3, "mirror_group": None, "role": "expert"},
        ],
        "updated_at": body["results"][0]["updated_at"],
    }
    assert body["results"][1]["country"] == "IT"


def test_representative_cannot_read_other_countrys_experts(as_user, registry):
    response = as_user("rep_es").get(EXPERTS)

    assert names(response) == ["Ana Espinosa"]
    assert not any(value in response.content.decode() for value in PERSONAL["IT"])


def test_representative_filtering_for_another_country_gets_nothing(as_user, registry):
    response = as_user("rep_es").get(f"{EXPERTS}?country=IT")

    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_a_viewer_is_refused_experts_rather_than_shown_none(as_user, registry):
    response = as_user("viewer").get(EXPERTS)

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Only WP6 staff and country representatives may read experts."
    }


def test_an_expert_without_a_seat_or_type_is_listed_with_nulls(as_user, registry):
    factories.ExpertFactory(country=registry.cast.es, name="Zoe Sin Grupo")

    zoe = as_user("rep_es").get(EXPERTS).json()["results"][-1]

    assert (zoe["name"], zoe["stakeholder_type"], zoe["memberships"]) == (
        "Zoe Sin Grupo",
        None,
        [],
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("country=it", ["Bruno Italiano"]),
        ("working_group=1", ["Ana Espinosa"]),
        ("working_group=WG3", ["Ana Espinosa", "Bruno Italiano"]),
        ("stakeholder_type=elsi", ["Bruno Italiano"]),
        ("stakeholder_type=Research/University", ["Ana Espinosa"]),
        ("role=coordinator", ["Ana Espinosa", "Bruno Italiano"]),
        ("gender=male", ["Bruno Italiano"]),
        ("role=expert", ["Ana Espinosa"]),
        # The seat's two filters meet in one seat: Ana coordinates WG1, not WG3.
        ("working_group=3&role=coordinator", ["Bruno Italiano"]),
        ("working_group=1&role=coordinator", ["Ana Espinosa"]),
        ("country=ES&working_group=3&role=coordinator", []),
    ],
)
def test_experts_filter_by_country_seat_type_and_gender(as_user, registry, query, expected):
    assert names(as_user("staff").get(f"{EXPERTS}?{query}")) == expected


def test_an_expert_with_two_matching_seats_is_listed_once(as_user, registry):
    factories.MembershipFactory(
        expert=registry.it_expert, working_group=factories.working_group(4), role="coordinator"
    )

    assert names(as_user("staff").get(f"{EXPERTS}?role=coordinator")) == [
        "Ana Espinosa",
        "Bruno Italiano",
    ]


@pytest.mark.parametrize(
    ("query", "parameter", "message"),
    [
        ("country=XX", "country", 'unknown country "XX"'),
        ("working_group=abc", "working_group", '"abc" is not a working group'),
        ("working_group=42", "working_group", 'unknown working group "42"'),
        ("stakeholder_type=lawyers", "stakeholder_type", '"lawyers" is not a stakeholder type'),
        ("role=chair", "role", "Select a valid choice. chair is not one of"),
        ("gender=unknown", "gender", "Select a valid choice. unknown is not one of"),
    ],
)
def test_a_bad_expert_filter_is_a_400_naming_the_parameter(
    as_user, registry, query, parameter, message
):
    response = as_user("staff").get(f"{EXPERTS}?{query}")

    assert response.status_code == 400
    body = response.json()
    assert list(body["errors"]) == [parameter]
    assert body["errors"][parameter][0].startswith(message)
    assert f"{parameter}: {message}" in body["detail"]


def test_people_browse_the_experts_in_the_browsable_api_with_its_filters(as_user, registry):
    response = as_user("rep_es").get(f"{EXPERTS}?format=api&working_group=WG1")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Ana Espinosa" in page
    assert PERSONAL["IT"][0] not in page
