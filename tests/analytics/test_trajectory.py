"""A country's trajectory on its profile: each round's response, stage, composition and
answers, as each reader may see them."""

import datetime
import re

import pytest
from django.utils import timezone
from django.utils.html import escape

from nmg_registry.models import MirrorGroup
from surveys.models import Survey
from tests import factories
from tests.analytics.test_recommendations import RECOMMENDATION_QUERIES
from tests.conftest import (
    DRAFT_ROUND_TEXT,
    DRAFT_ROUND_TITLE,
    DRAFTS,
    SUBMITTED_TEXT,
    answer,
    round_asking_stage_and_notes,
)

pytestmark = pytest.mark.django_db

# The trajectory's queries on the profile: rounds, responses, answers, and the composition
# as of every round (experts, seats, the types' labels).
TRAJECTORY_QUERIES = 3 + 3
RESEARCH = "Research/University"  # the types' labels, in their order
ELSI = "ELSI"
PATIENTS = "Patients organisations"
FIRST_ROUND = "National Mirror Groups survey 2020"  # closed on 31 March 2021, invites ES


def profile(client, user, code="ES") -> str:
    client.force_login(user)
    response = client.get(f"/countries/{code}/")
    assert response.status_code == 200
    return response.content.decode()


def row_of(page: str, title: str) -> str:
    """The trajectory's row of a round, as text without tags."""
    match = re.search(
        rf"<tr>\s*<th scope=\"row\"><a [^>]*>{re.escape(title)}</a>.*?</tr>", page, re.S
    )
    assert match, f"no row for {title}"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(0)).split())


def closed_round(slug, title, opens_on, closes_on) -> Survey:
    survey = round_asking_stage_and_notes(
        slug=slug, title=title, status=Survey.Status.CLOSED, opens_on=opens_on
    )
    Survey.objects.filter(pk=survey.pk).update(closes_on=closes_on)
    survey.refresh_from_db()
    return survey


def submitted(survey, code, stage, notes, on=datetime.datetime(2023, 2, 1, 12, 0)):
    response = factories.submitted_response(survey=survey, country=factories.country(code))
    response.submitted_at = timezone.make_aware(on)
    response.save()
    answer(response, "nmg_stage", stage)
    answer(response, "notes", notes)
    return response


def test_each_round_says_how_far_the_response_got_in_the_rounds_state(client, registry):
    cast = registry.cast
    closed = closed_round(
        "round-2022", "Round 2022", datetime.date(2022, 10, 1), datetime.date(2023, 1, 31)
    )
    submitted(closed, "ES", "constructing", "Nuestro grupo")
    not_inviting = factories.SurveyFactory(
        title="Round for others", status=Survey.Status.CLOSED, opens_on=datetime.date(2021, 5, 1)
    )
    assert not not_inviting.invited_countries.exists()

    page = profile(client, cast.viewer)

    assert row_of(page, "Open round").startswith(
        "Open round open draft, not yet submitted not shown: a draft"
    )
    assert row_of(page, "Round 2022").startswith(
        "Round 2022 closed on 31 January 2023 submitted on 1 February 2023 Constructing"
    )
    assert "not invited" in row_of(page, "Round for others")
    assert row_of(page, FIRST_ROUND).startswith(
        f"{FIRST_ROUND} closed on 31 March 2021 did not respond \N{EM DASH}"
    )
    # Newest first, by opening date.
    order = [page.index(f">{title}</a>") for title in ("Open round", "Round 2022", FIRST_ROUND)]
    assert order == sorted(order)
    page = profile(client, cast.viewer, "IT")
    assert "draft, not yet submitted" in row_of(page, "Open round")


def test_an_open_round_without_a_response_is_not_yet_responded(client, registry):
    page = profile(client, registry.cast.viewer, "EL")

    assert row_of(page, "Open round").startswith("Open round open submitted on")
    assert "Constructing" in row_of(page, "Open round")
    factories.country("EL").responses.all().delete()

    assert "not yet responded" in row_of(profile(client, registry.cast.viewer, "EL"), "Open round")


def test_submitted_answers_are_shown_with_question_texts_and_option_labels(client, registry):
    page = profile(client, registry.cast.viewer, "EL")

    assert "Greece's answers to Open round</summary>" in page
    assert "<dt>Stage?</dt><dd>Constructing</dd>" in page
    assert f"<dt>Notes?</dt><dd>{escape(SUBMITTED_TEXT)}</dd>" in page


