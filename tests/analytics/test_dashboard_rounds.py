"""The dashboard in each state of the rounds: the latest closed round's findings, an open
round's progress beside them (never in their place), and a draft nowhere but in staff's
table of rounds. Each state at a pinned number of queries."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from surveys.models import Survey
from surveys.selectors import dashboard_rounds
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
PAST_ROUND = "nmg-survey-2020"  # closed, from the migrations: 24 countries invited
PROGRESS = "Round in progress"
FINDINGS = "invited countries responded"


@pytest.fixture
def as_viewer(client, cast):
    client.force_login(cast.viewer)
    return client


@pytest.fixture
def as_staff(client, cast):
    client.force_login(cast.staff)
    return client


def page(client, queries, django_assert_num_queries) -> str:
    with django_assert_num_queries(queries):
        response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def open_round(cast, **fields) -> Survey:
    """An open round inviting ES, IT and EL: ES submitted, IT has a draft, EL not started."""
    survey = factories.SurveyFactory(
        slug="nmg-survey-2024",
        title="Survey 2024",
        status="open",
        **{"opens_on": TODAY - 10 * DAY, "closes_on": TODAY + 12 * DAY, **fields},
    )
    survey.invited_countries.set([cast.es, cast.it, factories.country("EL")])
    factories.submitted_response(survey=survey, country=cast.es)
    factories.ResponseFactory(survey=survey, country=cast.it)
    return survey


def status_link(survey) -> str:
    return reverse("admin:surveys_survey_status", args=[survey.pk])


def progress_figures(text) -> list[str]:
    """The values and labels of the progress panel, in order."""
    panel = text[text.index('class="key-figures progress-figures"') :]
    panel = panel[: panel.index("</ul>")]
    return [part.split("</span>")[0] for part in panel.split('<span class="key-value">')[1:]]


# Queries: session, user, demo notice (3); countries and rounds (2); the open and closed
# rounds (1); then two per open round (its progress) and whether the reader is staff (2,
# read once per request, as the policy of the stage answers asks it too), and with a closed
# round its summary (4), the targets (3) and the stage answers as the policy shows them (4).
NO_ROUND = 6
ONLY_OPEN = 10
ONLY_CLOSED = 17
CLOSED_AND_OPEN = 19


def test_with_no_round_yet_the_dashboard_says_so(as_viewer, django_assert_num_queries):
    Survey.objects.update(status="draft")

    text = page(as_viewer, NO_ROUND, django_assert_num_queries)

    assert "No survey round has been opened yet." in text
    assert PROGRESS not in text and FINDINGS not in text
    assert "0 of" not in text


def test_with_only_an_open_round_its_progress_is_the_page(
    as_viewer, cast, django_assert_num_queries
):
    Survey.objects.filter(slug=PAST_ROUND).update(status="draft")
    survey = open_round(cast)

    text = page(as_viewer, ONLY_OPEN, django_assert_num_queries)

    assert "No survey round has closed yet." in text
    assert PROGRESS in text
    assert f"Survey 2024</strong> is open until {(TODAY + 12 * DAY).isoformat()}" in text
    assert "12 days left" in text
    assert progress_figures(text) == ["3", "1", "1", "1"]  # invited, submitted, draft, not started
    # Never zeros, or any figure of the open round, in place of findings.
    assert FINDINGS not in text
    assert 'id="stage-map"' not in text
    assert "not met" not in text
    assert status_link(survey) not in text  # staff's alone


def test_a_round_opened_on_a_closed_one_leaves_its_findings_with_progress_beside(
    as_viewer, cast, django_assert_num_queries
):
    open_round(cast)

    text = page(as_viewer, CLOSED_AND_OPEN, django_assert_num_queries)

    assert (
        'The results of the latest closed survey round: <a href="/assessment/rounds/'
        f'{PAST_ROUND}/">' in text
    )
    assert "0 of 24" in text and FINDINGS in text  # the 2020 round's own figures
    assert 'id="stage-map"' in text
    assert PROGRESS in text
    assert progress_figures(text) == ["3", "1", "1", "1"]
    # The findings come first, the progress beside them.
    assert text.index(FINDINGS) > text.index(PROGRESS) > text.index("latest closed survey round")


def test_with_only_closed_rounds_there_is_no_progress_panel(as_viewer, django_assert_num_queries):
    text = page(as_viewer, ONLY_CLOSED, django_assert_num_queries)

    assert FINDINGS in text
    assert PROGRESS not in text


def test_staff_follow_the_open_round_to_its_status_page(as_staff, cast):
    survey = open_round(cast, closes_on=TODAY)

    text = as_staff.get("/").content.decode()

    assert status_link(survey) in text
    assert "it closes today" in text


def test_a_round_past_its_closing_date_says_so(as_viewer, cast):
    open_round(cast, opens_on=TODAY - 30 * DAY, closes_on=TODAY - 2 * DAY)

    text = as_viewer.get("/").content.decode()

    assert "the closing date has passed" in text


@pytest.mark.parametrize("user", ["viewer", "staff"])
def test_a_draft_is_never_the_findings_nor_the_progress(client, cast, user):
    draft = factories.SurveyFactory(
        slug="round-draft", title="Secret draft round", status="draft", opens_on=TODAY
    )
    draft.invited_countries.set([cast.es])
    factories.submitted_response(survey=draft, country=cast.es)
    client.force_login(getattr(cast, user))

    text = client.get("/").content.decode()

    assert f'latest closed survey round: <a href="/assessment/rounds/{PAST_ROUND}/">' in text
    assert PROGRESS not in text
    if user == "viewer":
        assert "Secret draft round" not in text
    rounds = dashboard_rounds()
    assert rounds.latest_closed.slug == PAST_ROUND and rounds.in_progress == ()


def test_the_latest_closed_round_is_the_most_recently_opened(db):
    factories.SurveyFactory(slug="older", status="closed", opens_on=datetime.date(2019, 1, 1))
    factories.SurveyFactory(slug="undated", status="closed", opens_on=None)
    newer = factories.SurveyFactory(
        slug="newer", status="closed", opens_on=datetime.date(2023, 1, 1)
    )

    assert dashboard_rounds().latest_closed == newer


def test_an_open_rounds_target_figure_is_labelled_provisional(as_viewer, cast):
    survey = open_round(cast)
    stage = factories.QuestionFactory(survey=survey, code="nmg_stage", kind="choice")
    factories.add_options(stage, "planning", "operational")

    text = as_viewer.get("/assessment/targets/").content.decode()
    body = as_viewer.get("/api/v1/targets/").json()

    assert "Survey 2024 (open: provisional)" in text
    assert "National Mirror Groups survey 2020 (open" not in text
    measured = {m["survey"]: m["provisional"] for m in body[0]["rounds"]}
    assert measured == {PAST_ROUND: False, "nmg-survey-2024": True}


def test_two_open_rounds_each_show_their_own_progress_in_the_same_queries(
    as_viewer, cast, django_assert_num_queries
):
    open_round(cast)
    other = factories.SurveyFactory(
        slug="nmg-survey-extra", title="Extra round", status="open", opens_on=TODAY
    )
    other.invited_countries.set([cast.es])

    text = page(as_viewer, CLOSED_AND_OPEN, django_assert_num_queries)

    assert "Rounds in progress" in text
    extra = text[text.index('aria-label="Extra round"') :]
    assert progress_figures(extra) == ["1", "0", "0", "1"]
    assert progress_figures(text[text.index('aria-label="Survey 2024"') :]) == ["3", "1", "1", "1"]
