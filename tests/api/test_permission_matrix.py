"""DESIGN section 7 over every URL under /api/v1/, as JSON and as CSV, for anonymous readers,
a viewer, a representative of the country, a representative of another country and staff.

The URLs come from the URL configuration itself: a new endpoint has no expectation below
and fails this test until someone decides who may read it, and its path parameters are
filled with real natural keys so that the request reaches the data. The bodies are searched
for the personal data (expert names and emails) and drafts of countries the reader does not
represent: none may appear, whatever the endpoint; nor may a count of their experts by gender
below NMG_MIN_CELL (tests/small_counts.py)."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.api.conftest import OPEN_ROUND
from tests.conftest import DRAFT_ROUND, DRAFT_ROUND_TEXT, DRAFT_ROUND_TITLE, foreign_data
from tests.small_counts import gender_rows, small_counts_seen

pytestmark = pytest.mark.django_db

API_PREFIX = "api/v1/"
USERS = ["anonymous", "viewer", "rep_es", "rep_it", "staff"]
DENIED = "denied"  # 401 or 403, as JSON

# The country of every country-bearing address is ES: rep_es represents it, rep_it another.
PATH_VALUES = {
    "code": "ES",
    "country": "ES",
    "number": "3",
    "slug": OPEN_ROUND,  # a round, or a stakeholder type: see SLUG_VALUES
    "before": "nmg-survey-2020",
    "after": OPEN_ROUND,
}
SLUG_VALUES = {"registry-api:stakeholder-type-detail": "elsi"}
# The query parameters an address needs to answer at all.
QUERY_VALUES = {
    "analytics-api:composition-compare": {"before": "2000-01-01", "after": OPEN_ROUND},
}

AGGREGATE = {"anonymous": DENIED, "viewer": 200, "rep_es": 200, "rep_it": 200, "staff": 200}
SIGNED_IN = dict(AGGREGATE)  # non-personal records: any signed-in user, never public
EXPECTED = {
    # the assessment: aggregates
    "analytics-api:survey-summary": AGGREGATE,
    "analytics-api:survey-latest-summary": AGGREGATE,  # the closed 2020 round
    "analytics-api:survey-compare": AGGREGATE,
    "analytics-api:survey-recommendations": AGGREGATE,
    "analytics-api:composition-summary": AGGREGATE,
    # counts for every aggregate reader; names of who joined only for the country's keepers
    "analytics-api:composition-compare": AGGREGATE,
    "analytics-api:target-list": AGGREGATE,
    "analytics-api:configuration-model-list": AGGREGATE,
    # country profiles and reference data
    "registry-api:country-list": SIGNED_IN,
    "registry-api:country-detail": SIGNED_IN,
    "registry-api:working-group-list": SIGNED_IN,
    "registry-api:working-group-detail": SIGNED_IN,
    "registry-api:stakeholder-type-list": SIGNED_IN,
    "registry-api:stakeholder-type-detail": SIGNED_IN,
    "registry-api:mirror-group-list": SIGNED_IN,
    # rounds, and their responses filtered to what each reader may read
    "surveys-api:survey-list": AGGREGATE,
    "surveys-api:survey-detail": AGGREGATE,
    "surveys-api:survey-latest": AGGREGATE,
    "surveys-api:response-list": AGGREGATE,
    # ES's draft: its representatives and staff only
    "surveys-api:response-detail": {
        "anonymous": DENIED,
        "viewer": 404,
        "rep_es": 200,
        "rep_it": 404,
        "staff": 200,
    },
    # personal data: staff, and representatives (their own countries' rows only)
    "compositions-api:expert-list": {
        "anonymous": DENIED,
        "viewer": DENIED,
        "rep_es": 200,
        "rep_it": 200,
        "staff": 200,
    },
}
# With NMG_PUBLIC_AGGREGATES on, anonymous readers get the aggregates and the submitted
# responses, and nothing else.
PUBLIC_ANONYMOUS = (
    {name: expected["anonymous"] for name, expected in EXPECTED.items()}
    | {name: 200 for name, expected in EXPECTED.items() if expected is AGGREGATE}
    | {"surveys-api:response-detail": 404}
)


def api_url_names(patterns=None, prefix="", namespace=""):
    """(name, path parameters) of every named URL under /api/v1/, from the resolver."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace]))
            yield from api_url_names(entry.url_patterns, route, inner)
        elif isinstance(entry, URLPattern) and route.startswith(API_PREFIX):
            assert entry.name, f"{route} has no name"
            yield f"{namespace}:{entry.name}", list(entry.pattern.regex.groupindex)


API_URLS = sorted({(name, tuple(params)) for name, params in api_url_names()})


def url_of(name, params, **overrides):
    """The address with real natural keys; `overrides` replace some (a draft round's slug)."""
    missing = [p for p in params if p not in PATH_VALUES]
    assert not missing, f"{name}: give PATH_VALUES a real natural key for {missing}"
    values = {p: PATH_VALUES[p] for p in params}
    if "slug" in values and name in SLUG_VALUES:
        values["slug"] = SLUG_VALUES[name]
    values |= {p: value for p, value in overrides.items() if p in values}
    return reverse(name, kwargs=values)


def assert_status(response, expected, where):
    if expected == DENIED:
        assert response.status_code in (401, 403), where
    else:
        assert response.status_code == expected, where
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/json", where
        assert "detail" in response.json(), where


