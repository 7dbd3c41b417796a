"""A round's lifecycle (draft, open, closed) and who may see it, decided once: a draft is
staff's work in progress and, to anyone else, does not exist — a 404 like an unknown round
on every page, download and API address, never in a list, never measured by a target."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nmg_registry import permissions
from surveys.models import Response, Survey
from surveys.selectors import answer_sheet, visible_round
from surveys.services.rounds import clone_survey
from tests import factories

pytestmark = pytest.mark.django_db

PUBLISHED = "nmg-survey-2020"  # closed, shipped with the database
DRAFT = "nmg-survey-2026"
DRAFT_TITLE = "NMG survey 2026 in preparation"


@pytest.fixture
def draft(db):
    """The issue's case: a round cloned into a draft, with a response entered by import."""
    survey = clone_survey(
        source=Survey.objects.get(slug=PUBLISHED),
        slug=DRAFT,
        title=DRAFT_TITLE,
        opens_on=datetime.date(2026, 10, 1),
    )
    response = factories.submitted_response(survey=survey, country=factories.country("ES"))
    stage = survey.questions.get(code="nmg_stage")
    response.answers.create(question=stage, option=stage.options.get(value="operational"))
    return survey


@pytest.fixture
def signed_in(client, cast):
    def sign_in(name):
        client.force_login(getattr(cast, name))
        return client

    return sign_in


# The lifecycle in the model


@pytest.mark.parametrize(
    ("status", "draft", "open_", "closed", "published"),
    [
        (Survey.Status.DRAFT, True, False, False, False),
        (Survey.Status.OPEN, False, True, False, True),
        (Survey.Status.CLOSED, False, False, True, True),
    ],
)
def test_a_round_says_where_it_is_in_its_lifecycle(status, draft, open_, closed, published):
    survey = Survey(slug="r", title="R", status=status)

    assert (survey.is_draft, survey.is_open, survey.is_closed, survey.is_published) == (
        draft,
        open_,
        closed,
        published,
    )


def test_published_rounds_are_the_open_and_closed_ones(draft):
    factories.SurveyFactory(slug="now-open", status=Survey.Status.OPEN)

    assert set(Survey.objects.published().values_list("slug", flat=True)) == {
        PUBLISHED,
        "now-open",
    }
    assert list(Survey.objects.drafts().values_list("slug", flat=True)) == [DRAFT]
    assert list(Survey.objects.open().values_list("slug", flat=True)) == ["now-open"]


# The policy


@pytest.mark.parametrize(
    ("user", "sees_draft"),
    [("anonymous", False), ("viewer", False), ("rep_es", False), ("staff", True)],
)
def test_only_staff_see_a_draft_round(cast, draft, user, sees_draft):
    reader = getattr(cast, user)

    visible = permissions.rounds_visible_to(reader, Survey.objects.all())

    assert permissions.can_read_round(reader, draft) is sees_draft
    assert (DRAFT in set(visible.values_list("slug", flat=True))) is sees_draft
    assert permissions.can_read_round(reader, Survey.objects.get(slug=PUBLISHED))
    assert visible.filter(slug=PUBLISHED).exists()


def test_staff_by_a_permission_of_their_own_or_as_superusers_see_drafts_too(cast, draft):
    direct = factories.UserFactory(username="direct")
    direct.user_permissions.add(Permission.objects.get(codename="manage_registry"))
    superuser = factories.UserFactory(username="root", is_superuser=True)
    inactive = factories.make_staff("gone", is_active=False)

    for user, sees in ((direct, True), (superuser, True), (inactive, False)):
        slugs = permissions.rounds_visible_to(user, Survey.objects.all()).values_list(
            "slug", flat=True
        )
        assert (DRAFT in set(slugs)) is sees, user.username
        assert permissions.can_read_round(user, draft) is sees, user.username


def test_responses_of_a_draft_round_are_hidden_even_from_their_countrys_representative(cast, draft):
    own = Response.objects.filter(survey=draft, country=cast.es)

    assert not permissions.responses_visible_to(cast.rep_es, own).exists()
    assert not permissions.responses_visible_to(cast.viewer, own).exists()
    assert permissions.responses_visible_to(cast.staff, own).exists()
    assert not permissions.can_read_response(cast.rep_es, own.get())
    assert permissions.can_read_response(cast.staff, own.get())


