"""The schema and the answers agree: a value that is not recorded is null where the schema
gives a form (a choice, an e-mail, a web address), and each natural-key filter takes
exactly the values its documented pattern matches."""

import csv
import io
import re
from unittest import mock

import pytest
from django.db import OperationalError, connection
from rest_framework.throttling import SimpleRateThrottle

from nmg_registry.models import Country
from tests import factories

pytestmark = pytest.mark.django_db

EXPERTS = "/api/v1/experts/"


def schema(client) -> dict:
    return client.get("/api/schema/?format=json").json()


def query_parameter(document: dict, path: str, name: str) -> dict:
    parameters = document["paths"][path]["get"]["parameters"]
    return next(p["schema"] for p in parameters if p["name"] == name and p["in"] == "query")


def test_an_expert_without_gender_or_email_reads_null_as_the_schema_says(as_user, registry):
    factories.ExpertFactory(country=registry.cast.es, name="Sin Datos", gender="", email="")
    client = as_user("staff")

    expert = client.get(f"{EXPERTS}?q=sin+datos").json()["results"][0]
    properties = schema(client)["components"]["schemas"]["Expert"]["properties"]

    assert (expert["gender"], expert["email"], expert["region"]) == (None, None, "")
    assert properties["gender"]["nullable"] is True
    assert {"$ref": "#/components/schemas/NullEnum"} in properties["gender"]["oneOf"]
    assert properties["email"] == {
        "type": "string",
        "format": "email",
        "readOnly": True,
        "nullable": True,
        "description": "Null when not known.",
    }
    rows = csv.DictReader(io.StringIO(client.get(f"{EXPERTS}?q=sin+datos&format=csv").text))
    assert [(row["gender"], row["email"]) for row in rows] == [("", "")]


def test_a_country_without_health_system_or_addresses_reads_null(as_user, cast):
    Country.objects.filter(code="IT").update(
        health_system="", health_genomics_plan_url="", national_roadmap_url=""
    )
    client = as_user("viewer")

    italy = client.get("/api/v1/countries/IT/").json()
    properties = schema(client)["components"]["schemas"]["Country"]["properties"]

    assert italy["health_system"] is None
    assert italy["health_genomics_plan_url"] is None
    assert italy["national_roadmap_url"] is None
    assert properties["health_system"]["nullable"] is True
    assert properties["health_genomics_plan_url"]["format"] == "uri"
    assert properties["health_genomics_plan_url"]["nullable"] is True


# Values a client may send; each is taken (200) exactly when the documented pattern matches.
FILTER_VALUES = {
    (EXPERTS, "country"): [
        "ES",
        "es",
        "eS",
        "GR",
        "el",
        "UK",
        "gb",
        "ZZ",
        "E",
        "ESP",
        " ES",
        "ES ",
        "E\x00",
        "",
        "\u0130T",
    ],
    ("/api/v1/mirror-groups/", "country"): ["it", "IT", "xx", "I T"],
    ("/api/v1/surveys/round-open/responses/", "country"): ["el", "EL", "QQ", "el\n"],
    (EXPERTS, "stakeholder_type"): [
        "elsi",
        "ELSI",
        "Elsi",
        "research-university",
        "Research-University",
        "Research/University",
        "research / university",
        "Research /University",
        "Research  /University",
        " elsi",
        "elsi ",
        "lawyers",
        "Clinical communities",
        "clinical  communities",
        "clinical\tcommunities",
        "el\u017fi",
        "\u212a",
        "",
    ],
    (EXPERTS, "working_group"): [
        "3",
        "03",
        "WG3",
        "wg3",
        "wg 3",
        "WG-03",
        "wg.11",
        "12",
        "WG99",
        " 3",
        "3 ",
        "\u0663",
        "wg",
        "",
    ],
    ("/api/v1/mirror-groups/", "working_group"): ["2", "WG2", "W G2", "0"],
}


@pytest.mark.parametrize(("path", "name"), list(FILTER_VALUES))
def test_a_key_filter_takes_exactly_what_its_pattern_documents(as_user, registry, path, name):
    client = as_user("staff")
    document = schema(client)
    template = path.replace("round-open", "{slug}")
    pattern = query_parameter(document, template, name)["pattern"]

    for value in FILTER_VALUES[(path, name)]:
        response = client.get(path, {name: value})
        documented = re.fullmatch(pattern, value) is not None

        assert response.status_code == (200 if documented else 400), (value, response.json())
        if not documented:
            assert name in response.json()["errors"]


