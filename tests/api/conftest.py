"""A registry with something to read for every API resource, and markers of each country's
personal data and drafts, so a test can assert that none of them reaches the wrong reader."""

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from nmg_registry.models import Country, MirrorGroup, StakeholderType, WorkingGroup
from surveys.models import Answer, Question, Response, Survey
from tests import factories

OPEN_ROUND = "round-open"

# What must never reach a reader outside the country (staff excepted).
PERSONAL = {
    "ES": ["Ana Espinosa", "ana.espinosa@example.es"],
    "IT": ["Bruno Italiano", "bruno.italiano@example.it"],
}
DRAFTS = {"ES": "Borrador secreto de ES", "IT": "Bozza segreta di IT"}
SUBMITTED_TEXT = "Ellinikí apántisi"  # EL's submitted answer: readable by every reader


def open_round() -> Survey:
    """An open round asking the stage (choice) and a free text, inviting ES, IT and EL."""
    survey = factories.SurveyFactory(
        slug=OPEN_ROUND,
        title="Open round",
        status=Survey.Status.OPEN,
        opens_on=datetime.date(2024, 10, 1),
    )
    stage = factories.QuestionFactory(
        survey=survey, code="nmg_stage", kind=Question.Kind.CHOICE, order=1, text="Stage?"
    )
    factories.add_options(stage, "planning", "constructing", "operational")
    factories.QuestionFactory(
        survey=survey, code="notes", kind=Question.Kind.TEXT, order=2, text="Notes?"
    )
    survey.invited_countries.add(*Country.objects.filter(code__in=["ES", "IT", "EL"]))
    return survey


def answer(response, code, value):
    question = response.survey.questions.get(code=code)
    option = question.options.filter(value=value).first()
    return Answer.objects.create(
        response=response,
        question=question,
        option=option,
        text="" if option else value,
    )


def add_country_data(survey: Survey, code: str, *, position: int = 0) -> None:
    """A country's mirror group, two experts (one in two working groups) and, unless it has
    one, a submitted response to the round: what makes an N+1 show as the countries grow."""
    country = Country.objects.get(code=code)
    types = list(StakeholderType.objects.order_by("order"))
    groups = WorkingGroup.objects.in_bulk(field_name="number")
    group = MirrorGroup.objects.create(country=country, kind=MirrorGroup.Kind.SINGLE, name="NMG")
    for number in (1, 2):
        expert = factories.ExpertFactory(
            country=country, stakeholder_type=types[(position + number) % len(types)]
        )
        factories.MembershipFactory(expert=expert, working_group=groups[number], mirror_group=group)
    factories.MembershipFactory(expert=expert, working_group=groups[3])
    survey.invited_countries.add(country)
    if not Response.objects.filter(survey=survey, country=country).exists():
        response = factories.submitted_response(survey=survey, country=country)
        answer(response, "nmg_stage", "operational")
        answer(response, "notes", f"Notes of {code}")


@pytest.fixture
def registry(cast):
    """ES and IT each with an expert (personal data) and a draft in the open round; EL with
    a submitted response; mirror groups of ES and IT."""
    survey = open_round()
    es_expert = factories.ExpertFactory(
        country=cast.es,
        name=PERSONAL["ES"][0],
        email=PERSONAL["ES"][1],
        stakeholder_type=factories.stakeholder_type("research-university"),
        gender="female",
    )
    factories.MembershipFactory(
        expert=es_expert, working_group=factories.working_group(1), role="coordinator"
    )
    factories.MembershipFactory(expert=es_expert, working_group=factories.working_group(3))
    it_expert = factories.ExpertFactory(
        country=cast.it,
        name=PERSONAL["IT"][0],
        email=PERSONAL["IT"][1],
        stakeholder_type=factories.stakeholder_type("elsi"),
        gender="male",
    )
    factories.MembershipFactory(
        expert=it_expert, working_group=factories.working_group(3), role="coordinator"
    )
    MirrorGroup.objects.create(country=cast.es, kind=MirrorGroup.Kind.SINGLE, name="NMG España")
    MirrorGroup.objects.create(country=cast.it, kind=MirrorGroup.Kind.CORE, name="NMG core")
    MirrorGroup.objects.create(
        country=cast.it,
        kind=MirrorGroup.Kind.WORKING_GROUP,
        working_group=factories.working_group(2),
        name="NMG ELSI",
    )
    drafts = {}
    for code in ("ES", "IT"):
        drafts[code] = factories.ResponseFactory(
            survey=survey, country=Country.objects.get(code=code)
        )
        answer(drafts[code], "notes", DRAFTS[code])
    el = Response.objects.create(
        survey=survey,
        country=factories.country("EL"),
        status=Response.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    answer(el, "nmg_stage", "constructing")
    answer(el, "notes", SUBMITTED_TEXT)
    return SimpleNamespace(
        cast=cast, survey=survey, es_expert=es_expert, it_expert=it_expert, drafts=drafts
    )


@pytest.fixture
def as_user(client, cast):
    """`as_user("rep_es")`: the test client signed in as one of the cast (or anonymous)."""

    def sign_in(name):
        client.logout()
        if name != "anonymous":
            client.force_login(getattr(cast, name))
        return client

    return sign_in