def test_an_unknown_round_message_lists_no_draft_to_viewers(cast, draft):
    with pytest.raises(Survey.DoesNotExist) as hidden:
        visible_round(user=cast.viewer, slug=DRAFT)
    with pytest.raises(Survey.DoesNotExist) as unknown:
        visible_round(user=cast.viewer, slug="nmg-survey-1999")
    with pytest.raises(Survey.DoesNotExist) as unknown_to_staff:
        visible_round(user=cast.staff, slug="nmg-survey-1999")

    assert str(hidden.value) == str(unknown.value).replace("nmg-survey-1999", DRAFT)
    assert DRAFT not in str(unknown.value)
    assert DRAFT in str(unknown_to_staff.value)


# Every door, for a viewer and a representative: the cases

DRAFT_DOORS = [
    f"/assessment/rounds/{DRAFT}/",
    f"/assessment/rounds/{DRAFT}/?download=invited&format=csv",
    f"/assessment/compare/?before={PUBLISHED}&after={DRAFT}",
    f"/assessment/compare/?before={DRAFT}&after={PUBLISHED}&download=changes",
    f"/surveys/{DRAFT}/responses.csv",
    f"/surveys/{DRAFT}/responses.xlsx",
    f"/surveys/{DRAFT}/answer/ES/",
    f"/api/v1/surveys/{DRAFT}/",
    f"/api/v1/surveys/{DRAFT}/summary/",
    f"/api/v1/surveys/{DRAFT}/summary/?format=csv",
    f"/api/v1/surveys/{DRAFT}/responses/",
    f"/api/v1/surveys/{DRAFT}/responses/ES/",
    f"/api/v1/surveys/{PUBLISHED}/compare/{DRAFT}/",
    f"/api/v1/surveys/{DRAFT}/compare/{PUBLISHED}/",
]


@pytest.mark.parametrize("user", ["viewer", "rep_es"])
@pytest.mark.parametrize("url", DRAFT_DOORS)
def test_a_draft_round_is_a_404_to_everyone_but_staff(signed_in, draft, user, url):
    response = signed_in(user).get(url)

    assert response.status_code == 404
    assert DRAFT_TITLE not in response.content.decode("utf-8", errors="replace")


@pytest.mark.parametrize("url", DRAFT_DOORS)
def test_staff_open_every_door_of_a_draft_round(signed_in, draft, url):
    response = signed_in("staff").get(url)

    assert response.status_code == 200


def test_a_draft_round_is_a_404_to_anonymous_readers_of_public_aggregates(client, settings, draft):
    settings.NMG_PUBLIC_AGGREGATES = True

    assert client.get(f"/assessment/rounds/{DRAFT}/").status_code == 404
    assert client.get(f"/api/v1/surveys/{DRAFT}/summary/").status_code == 404
    assert client.get(f"/surveys/{DRAFT}/responses.csv").status_code == 404


def test_the_api_lists_a_draft_round_to_staff_alone_with_its_status(signed_in, draft):
    viewer_slugs = [
        s["slug"] for s in signed_in("viewer").get("/api/v1/surveys/").json()["results"]
    ]
    viewer_drafts = signed_in("viewer").get("/api/v1/surveys/?status=draft").json()["results"]
    staff_rounds = signed_in("staff").get("/api/v1/surveys/").json()["results"]

    assert DRAFT not in viewer_slugs and PUBLISHED in viewer_slugs
    assert viewer_drafts == []
    assert {s["slug"]: s["status"] for s in staff_rounds}[DRAFT] == "draft"


@pytest.mark.parametrize("user", ["viewer", "staff"])
def test_targets_are_never_measured_on_a_draft_round(signed_in, draft, user):
    client = signed_in(user)

    targets = client.get("/api/v1/targets/").json()
    page = client.get("/assessment/targets/").content.decode()
    rows = client.get("/api/v1/targets/?format=csv").content.decode()

    measured = {m["survey"] for target in targets for m in target["rounds"]}
    assert measured == {PUBLISHED}
    assert DRAFT_TITLE not in page
    assert DRAFT not in rows


