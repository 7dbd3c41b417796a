"""The database refuses rounds, responses and answers that break the survey rules."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from surveys.models import Answer, Question, Response, Survey, Target
from tests import factories

pytestmark = pytest.mark.django_db


def refused(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


@pytest.fixture
def stage_question():
    question = factories.QuestionFactory(code="nmg_stage", kind=Question.Kind.CHOICE)
    factories.add_options(question, "planning", "operational")
    return question


def test_a_round_cannot_close_before_it_opens():
    refused(
        lambda: Survey.objects.create(
            slug="backwards",
            title="Backwards",
            opens_on=datetime.date(2021, 1, 1),
            closes_on=datetime.date(2020, 1, 1),
        )
    )


def test_question_codes_are_unique_within_a_round():
    question = factories.QuestionFactory(code="funding")
    refused(lambda: factories.QuestionFactory(survey=question.survey, code="funding"))
    factories.QuestionFactory(code="funding")  # another round may reuse it


def test_one_response_per_country_per_round():
    response = factories.ResponseFactory()
    refused(lambda: Response.objects.create(survey=response.survey, country=response.country))


def test_a_submitted_response_records_when():
    refused(lambda: factories.ResponseFactory(status=Response.Status.SUBMITTED, submitted_at=None))


def test_one_answer_per_question_per_response(stage_question):
    response = factories.ResponseFactory(survey=stage_question.survey)
    option = stage_question.options.get(value="planning")
    Answer.objects.create(response=response, question=stage_question, option=option)
    refused(
        lambda: Answer.objects.create(response=response, question=stage_question, option=option)
    )


def test_an_answer_is_an_option_or_a_text_never_both_nor_neither(stage_question):
    response = factories.ResponseFactory(survey=stage_question.survey)
    option = stage_question.options.first()
    refused(
        lambda: Answer.objects.create(
            response=response, question=stage_question, option=option, text="also"
        )
    )
    refused(lambda: Answer.objects.create(response=response, question=stage_question))


def test_an_option_value_is_unique_within_its_question(stage_question):
    refused(lambda: factories.add_options(stage_question, "planning"))


def test_an_answer_must_use_an_option_of_its_own_question(stage_question):
    other = factories.QuestionFactory(survey=stage_question.survey, kind=Question.Kind.CHOICE)
    [foreign_option] = factories.add_options(other, "yes")
    response = factories.ResponseFactory(survey=stage_question.survey)
    answer = Answer(response=response, question=stage_question, option=foreign_option)

    with pytest.raises(ValidationError) as excinfo:
        answer.full_clean()
    assert f"Choose one of the options of {stage_question.code}" in str(excinfo.value)


def test_a_text_question_takes_no_option(stage_question):
    text_question = factories.QuestionFactory(survey=stage_question.survey, code="how")
    response = factories.ResponseFactory(survey=stage_question.survey)
    answer = Answer(
        response=response, question=text_question, option=stage_question.options.first()
    )

    with pytest.raises(ValidationError, match="takes a text, not an option"):
        answer.full_clean()


def test_a_url_answer_must_be_a_web_address():
    question = factories.QuestionFactory(code="plan_url", kind=Question.Kind.URL)
    response = factories.ResponseFactory(survey=question.survey)
    answer = Answer(response=response, question=question, text="not a url")

    with pytest.raises(ValidationError, match="valid URL"):
        answer.full_clean()


def test_an_answer_must_answer_a_question_of_its_own_round(stage_question):
    response = factories.ResponseFactory()  # another round
    answer = Answer(
        response=response, question=stage_question, option=stage_question.options.first()
    )

    with pytest.raises(ValidationError, match="belongs to another round"):
        answer.full_clean()


def test_a_target_threshold_is_a_share():
    refused(
        lambda: Target.objects.create(
            slug="too-high",
            name="Too high",
            question_code="nmg_stage",
            answer_values=["operational"],
            threshold="1.5",
            due_on=datetime.date(2030, 1, 1),
        )
    )


def test_a_target_lists_the_values_that_count():
    target = Target(
        slug="empty",
        name="Empty",
        question_code="nmg_stage",
        answer_values=[],
        threshold="0.5",
        due_on=datetime.date(2030, 1, 1),
    )
    with pytest.raises(ValidationError, match="List the option values"):
        target.full_clean()
