"""The surveys' admin: rounds are staff's; responses follow the policy on drafts."""

import pytest
from django.urls import reverse

from nmg_registry.concurrency import version_of
from surveys.models import Answer, Question, QuestionOption, Response, Survey, Target
from tests import factories
from tests.admin_helpers import (
    admin_url,
    as_admin_user,
    assert_changelist_queries,
    first_countries,
)


@pytest.fixture
def round_(cast):
    """An open round with a choice question; drafts of ES and IT, and a submitted IT response."""
    survey = factories.SurveyFactory(slug="round-2022", title="Round 2022")
    survey.invited_countries.set([cast.es, cast.it])
    stage = factories.QuestionFactory(survey=survey, code="nmg_stage", kind="choice")
    operational, starting = factories.add_options(stage, "operational", "starting")
    es_draft = factories.ResponseFactory(survey=survey, country=cast.es)
    it_draft = factories.ResponseFactory(survey=factories.SurveyFactory(), country=cast.it)
    it_submitted = factories.submitted_response(survey=survey, country=cast.it)
    factories.AnswerFactory(response=es_draft, question=stage, option=starting, text="")
    factories.AnswerFactory(response=it_draft, question=stage, option=operational, text="")
    return {
        "survey": survey,
        "stage": stage,
        "operational": operational,
        "es_draft": es_draft,
        "it_draft": it_draft,
        "it_submitted": it_submitted,
    }


def new_surveys(n):
    countries = first_countries(n)
    for _ in range(n):
        survey = factories.SurveyFactory()
        survey.invited_countries.set(countries)
        for country in countries[:2]:
            factories.submitted_response(survey=survey, country=country)


def new_questions(n):
    survey = factories.SurveyFactory()
    for _ in range(n):
        factories.QuestionFactory(survey=survey)


def new_options(n):
    question = factories.QuestionFactory(kind="choice")
    factories.add_options(question, *(f"value-{question.pk}-{i}" for i in range(n)))


def new_targets(n):
    start = Target.objects.count()
    Target.objects.bulk_create(
        Target(
            slug=f"target-{i}",
            name=f"Target {i}",
            question_code="nmg_stage",
            answer_values=["operational"],
            threshold="0.5",
            due_on="2030-12-31",
        )
        for i in range(start, start + n)
    )


def new_responses(n):
    survey = factories.SurveyFactory()
    question = factories.QuestionFactory(survey=survey)
    for country in first_countries(n):
        response = factories.submitted_response(survey=survey, country=country)
        factories.AnswerFactory(response=response, question=question)


def new_answers(n):
    survey = factories.SurveyFactory()
    question = factories.QuestionFactory(survey=survey, kind="choice")
    (option,) = factories.add_options(question, "yes")
    for country in first_countries(n):
        response = factories.ResponseFactory(survey=survey, country=country)
        factories.AnswerFactory(response=response, question=question, option=option, text="")