@pytest.mark.parametrize("user", ["viewer", "rep_es"])
def test_no_page_lists_a_draft_round_to_anyone_but_staff(signed_in, draft, user):
    client = signed_in(user)

    for url in ("/", "/assessment/rounds/", "/assessment/compare/", "/surveys/"):
        body = client.get(url).content.decode()
        assert DRAFT_TITLE not in body and DRAFT not in body, url
    picked = client.get("/assessment/rounds/", {"round": DRAFT}).content.decode()
    assert f"There is no open or closed round “{DRAFT}”" in picked


def test_staff_see_a_draft_round_marked_as_a_draft(signed_in, draft):
    client = signed_in("staff")

    page = client.get(f"/assessment/rounds/{DRAFT}/").content.decode()
    listed = client.get("/assessment/rounds/").content.decode()
    answers = client.get(f"/surveys/{DRAFT}/answer/ES/").content.decode()

    assert '<span class="round-draft-label">Draft</span></h1>' in page
    assert "only WP6 staff see it" in page
    assert f"{DRAFT_TITLE} (2026-10-01) [Draft]</option>" in listed
    assert "<td>Draft</td>" in listed
    assert '<span class="round-draft-label">Draft</span></h1>' in answers


def test_the_dashboard_never_presents_a_draft_as_the_latest_round(signed_in, draft):
    page = signed_in("staff").get("/").content.decode()

    latest = page.split('<p class="lead">')[1].split("</p>")[0]
    assert "National Mirror Groups survey 2020" in latest
    assert DRAFT_TITLE in page  # in the table of rounds, marked as a draft
    assert "<td>Draft</td>" in page


def test_an_answer_page_is_never_prefilled_from_a_draft_round(cast, draft):
    later = factories.SurveyFactory(
        slug="nmg-survey-2027", status=Survey.Status.OPEN, opens_on=datetime.date(2027, 10, 1)
    )
    stage = factories.QuestionFactory(survey=later, code="nmg_stage", kind="choice", order=1)
    factories.add_options(stage, "planning", "operational")

    sheet = answer_sheet(survey=later, country=cast.es)

    assert sheet.prefilled_from is None
    assert sheet.values == {}


def test_a_countrys_history_shows_a_draft_rounds_responses_to_staff_alone(signed_in, draft):
    staff_page = signed_in("staff").get("/countries/ES/history/").content.decode()
    rep_page = signed_in("rep_es").get("/countries/ES/history/").content.decode()

    assert f"response to {DRAFT}" in staff_page
    assert DRAFT not in rep_page


@pytest.mark.parametrize("user", ["viewer", "staff"])
@pytest.mark.parametrize(
    "url", ["/api/v1/surveys/", "/assessment/rounds/", "/assessment/compare/", "/"]
)
def test_a_draft_round_costs_no_query_of_its_own(signed_in, draft, user, url):
    factories.SurveyFactory(  # two open or closed rounds: the comparison runs either way
        slug="nmg-survey-2022", status=Survey.Status.CLOSED, opens_on=datetime.date(2022, 10, 1)
    )
    client = signed_in(user)
    client.get(url)  # warms per-process caches such as content types

    with CaptureQueriesContext(connection) as with_draft:
        client.get(url)
    Response.objects.filter(survey=draft).delete()  # its answers protect the questions
    draft.delete()
    with CaptureQueriesContext(connection) as without:
        client.get(url)

    assert len(with_draft) == len(without)


def test_the_comparison_compares_the_latest_open_or_closed_rounds_by_default(signed_in, draft):
    factories.SurveyFactory(
        slug="nmg-survey-2022",
        title="NMG survey 2022",
        status=Survey.Status.CLOSED,
        opens_on=datetime.date(2022, 10, 1),
    )

    page = signed_in("staff").get("/assessment/compare/")

    assert page.status_code == 200
    assert f'<option value="{PUBLISHED}" selected>' in page.content.decode()
    assert '<option value="nmg-survey-2022" selected>' in page.content.decode()


def test_staff_with_one_open_or_closed_round_compare_it_with_the_draft(signed_in, draft):
    page = signed_in("staff").get("/assessment/compare/")

    assert page.status_code == 200
    assert f'<option value="{DRAFT}" selected>' in page.content.decode()
