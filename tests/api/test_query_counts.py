"""Every API list answers in a fixed number of queries, the same with 2 countries' data as
with 30, as JSON and as CSV."""

from urllib.parse import urlencode

import pytest

from nmg_registry.models import Country
from tests.api.conftest import OPEN_ROUND, add_country_data

pytestmark = pytest.mark.django_db

SESSION = 2  # the session and its user
STAFF_POLICY = 2  # the user's and their groups' permissions, when a view asks "staff?"
REPRESENTATIVE_POLICY = STAFF_POLICY + 1  # then the countries the user represents
PAGE = 2  # a page costs its count and its rows

LISTS = [
    # (url, queries for staff)
    ("/api/v1/countries/", SESSION + PAGE),
    ("/api/v1/working-groups/", SESSION + PAGE),
    ("/api/v1/stakeholder-types/", SESSION + PAGE),
    ("/api/v1/mirror-groups/", SESSION + PAGE),
    # resolving a filter's natural key costs one query
    ("/api/v1/mirror-groups/?country=es&kind=single", SESSION + 1 + PAGE),
    # the rows' invited countries, questions and options
    ("/api/v1/surveys/", SESSION + PAGE + 3),
    ("/api/v1/surveys/?status=open", SESSION + PAGE + 3),
    # the round by slug, the rows and their answers
    (f"/api/v1/surveys/{OPEN_ROUND}/responses/", SESSION + STAFF_POLICY + 1 + PAGE + 1),
    (
        f"/api/v1/surveys/{OPEN_ROUND}/responses/?status=submitted&country=gr",
        SESSION + STAFF_POLICY + 1 + 1 + PAGE + 1,
    ),
    # the rows and their memberships
    ("/api/v1/experts/", SESSION + STAFF_POLICY + PAGE + 1),
    (
        "/api/v1/experts/?working_group=3&role=coordinator&stakeholder_type=elsi",
        SESSION + STAFF_POLICY + 2 + PAGE + 1,
    ),
    # as they stood then: the rows' versions and their seats then, as many queries as now
    ("/api/v1/experts/?as_of=2999-12-31", SESSION + STAFF_POLICY + PAGE + 1),
    (
        "/api/v1/experts/?as_of=2999-12-31&working_group=3&role=coordinator",
        SESSION + STAFF_POLICY + 1 + PAGE + 1,
    ),
    # and the round whose closing is the moment
    (f"/api/v1/experts/?round={OPEN_ROUND}", SESSION + STAFF_POLICY + 1 + PAGE + 1),
]
# The same for a representative, whose policy costs one more query.
REPRESENTATIVE_LISTS = [
    ("/api/v1/experts/", SESSION + REPRESENTATIVE_POLICY + PAGE + 1),
    ("/api/v1/experts/?as_of=2999-12-31", SESSION + REPRESENTATIVE_POLICY + PAGE + 1),
    (
        f"/api/v1/surveys/{OPEN_ROUND}/responses/",
        SESSION + REPRESENTATIVE_POLICY + 1 + PAGE + 1,
    ),
]


REFERENCE_DATA = ("/countries/", "/working-groups/", "/stakeholder-types/")


@pytest.fixture
def grow(registry):
    """Give `codes` countries' data (mirror groups, experts, responses) to the registry."""
    codes = list(Country.objects.order_by("code").values_list("code", flat=True))
    given = []

    def add(count):
        for position, code in enumerate(codes[len(given) : count], start=len(given)):
            add_country_data(registry.survey, code, position=position)
            given.append(code)

    return add


def fetch(client, url, query):
    if query:
        url += ("&" if "?" in url else "?") + urlencode(query)
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.content


@pytest.mark.parametrize("query", [{}, {"format": "csv"}], ids=["json", "csv"])
@pytest.mark.parametrize(("url", "queries"), LISTS, ids=[u for u, _ in LISTS])
def test_staff_lists_cost_the_same_for_2_and_30_countries(
    as_user, grow, django_assert_num_queries, url, queries, query
):
    client = as_user("staff")
    grow(2)
    fetch(client, url, query)  # warms per-process caches such as content types

    with django_assert_num_queries(queries):
        few = fetch(client, url, query)
    grow(30)
    with django_assert_num_queries(queries):
        many = fetch(client, url, query)

    if "?" not in url and not url.endswith(REFERENCE_DATA):
        assert len(many) > len(few), "the second count ran on more data"


@pytest.mark.parametrize(
    ("url", "queries"), REPRESENTATIVE_LISTS, ids=[u for u, _ in REPRESENTATIVE_LISTS]
)
def test_representatives_restricted_lists_cost_the_same_for_2_and_30_countries(
    as_user, grow, django_assert_num_queries, url, queries
):
    client = as_user("rep_es")
    grow(2)
    fetch(client, url, {})

    with django_assert_num_queries(queries):
        fetch(client, url, {})
    grow(30)
    with django_assert_num_queries(queries):
        fetch(client, url, {})


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("/api/v1/countries/gr/", SESSION + 1),
        ("/api/v1/working-groups/WG3/", SESSION + 1),
        ("/api/v1/stakeholder-types/elsi/", SESSION + 1),
        # the round with its invited countries, questions and options
        (f"/api/v1/surveys/{OPEN_ROUND}/", SESSION + 4),
        # the round, the country, the response and its answers
        (f"/api/v1/surveys/{OPEN_ROUND}/responses/ES/", SESSION + STAFF_POLICY + 4),
    ],
)
def test_records_by_natural_key_cost_fixed_queries(
    as_user, grow, django_assert_num_queries, url, queries
):
    client = as_user("staff")
    grow(30)
    fetch(client, url, {})

    with django_assert_num_queries(queries):
        fetch(client, url, {})
