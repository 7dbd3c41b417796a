"""The assessment's JSON API: shapes, access, errors, the schema, and fixed query counts."""

import datetime
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.urls import reverse

from analytics import round_comparison as two_rounds
from analytics import selectors
from nmg_registry.models import Country, MirrorGroup, StakeholderType, WorkingGroup
from surveys.models import Answer, Question, Survey
from tests import factories

pytestmark = pytest.mark.django_db

SUMMARY_KEYS = {
    "survey",
    "title",
    "invited",
    "respondents",
    "respondent_countries",
    "non_respondent_countries",
    "questions",
}
QUESTION_KEYS = {"code", "section", "text", "kind", "answered", "not_answered", "options"}
OPTION_KEYS = {"value", "label", "count", "share"}
COMPOSITION_KEYS = {
    "countries_submitted",
    "countries_with_all_working_groups",
    "countries_with_all_stakeholder_types",
    "countries_by_stakeholder_type",
    "size_distribution",
    "countries",
}
COUNTRY_COMPOSITION_KEYS = {
    "country",
    "experts",
    "memberships",
    "working_groups",
    "covers_all_working_groups",
    "working_group_info_missing",
    "stakeholder_counts",
    "stakeholder_shares",
    "most_represented",
    "stakeholder_info_missing",
    "gender",
    "gender_suppressed",
}
SIZE_BAND_KEYS = {"label", "minimum", "maximum", "countries"}
TARGET_KEYS = {
    "slug",
    "name",
    "description",
    "question_code",
    "answer_values",
    "threshold",
    "due_on",
    "rounds",
}
MEASUREMENT_KEYS = {
    "survey",
    "title",
    "opens_on",
    "invited",
    "answered",
    "count",
    "share_of_answered",
    "share_of_invited",
    "met",
    "provisional",
}
CONFIGURATION_KEYS = {"countries", "by_health_system", "by_population"}
COUNTRY_MODEL_KEYS = {
    "country",
    "country_name",
    "model",
    "model_label",
    "groups",
    "health_system",
    "population_millions",
    "population_band",
}
CROSS_TAB_KEYS = {"rows", "columns", "counts"}
COMPARISON_KEYS = {
    "before",
    "after",
    "common_questions",
    "changes",
    "unchanged",
    "only_before",
    "only_after",
    "both",
}
CHANGE_KEYS = {"country", "question", "before", "after", "before_label", "after_label"}


def new_round(slug, opens_on):
    """A round asking the stage (choice), the activity (scale) and a free text."""
    survey = factories.SurveyFactory(slug=slug, title=slug.title(), opens_on=opens_on)
    stage = factories.QuestionFactory(
        survey=survey, code="nmg_stage", kind=Question.Kind.CHOICE, order=1
    )
    factories.add_options(stage, "planning", "constructing", "operational")
    activity = factories.QuestionFactory(
        survey=survey, code="member_activity", kind=Question.Kind.SCALE, order=2
    )
    factories.add_options(activity, "1", "2", "3", "4", "5")
    factories.QuestionFactory(survey=survey, code="notes", kind=Question.Kind.TEXT, order=3)
    return survey


def add_countries(data, codes):
    """Every country listed gets experts (one of them in two working groups, one untyped),
    a mirror group, an invitation to each round and a submitted response to each."""
    types = list(StakeholderType.objects.order_by("order"))
    groups = WorkingGroup.objects.in_bulk(field_name="number")
    for position, code in enumerate(codes):
        country = Country.objects.get(code=code)
        MirrorGroup.objects.create(country=country, kind=MirrorGroup.Kind.SINGLE, name="NMG")
        for number, stakeholder_type in ((1, types[position % 10]), (2, None)):
            expert = factories.ExpertFactory(country=country, stakeholder_type=stakeholder_type)
            factories.MembershipFactory(expert=expert, working_group=groups[number])
        factories.MembershipFactory(expert=expert, working_group=groups[3])
        for i, survey in enumerate(data.rounds):
            survey.invited_countries.add(country)
            response = factories.submitted_response(survey=survey, country=country)
            for question in survey.questions.prefetch_related("options"):
                options = list(question.options.all())
                Answer.objects.create(
                    response=response,
                    question=question,
                    option=options[(position + i) % len(options)] if options else None,
                    text="" if options else f"Notes of {code}",
                )


@pytest.fixture
def data(db):
    return SimpleNamespace(
        rounds=[
            new_round("round-2021", datetime.date(2021, 1, 1)),
            new_round("round-2022", datetime.date(2022, 1, 1)),
        ]
    )


@pytest.fixture
def reader(client, cast):
    client.force_login(cast.viewer)
    return client


def all_codes():
    return list(Country.objects.order_by("code").values_list("code", flat=True))


def assert_fixed_queries(django_assert_num_queries, data, call, expected):
    """`call(data)` costs `expected` queries with 2 countries' data, and again with 30
    countries, more experts and one more round."""
    codes = all_codes()
    add_countries(data, codes[:2])
    call(data)  # warms per-process caches such as content types
    with django_assert_num_queries(expected):
        few = call(data)
    data.rounds.append(new_round("round-2023", datetime.date(2023, 1, 1)))
    add_countries(data, codes[2:30])
    with django_assert_num_queries(expected):
        many = call(data)
    return few, many