def test_the_matrix_covers_every_api_url():
    names = {name for name, _ in API_URLS}

    assert names == set(EXPECTED), (
        "Every URL under /api/v1/ needs a row in EXPECTED: "
        f"missing {sorted(names - set(EXPECTED))}, stale {sorted(set(EXPECTED) - names)}"
    )


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize(("name", "params"), API_URLS, ids=[n for n, _ in API_URLS])
def test_who_may_read_what(as_user, registry, name, params, user):
    client = as_user(user)
    url = url_of(name, params)

    for query in ({}, {"format": "csv"}):
        response = client.get(url, QUERY_VALUES.get(name, {}) | query)

        where = f"{user} GET {url} {query}"
        assert_status(response, EXPECTED[name][user], where)
        body = response.content.decode("utf-8")
        leaked = [text for text in foreign_data(user) if text in body]
        assert not leaked, f"{where} leaks {leaked}"
        small = small_counts_seen(user, response)
        assert not small, f"{where} shows small counts {small}"


@pytest.mark.parametrize(("name", "params"), API_URLS, ids=[n for n, _ in API_URLS])
def test_who_may_read_what_when_the_aggregates_are_public(client, registry, settings, name, params):
    settings.NMG_PUBLIC_AGGREGATES = True
    url = url_of(name, params)

    for query in ({}, {"format": "csv"}):
        response = client.get(url, QUERY_VALUES.get(name, {}) | query)

        where = f"anonymous GET {url} {query}"
        assert_status(response, PUBLIC_ANONYMOUS[name], where)
        body = response.content.decode("utf-8")
        assert not [text for text in foreign_data("anonymous") if text in body], where
        assert not small_counts_seen("anonymous", response), where


def test_the_matrix_reaches_the_data_it_guards(as_user, registry):
    """Staff see every marker somewhere, so the searches above are not vacuous."""
    client = as_user("staff")
    bodies = "".join(
        client.get(url_of(name, params)).content.decode("utf-8") for name, params in API_URLS
    ) + "".join(
        client.get(url_of(name, params, **{param: DRAFT_ROUND})).content.decode("utf-8")
        for name, params, param in (p.values for p in DRAFT_DOORS)
    )

    assert all(text in bodies for text in foreign_data("viewer"))


def test_the_matrix_reaches_the_small_counts_it_guards(as_user, registry):
    """ES's and IT's single experts are counts of 1 that staff and their own representatives
    read, so the searches for small counts above are not vacuous."""
    url = url_of("analytics-api:composition-summary", [])
    for user, code, gender in (("staff", "ES", "female"), ("rep_it", "IT", "male")):
        for query in ({}, {"format": "csv"}):
            shown = gender_rows(as_user(user).get(url, query))
            assert str(shown[code][gender]) == "1", f"{user} {query}"


# A draft round: staff's work in progress, which to anyone else does not exist.

UNKNOWN_ROUND = "round-that-never-was"
# Every address that takes a round, from the URL configuration; each round parameter in
# turn names the draft.
DRAFT_DOORS = [
    pytest.param(name, params, param, id=f"{name}-{param}")
    for name, params in API_URLS
    if name not in SLUG_VALUES
    for param in ("slug", "before", "after")
    if param in params
]


def test_every_address_that_takes_a_round_is_a_draft_door():
    assert {name for name, _, _ in (p.values for p in DRAFT_DOORS)} == {
        "analytics-api:survey-summary",
        "analytics-api:survey-compare",
        "analytics-api:survey-recommendations",
        "surveys-api:survey-detail",
        "surveys-api:response-list",
        "surveys-api:response-detail",
    }


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize(("name", "params", "param"), DRAFT_DOORS)
def test_a_draft_round_is_an_unknown_round_to_all_but_staff(
    as_user, registry, name, params, param, user
):
    client = as_user(user)

    for query in ({}, {"format": "csv"}):
        draft = client.get(url_of(name, params, **{param: DRAFT_ROUND}), query)
        unknown = client.get(url_of(name, params, **{param: UNKNOWN_ROUND}), query)

        where = f"{user} GET {name} with {param}={DRAFT_ROUND} {query}"
        if user == "staff":
            assert draft.status_code == 200, where
        else:
            assert draft.status_code == unknown.status_code, where
            assert_status(draft, DENIED if user == "anonymous" else 404, where)
            # The same answer, word for word, but for the slug asked for.
            body = draft.content.decode("utf-8")
            assert body.replace(DRAFT_ROUND, UNKNOWN_ROUND) == unknown.content.decode(), where
            assert not [t for t in foreign_data(user) if t in body], f"{where} leaks"


@pytest.mark.parametrize(("name", "params", "param"), DRAFT_DOORS)
def test_a_draft_round_is_unknown_to_anonymous_readers_of_public_aggregates(
    client, registry, settings, name, params, param
):
    settings.NMG_PUBLIC_AGGREGATES = True

    response = client.get(url_of(name, params, **{param: DRAFT_ROUND}))

    assert_status(response, 404, f"anonymous GET {name} with {param}={DRAFT_ROUND}")


def test_staff_read_the_draft_round_marked_as_one(as_user, registry):
    client = as_user("staff")

    rounds = client.get(reverse("surveys-api:survey-list")).json()["results"]
    detail = client.get(reverse("surveys-api:survey-detail", kwargs={"slug": DRAFT_ROUND}))
    answers = client.get(reverse("surveys-api:response-list", kwargs={"slug": DRAFT_ROUND}))

    assert {r["slug"]: r["status"] for r in rounds}[DRAFT_ROUND] == "draft"
    assert detail.json()["title"] == DRAFT_ROUND_TITLE
    assert DRAFT_ROUND_TEXT in answers.content.decode("utf-8")