def test_a_country_added_to_the_registry_joins_the_documented_filter_values(as_user, cast):
    client = as_user("staff")
    before = query_parameter(schema(client), EXPERTS, "country")["pattern"]
    Country.objects.create(code="XK", iso_code="XK", name="Kosovo")

    after = query_parameter(schema(client), EXPERTS, "country")["pattern"]

    assert re.fullmatch(before, "xk") is None
    assert re.fullmatch(after, "xk") is not None
    assert client.get(EXPERTS, {"country": "xk"}).json()["count"] == 0


def test_free_text_is_documented_and_answered_without_nul(as_user, registry):
    client = as_user("staff")
    pattern = query_parameter(schema(client), EXPERTS, "q")["pattern"]

    assert re.fullmatch(pattern, "Espinosa")
    assert not re.fullmatch(pattern, "Esp\x00inosa")
    assert client.get(EXPERTS, {"q": "Espinosa"}).status_code == 200
    assert client.get(EXPERTS, {"q": "Esp\x00inosa"}).status_code == 400


@pytest.mark.parametrize(
    ("query", "status", "content_type"),
    [
        ("format=api", 200, "text/html"),
        ("format=csv", 200, "text/csv"),
        ("format=api&country=XX", 400, "application/json"),
        ("format=api&limit=0", 400, "application/json"),
        ("limit=5", 200, "application/json"),
        ("limit=%205", 400, "application/json"),
        ("offset=0%20", 400, "application/json"),
    ],
)
def test_each_format_and_error_is_answered_as_the_schema_documents_it(
    as_user, registry, query, status, content_type
):
    client = as_user("staff")
    operation = schema(client)["paths"]["/api/v1/mirror-groups/"]["get"]

    response = client.get(f"/api/v1/mirror-groups/?{query}")

    assert response.status_code == status
    assert response["Content-Type"].split(";")[0] == content_type
    assert content_type in operation["responses"][str(status)]["content"]


def test_every_operation_documents_429_and_503_as_json_with_retry_after(as_user, registry):
    operations = [
        (path, method, operation)
        for path, methods in schema(as_user("staff"))["paths"].items()
        for method, operation in methods.items()
    ]

    assert len(operations) >= 17
    for path, method, operation in operations:
        for code in ("429", "503"):
            response = operation["responses"].get(code)
            assert response is not None, f"{method.upper()} {path} does not document {code}"
            assert list(response["content"]) == ["application/json"]
            assert response["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"
            }
            assert response["headers"]["Retry-After"]["schema"]["type"] == "integer"


def assert_answered_as_documented(response, documented: dict):
    assert response["Content-Type"] == "application/json"
    assert list(response.json()) == ["detail"]
    assert int(response["Retry-After"]) > 0
    assert "application/json" in documented["content"]
    assert "Retry-After" in documented["headers"]


def test_a_throttled_request_is_answered_as_the_schema_documents_it(as_user, registry, monkeypatch):
    client = as_user("staff")
    operation = schema(client)["paths"]["/api/v1/mirror-groups/"]["get"]
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "1/min", "user": "1/min"})

    client.get("/api/v1/mirror-groups/")
    response = client.get("/api/v1/mirror-groups/")

    assert response.status_code == 429
    assert_answered_as_documented(response, operation["responses"]["429"])


def test_a_request_while_the_database_is_away_is_answered_as_the_schema_documents_it(
    as_user, registry
):
    client = as_user("staff")
    client.raise_request_exception = False
    operation = schema(client)["paths"]["/api/v1/mirror-groups/"]["get"]

    with mock.patch.object(
        connection, "ensure_connection", side_effect=OperationalError("connection refused")
    ):
        response = client.get("/api/v1/mirror-groups/")

    assert response.status_code == 503
    assert_answered_as_documented(response, operation["responses"]["503"])


def test_limit_is_documented_from_1_to_1000_and_answered_so(as_user, registry):
    client = as_user("staff")
    limit = query_parameter(schema(client), "/api/v1/countries/", "limit")

    assert (limit["minimum"], limit["maximum"]) == (1, 1000)
    assert client.get("/api/v1/countries/?limit=1000").status_code == 200
    assert client.get("/api/v1/countries/?limit=1001").status_code == 400