def endpoint(name, *args):
    return reverse(f"analytics-api:{name}", args=args)


def summary_url(data):
    return endpoint("survey-summary", data.rounds[0].slug)


def compare_url(data):
    return endpoint("survey-compare", data.rounds[0].slug, data.rounds[1].slug)


# --- shapes ------------------------------------------------------------------------------


def test_the_latest_summary_is_that_of_the_latest_closed_round(
    reader, data, django_assert_num_queries
):
    add_countries(data, ["ES", "IT"])
    data.rounds[0].status = "closed"  # round-2021; round-2022 is still open
    data.rounds[0].save()

    with django_assert_num_queries(7):  # session, user, the round (1), its summary (4)
        latest = reader.get(endpoint("survey-latest-summary"))

    assert latest.status_code == 200
    assert latest.json() == reader.get(summary_url(data)).json()
    assert latest.json()["survey"] == "round-2021"


def test_the_latest_summary_is_a_404_saying_so_while_no_round_has_closed(reader, data):
    Survey.objects.filter(status="closed").update(status="open")

    response = reader.get(endpoint("survey-latest-summary"))

    assert response.status_code == 404
    assert response.json() == {
        "detail": "no survey round has closed yet: the latest results are those of a closed round"
    }


def test_survey_summary_has_exactly_the_documented_keys(reader, data):
    add_countries(data, ["ES", "IT"])

    body = reader.get(summary_url(data)).json()

    assert set(body) == SUMMARY_KEYS
    assert body["survey"] == "round-2021"
    assert (body["invited"], body["respondents"]) == (2, 2)
    assert body["respondent_countries"] == ["ES", "IT"]
    stage, activity, notes = body["questions"]
    assert {*stage, *activity, *notes} == QUESTION_KEYS
    assert set(stage["options"][0]) == OPTION_KEYS
    assert stage["options"][0] == {
        "value": "planning",
        "label": "Planning",
        "count": 1,
        "share": 0.5,
    }
    assert [o["count"] for o in activity["options"]] == [1, 1, 0, 0, 0]
    assert notes["options"] == []


def test_composition_summary_has_exactly_the_documented_keys(reader, data):
    add_countries(data, ["ES", "IT"])

    body = reader.get(endpoint("composition-summary")).json()

    assert set(body) == COMPOSITION_KEYS
    assert body["countries_submitted"] == ["ES", "IT"]
    assert set(body["countries_by_stakeholder_type"]) == set(
        StakeholderType.objects.values_list("slug", flat=True)
    )
    assert {key for band in body["size_distribution"] for key in band} == SIZE_BAND_KEYS
    es = body["countries"][0]
    assert set(es) == COUNTRY_COMPOSITION_KEYS
    assert (es["country"], es["experts"], es["memberships"]) == ("ES", 2, 3)
    assert es["working_groups"] == [1, 2, 3]
    assert es["stakeholder_shares"]["ministry-agency-policy-maker"] == 1.0
    assert es["most_represented"] == ["ministry-agency-policy-maker"]
    # ES's two experts, both women: counts below 3 that a viewer may not see.
    assert es["gender"] == dict.fromkeys(["female", "male", "other", "undisclosed", "unknown"])
    assert es["gender_suppressed"] is True


def test_targets_have_their_measurements_on_every_round(reader, data):
    add_countries(data, ["ES", "IT"])

    body = reader.get(endpoint("target-list")).json()

    assert [t["slug"] for t in body] == ["constructing-nmgs-2021", "operational-nmgs-2021"]
    assert {key for target in body for key in target} == TARGET_KEYS
    operational = body[1]
    assert operational["threshold"] == 0.75
    assert operational["due_on"] == "2021-12-31"
    assert [r["survey"] for r in operational["rounds"]] == [
        "nmg-survey-2020",
        "round-2021",
        "round-2022",
    ]
    assert set(operational["rounds"][1]) == MEASUREMENT_KEYS
    assert operational["rounds"][2] == {
        "survey": "round-2022",
        "title": "Round-2022",
        "opens_on": "2022-01-01",
        "invited": 2,
        "answered": 2,
        "count": 1,  # IT
        "share_of_answered": 0.5,
        "share_of_invited": 0.5,
        "met": False,
        "provisional": True,  # round-2022 is still open
    }
    assert operational["rounds"][0]["provisional"] is False  # the closed 2020 round


def test_configuration_models_have_countries_and_two_cross_tabs(reader, data):
    add_countries(data, ["ES", "IT"])

    body = reader.get(endpoint("configuration-model-list")).json()

    assert set(body) == CONFIGURATION_KEYS
    assert set(body["countries"][0]) == COUNTRY_MODEL_KEYS
    assert body["countries"][0] == {
        "country": "ES",
        "country_name": "Spain",
        "model": "single_group",
        "model_label": "A single group",
        "groups": 1,
        "health_system": "nhs",
        "population_millions": 47.3,
        "population_band": "over 20 million",
    }
    assert set(body["by_health_system"]) == set(body["by_population"]) == CROSS_TAB_KEYS
    assert body["by_health_system"]["counts"]["single_group"]["nhs"] == ["ES", "IT"]