@pytest.mark.parametrize(
    ("reader", "sees_draft"),
    [("viewer", False), ("rep_it", False), ("rep_es", True), ("staff", True)],
)
def test_a_drafts_answers_are_the_countrys_keepers_and_staffs(client, registry, reader, sees_draft):
    page = profile(client, getattr(registry.cast, reader))

    assert (DRAFTS["ES"] in page) is sees_draft
    assert DRAFTS["IT"] not in page
    assert ("answers to Open round (draft)" in page) is sees_draft
    stage = "not given" if sees_draft else "not shown: a draft"  # the draft gives no stage
    assert f"draft, not yet submitted {stage}" in row_of(page, "Open round")


@pytest.mark.parametrize("reader", ["viewer", "rep_es"])
def test_a_draft_round_is_in_no_trajectory_but_staffs(client, registry, reader):
    page = profile(client, getattr(registry.cast, reader))

    assert DRAFT_ROUND_TITLE not in page
    assert DRAFT_ROUND_TEXT not in page


def test_staff_see_a_draft_round_marked_as_one(client, registry):
    page = profile(client, registry.cast.staff)

    row = row_of(page, DRAFT_ROUND_TITLE)
    assert row.startswith(f"{DRAFT_ROUND_TITLE} Draft draft round (staff only) submitted")
    assert DRAFT_ROUND_TEXT in page


def recorded_on(day: datetime.date, *records):
    """Dates the records' history, as an import of a file received that day would."""
    at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12, 0)))
    for record in records:
        type(record).history.filter(id=record.pk).update(history_date=at)


def expert_in(country, working_group, stakeholder_type, day):
    expert = factories.ExpertFactory(
        country=country, stakeholder_type=factories.stakeholder_type(stakeholder_type)
    )
    seat = factories.MembershipFactory(
        expert=expert, working_group=factories.working_group(working_group)
    )
    recorded_on(day, expert, seat)
    return expert


def test_each_round_shows_the_composition_as_the_round_closed(client, registry):
    es = registry.cast.es
    closed_round("round-2022", "Round 2022", datetime.date(2022, 10, 1), datetime.date(2023, 1, 31))
    expert_in(es, 5, "elsi", datetime.date(2021, 1, 10))
    left = expert_in(es, 7, "patient-organisations", datetime.date(2022, 3, 1))
    left.delete()  # left the group after the 2022 round: counted then, not now

    page = profile(client, registry.cast.viewer)

    assert row_of(page, FIRST_ROUND).endswith("1 WG5 1: ELSI")
    assert row_of(page, "Round 2022").endswith(f"2 WG5, WG7 2: ELSI, {PATIENTS}")
    # Now: the registry fixture's expert (WG1, WG3) and the one of 2021.
    assert row_of(page, "Open round").endswith(f"2 (now) WG1, WG3, WG5 2: {RESEARCH}, ELSI")
    assert "no expert recorded now" in row_of(
        profile(client, registry.cast.viewer, "EL"), "Open round"
    )
    assert "no expert recorded then" in row_of(
        profile(client, registry.cast.viewer, "EL"), FIRST_ROUND
    )


def test_a_country_without_mirror_groups_says_why_it_has_no_configuration_model(client, registry):
    MirrorGroup.objects.filter(country=registry.cast.es).delete()

    page = profile(client, registry.cast.viewer)

    assert (
        "none: no mirror group recorded (the model is derived from the country&#x27;s mirror "
        in page
    )


@pytest.mark.parametrize("rounds", [1, 4])
def test_the_trajectory_costs_fixed_queries(client, registry, rounds, django_assert_num_queries):
    for i in range(rounds):
        survey = closed_round(
            f"round-{i}", f"Round {i}", datetime.date(2022, 1, 1 + i), datetime.date(2022, 6, 1 + i)
        )
        submitted(survey, "ES", "planning", f"Notes {i}")
    client.force_login(registry.cast.viewer)
    # session, user, country, the user's permissions and own countries (rights to edit),
    # groups, demo-data notice; the trajectory's, and the recommendations' section
    with django_assert_num_queries(8 + TRAJECTORY_QUERIES + RECOMMENDATION_QUERIES):
        page = client.get("/countries/ES/").content.decode()
    assert page.count("<td>Planning</td>") == rounds
