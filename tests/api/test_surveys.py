"""Survey rounds with their questions, and each round's responses as the policy lets the user
read them."""

import pytest

from surveys.models import Response, Survey
from tests.api.conftest import DRAFTS, OPEN_ROUND, SUBMITTED_TEXT

pytestmark = pytest.mark.django_db

RESPONSES = f"/api/v1/surveys/{OPEN_ROUND}/responses/"


def countries(body):
    return [row["country"] for row in body["results"]]


def test_rounds_are_listed_by_slug_with_their_questions_and_options(as_user, registry):
    body = as_user("viewer").get("/api/v1/surveys/").json()

    assert body["count"] == 2
    assert [s["slug"] for s in body["results"]] == ["nmg-survey-2020", OPEN_ROUND]
    survey = body["results"][1]
    assert set(survey) == {
        "slug",
        "title",
        "status",
        "opens_on",
        "closes_on",
        "invited_countries",
        "questions",
    }
    assert survey["invited_countries"] == ["EL", "ES", "IT"]
    assert survey["questions"] == [
        {
            "code": "nmg_stage",
            "section": "profile",
            "text": "Stage?",
            "help_text": "",
            "kind": "choice",
            "order": 1,
            "options": [
                {"value": "planning", "label": "Planning"},
                {"value": "constructing", "label": "Constructing"},
                {"value": "operational", "label": "Operational"},
            ],
        },
        {
            "code": "notes",
            "section": "profile",
            "text": "Notes?",
            "help_text": "",
            "kind": "text",
            "order": 2,
            "options": [],
        },
    ]


def test_rounds_filter_by_status(as_user, registry):
    reader = as_user("viewer")

    assert [s["slug"] for s in reader.get("/api/v1/surveys/?status=open").json()["results"]] == [
        OPEN_ROUND
    ]
    response = reader.get("/api/v1/surveys/?status=finished")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["status"]


def test_a_round_is_found_by_slug(as_user, db):
    body = as_user("viewer").get("/api/v1/surveys/nmg-survey-2020/").json()

    assert body["title"] == "National Mirror Groups survey 2020"
    assert (body["opens_on"], body["closes_on"], body["status"]) == (
        "2020-10-01",
        "2021-03-31",
        "closed",
    )
    assert len(body["invited_countries"]) == 24
    assert [q["code"] for q in body["questions"]][:2] == [
        "wg1_representative",
        "scientific_coordinator",
    ]
    stage = next(q for q in body["questions"] if q["code"] == "nmg_stage")
    assert [o["value"] for o in stage["options"]] == [
        "no_tangible_activities",
        "planning",
        "constructing",
        "operational",
    ]


@pytest.mark.parametrize(
    "url", ["/api/v1/surveys/nmg-survey-1999/", RESPONSES.replace(OPEN_ROUND, "nmg-survey-1999")]
)
def test_an_unknown_round_is_a_json_404_listing_the_rounds(as_user, db, url):
    response = as_user("viewer").get(url)

    assert response.status_code == 404
    assert response.json() == {
        "detail": 'unknown survey round "nmg-survey-1999"; the rounds are: nmg-survey-2020'
    }


def test_the_summary_and_comparison_of_a_round_still_answer_beside_it(as_user, registry):
    reader = as_user("viewer")

    summary = reader.get(f"/api/v1/surveys/{OPEN_ROUND}/summary/")
    compare = reader.get(f"/api/v1/surveys/nmg-survey-2020/compare/{OPEN_ROUND}/")

    assert summary.status_code == compare.status_code == 200
    assert summary.json()["respondent_countries"] == ["EL"]
    assert compare.json()["only_after"] == ["EL"]


def test_the_latest_round_is_the_latest_closed_one_not_a_newer_open_one(
    as_user, registry, django_assert_num_queries
):
    reader = as_user("viewer")
    reader.get("/api/v1/surveys/latest/")  # warms the session and caches

    with django_assert_num_queries(7):  # session, user, which round (1), the round (4)
        latest = reader.get("/api/v1/surveys/latest/")

    assert latest.status_code == 200
    assert latest.json() == reader.get("/api/v1/surveys/nmg-survey-2020/").json()


def test_the_latest_round_is_a_404_saying_so_while_no_round_has_closed(as_user, registry):
    Survey.objects.filter(status="closed").update(status="open")

    response = as_user("viewer").get("/api/v1/surveys/latest/")

    assert response.status_code == 404
    assert response.json() == {
        "detail": "no survey round has closed yet: the latest results are those of a closed round"
    }