def test_round_comparison_lists_the_changes(reader, data):
    add_countries(data, ["ES", "IT"])

    body = reader.get(compare_url(data)).json()

    assert set(body) == COMPARISON_KEYS
    assert body["common_questions"] == ["nmg_stage", "member_activity", "notes"]
    assert {key for change in body["changes"] for key in change} == CHANGE_KEYS
    assert body["changes"][0] == {
        "country": "ES",
        "question": "nmg_stage",
        "before": "planning",
        "after": "constructing",
        "before_label": "Planning",
        "after_label": "Constructing",
    }
    assert (len(body["changes"]), body["unchanged"]) == (4, 2)
    assert (body["both"], body["only_before"], body["only_after"]) == (["ES", "IT"], [], [])


# --- errors and access -------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        endpoint("survey-summary", "no-such-round"),
        endpoint("survey-compare", "no-such-round", "nmg-survey-2020"),
        endpoint("survey-compare", "nmg-survey-2020", "no-such-round"),
    ],
)
def test_an_unknown_round_is_a_json_404(reader, url):
    response = reader.get(url)

    assert response.status_code == 404
    assert response.json() == {"detail": 'No survey round "no-such-round".'}


ENDPOINTS = [
    endpoint("survey-summary", "nmg-survey-2020"),
    endpoint("survey-compare", "nmg-survey-2020", "nmg-survey-2020"),
    endpoint("composition-summary"),
    endpoint("target-list"),
    endpoint("configuration-model-list"),
]


@pytest.mark.parametrize("url", ENDPOINTS)
def test_anonymous_readers_are_refused_with_json_not_redirected(client, db, url):
    response = client.get(url)

    assert response.status_code in (401, 403)
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


@pytest.mark.parametrize("url", ENDPOINTS)
def test_anonymous_readers_may_read_public_aggregates(client, db, settings, url):
    settings.NMG_PUBLIC_AGGREGATES = True

    assert client.get(url).status_code == 200


def test_anonymous_readers_learn_nothing_about_unknown_rounds(client, db):
    assert client.get(endpoint("survey-summary", "no-such-round")).status_code in (401, 403)


@pytest.mark.parametrize("user", ["viewer", "rep_es", "staff"])
@pytest.mark.parametrize("url", ENDPOINTS)
def test_every_signed_in_user_may_read_the_aggregates(client, cast, user, url):
    client.force_login(getattr(cast, user))

    assert client.get(url).status_code == 200


def test_the_api_only_reads(reader):
    response = reader.post(endpoint("target-list"), {})

    assert response.status_code == 405


# --- the schema --------------------------------------------------------------------------


def test_the_schema_validates_without_warnings():
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_schema_and_docs_are_served_without_a_cdn(client, db):
    schema = client.get(reverse("api-schema"))
    docs = client.get(reverse("api-docs"))

    assert schema.status_code == docs.status_code == 200
    assert b"/api/v1/surveys/{slug}/summary/" in schema.content
    page = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn" not in page.lower()


# --- fixed query counts ------------------------------------------------------------------


SELECTORS = [
    ("survey_summary", lambda d: selectors.survey_summary(survey=d.rounds[0]), 4),
    ("composition_summary", lambda d: selectors.composition_summary(), 4),
    ("targets_progress", lambda d: selectors.targets_progress(), 3),
    ("configuration_models", lambda d: selectors.configuration_models(), 1),
    (
        "round_comparison",
        lambda d: two_rounds.round_comparison(before=d.rounds[0], after=d.rounds[1]),
        3,
    ),
]


@pytest.mark.parametrize(
    ("call", "queries"), [s[1:] for s in SELECTORS], ids=[s[0] for s in SELECTORS]
)
def test_selectors_cost_fixed_queries(django_assert_num_queries, data, call, queries):
    few, many = assert_fixed_queries(django_assert_num_queries, data, call, queries)

    assert few != many


# The session and its user (2), the round(s) by slug, then the selector's queries; the
# composition summary also asks whose experts the reader may read, for its gender counts (1).
ENDPOINT_QUERIES = [
    ("survey-summary", summary_url, 2 + 1 + 4),
    ("survey-compare", compare_url, 2 + 2 + 3),
    ("composition-summary", lambda d: endpoint("composition-summary"), 2 + 4 + 1),
    ("target-list", lambda d: endpoint("target-list"), 2 + 3),
    ("configuration-model-list", lambda d: endpoint("configuration-model-list"), 2 + 1),
]


@pytest.mark.parametrize(
    ("url", "queries"), [e[1:] for e in ENDPOINT_QUERIES], ids=[e[0] for e in ENDPOINT_QUERIES]
)
def test_endpoints_cost_fixed_queries(django_assert_num_queries, reader, data, url, queries):
    def call(d):
        response = reader.get(url(d))
        assert response.status_code == 200
        return response.json()

    few, many = assert_fixed_queries(django_assert_num_queries, data, call, queries)

    assert few != many