@pytest.mark.parametrize(
    ("model", "seed", "queries"),
    [
        (Survey, new_surveys, 8),
        (Question, new_questions, 9),
        (QuestionOption, new_options, 9),
        (Target, new_targets, 8),
        (Response, new_responses, 10),
        (Answer, new_answers, 10),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_changelist_costs_fixed_queries_for_staff(
    client, cast, django_assert_num_queries, model, seed, queries
):
    client.force_login(cast.staff)
    assert_changelist_queries(client, django_assert_num_queries, model, seed, queries)


@pytest.mark.parametrize(
    ("model", "make"),
    [
        (Survey, lambda objs: objs["survey"]),
        (Question, lambda objs: objs["stage"]),
        (QuestionOption, lambda objs: objs["operational"]),
        (Target, lambda objs: Target.objects.first()),
        (Response, lambda objs: objs["it_submitted"]),
        (Answer, lambda objs: objs["es_draft"].answers.get()),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_add_and_change_pages_render_for_staff(client, cast, round_, model, make):
    obj = make(round_)
    client.force_login(cast.staff)

    assert client.get(admin_url(model, "add")).status_code == 200
    change = client.get(admin_url(model, "change", obj.pk))
    assert change.status_code == 200
    assert str(obj) in change.text
    assert client.get(admin_url(model, "history", obj.pk)).status_code == 200


def test_staff_creates_a_round_with_its_questions(client, cast):
    client.force_login(cast.staff)

    response = client.post(
        admin_url(Survey, "add"),
        {
            "slug": "round-2024",
            "title": "Round 2024",
            "status": "draft",
            "invited_countries": [cast.es.pk, cast.it.pk],
            "questions-TOTAL_FORMS": "1",
            "questions-INITIAL_FORMS": "0",
            "questions-0-order": "1",
            "questions-0-code": "nmg_stage",
            "questions-0-section": "functioning",
            "questions-0-kind": "choice",
            "questions-0-text": "At what stage is your NMG?",
        },
    )

    assert response.status_code == 302
    survey = Survey.objects.get(slug="round-2024")
    assert list(survey.questions.values_list("code", flat=True)) == ["nmg_stage"]
    assert survey.invited_countries.count() == 2
    assert survey.history.latest().history_user == cast.staff


def test_survey_changelist_counts_invited_and_submitted(client, cast, round_):
    client.force_login(cast.staff)

    page = client.get(admin_url(Survey), {"q": "round-2022"})

    assert '<td class="field-invited_count">2</td>' in page.text
    assert '<td class="field-submitted_count">1</td>' in page.text


def test_representative_lists_own_drafts_and_submitted_responses_only(client, cast, round_):
    client.force_login(as_admin_user(cast.rep_es))

    page = client.get(admin_url(Response))

    assert page.status_code == 200
    assert admin_url(Response, "change", round_["es_draft"].pk) in page.text
    assert admin_url(Response, "change", round_["it_submitted"].pk) in page.text
    assert admin_url(Response, "change", round_["it_draft"].pk) not in page.text


def test_representative_is_refused_other_countrys_draft(client, cast, round_):
    draft = round_["it_draft"]
    client.force_login(as_admin_user(cast.rep_es))

    change = client.get(admin_url(Response, "change", draft.pk))
    history = client.get(admin_url(Response, "history", draft.pk))
    answer = client.get(admin_url(Answer, "change", draft.answers.get().pk))
    answers = client.get(admin_url(Answer))

    assert change.status_code == 302
    assert history.status_code == 403
    assert answer.status_code == 302
    assert admin_url(Answer, "change", draft.answers.get().pk) not in answers.text


def test_representative_reads_but_cannot_change_submitted_response(client, cast, round_):
    client.force_login(as_admin_user(cast.rep_es))

    page = client.get(admin_url(Response, "change", round_["it_submitted"].pk))

    assert page.status_code == 200
    assert 'name="_save"' not in page.text


def test_representative_cannot_manage_rounds(client, cast, round_):
    client.force_login(as_admin_user(cast.rep_es))

    assert client.get(admin_url(Survey)).status_code == 403
    assert client.get(admin_url(Question, "change", round_["stage"].pk)).status_code == 403
    assert client.get(admin_url(Target)).status_code == 403
    assert client.get(admin_url(Response, "add")).status_code == 403
    index = client.get(reverse("admin:index")).text
    assert admin_url(Response) in index
    assert admin_url(Survey) not in index


def answers_post(answer, **changes):
    return {
        "version": version_of(Response.objects.get(pk=answer.response_id)),
        "answers-TOTAL_FORMS": "1",
        "answers-INITIAL_FORMS": "1",
        "answers-0-id": answer.pk,
        "answers-0-response": answer.response_id,
        "answers-0-question": answer.question_id,
        "answers-0-option": answer.option_id,
        "answers-0-text": answer.text,
        **{f"answers-0-{field}": value for field, value in changes.items()},
    }


def test_representative_edits_answers_of_own_open_draft(client, cast, round_):
    draft = round_["es_draft"]
    answer = draft.answers.get()
    client.force_login(as_admin_user(cast.rep_es))

    page = client.get(admin_url(Response, "change", draft.pk))
    saved = client.post(
        admin_url(Response, "change", draft.pk),
        answers_post(answer, option=round_["operational"].pk),
    )

    assert "nmg_stage: Operational" in page.text
    assert saved.status_code == 302
    answer.refresh_from_db()
    assert answer.option == round_["operational"]
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_answer_inline_offers_only_the_rounds_questions(client, cast, round_):
    draft = round_["es_draft"]
    other_round = factories.QuestionFactory(code="elsewhere")
    client.force_login(cast.staff)

    page = client.get(admin_url(Response, "change", draft.pk))
    refused = client.post(
        admin_url(Response, "change", draft.pk),
        {
            "survey": draft.survey_id,
            "country": draft.country_id,
            "status": "draft",
            **answers_post(draft.answers.get(), question=other_round.pk, option="", text="x"),
        },
    )

    assert "elsewhere" not in page.text
    assert "Select a valid choice" in refused.text
    assert draft.answers.get().question == round_["stage"]


def test_answer_to_a_choice_question_needs_an_option(client, cast, round_):
    response = factories.ResponseFactory(survey=round_["survey"], country=factories.country("FR"))
    client.force_login(cast.staff)

    refused = client.post(
        admin_url(Answer, "add"),
        {"response": response.pk, "question": round_["stage"].pk, "text": "operational"},
    )

    assert refused.status_code == 200
    assert "Choose one of the options of nmg_stage." in refused.text
    assert not response.answers.exists()