def test_a_draft_is_never_the_latest_round_even_for_staff(as_user, registry):
    Survey.objects.filter(status="closed").update(status="draft")

    for user in ("viewer", "staff"):
        assert as_user(user).get("/api/v1/surveys/latest/").status_code == 404
        assert as_user(user).get("/api/v1/surveys/latest/summary/").status_code == 404


# --- responses ---------------------------------------------------------------------------


def test_a_viewer_reads_the_submitted_responses_with_their_answers(as_user, registry):
    response = as_user("viewer").get(RESPONSES)

    body = response.json()
    assert body["count"] == 1
    el = body["results"][0]
    assert el["survey"] == OPEN_ROUND
    assert (el["country"], el["status"]) == ("EL", "submitted")
    assert el["submitted_at"]
    assert el["answers"] == [
        {"question": "nmg_stage", "value": "constructing", "label": "Constructing"},
        {"question": "notes", "value": SUBMITTED_TEXT, "label": ""},
    ]
    assert not any(text in response.content.decode() for text in DRAFTS.values())


def test_a_representative_reads_their_countrys_draft_and_no_other(as_user, registry):
    response = as_user("rep_es").get(RESPONSES)

    assert countries(response.json()) == ["EL", "ES"]
    page = response.content.decode()
    assert DRAFTS["ES"] in page
    assert DRAFTS["IT"] not in page


def test_staff_read_every_draft(as_user, registry):
    body = as_user("staff").get(RESPONSES).json()

    assert [(r["country"], r["status"]) for r in body["results"]] == [
        ("EL", "submitted"),
        ("ES", "draft"),
        ("IT", "draft"),
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("country=gr", ["EL"]),
        ("status=draft", ["ES", "IT"]),
        ("status=submitted", ["EL"]),
        ("country=IT&status=draft", ["IT"]),
    ],
)
def test_responses_filter_by_country_and_status(as_user, registry, query, expected):
    assert countries(as_user("staff").get(f"{RESPONSES}?{query}").json()) == expected


@pytest.mark.parametrize(
    ("query", "parameter"), [("country=XX", "country"), ("status=final", "status")]
)
def test_a_bad_response_filter_is_a_400_naming_it(as_user, registry, query, parameter):
    response = as_user("staff").get(f"{RESPONSES}?{query}")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [parameter]


@pytest.mark.parametrize(
    ("user", "key", "status"),
    [
        ("rep_es", "es", 200),
        ("staff", "ES", 200),
        ("rep_it", "ES", 404),
        ("viewer", "ES", 404),
        ("viewer", "gr", 200),
    ],
)
def test_a_countrys_response_is_read_by_natural_key_only_when_visible(
    as_user, registry, user, key, status
):
    response = as_user(user).get(f"{RESPONSES}{key}/")

    assert response.status_code == status
    if status == 404:
        assert response.json() == {
            "detail": f'no response of ES to round "{OPEN_ROUND}" that you may read'
        }
        assert DRAFTS["ES"] not in response.content.decode()


def test_an_unknown_country_in_a_response_address_is_named(as_user, registry):
    response = as_user("staff").get(f"{RESPONSES}XX/")

    assert response.status_code == 404
    assert response.json() == {"detail": 'unknown country "XX"'}


def test_anonymous_readers_see_only_submitted_responses_when_aggregates_are_public(
    client, registry, settings
):
    settings.NMG_PUBLIC_AGGREGATES = True

    body = client.get(RESPONSES).json()

    assert countries(body) == ["EL"]
    assert client.get(f"{RESPONSES}ES/").status_code == 404


def test_once_submitted_a_countrys_response_is_read_by_other_countries(as_user, registry):
    Response.objects.filter(survey__slug=OPEN_ROUND, country__code="ES").update(
        status="submitted", submitted_at="2024-10-10T10:00:00Z"
    )
    Survey.objects.filter(slug=OPEN_ROUND).update(status=Survey.Status.CLOSED)

    body = as_user("rep_it").get(RESPONSES).json()

    assert [(r["country"], r["status"]) for r in body["results"]] == [
        ("EL", "submitted"),
        ("ES", "submitted"),
        ("IT", "draft"),
    ]
