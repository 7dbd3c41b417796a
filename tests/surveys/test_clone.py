"""Starting a round as a copy of another: `clone_survey` and `manage.py clone_survey`."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from nmg_registry.models import Country
from surveys.models import Question, QuestionOption, Survey
from surveys.services.rounds import clone_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def source(db):
    return Survey.objects.get(slug="nmg-survey-2020")


def questions_of(survey) -> list[tuple]:
    return [
        (
            q.code,
            q.order,
            q.section,
            q.kind,
            q.text,
            q.help_text,
            [(o.value, o.label, o.order) for o in q.options.all()],
        )
        for q in survey.questions.prefetch_related("options")
    ]


def signatory_codes() -> list[str]:
    return list(
        Country.objects.filter(participation=Country.Participation.SIGNATORY)
        .order_by("code")
        .values_list("code", flat=True)
    )


def invited_codes(survey) -> list[str]:
    return list(survey.invited_countries.order_by("code").values_list("code", flat=True))


def test_a_clone_is_a_draft_asking_the_same_questions_of_todays_signatories(source):
    Country.objects.filter(code="PL").update(participation=Country.Participation.SIGNATORY)

    survey = clone_survey(
        source=source,
        slug="nmg-survey-2022",
        title="National Mirror Groups survey 2022",
        opens_on=datetime.date(2022, 10, 1),
        closes_on=datetime.date(2023, 1, 31),
    )

    assert survey.status == Survey.Status.DRAFT
    assert (survey.opens_on, survey.closes_on) == (
        datetime.date(2022, 10, 1),
        datetime.date(2023, 1, 31),
    )
    assert questions_of(survey) == questions_of(source)
    assert len(questions_of(survey)) == 21
    assert "PL" in invited_codes(survey)
    assert invited_codes(survey) == signatory_codes()
    assert invited_codes(survey) != invited_codes(source)


def test_the_copy_is_independent_of_the_source(source):
    survey = clone_survey(source=source, slug="nmg-survey-2022", title="Survey 2022")
    before = questions_of(source)

    Question.objects.filter(survey=survey, code="funding").update(text="Changed?")
    QuestionOption.objects.filter(question__survey=survey, value="planning").delete()

    assert questions_of(source) == before
    assert Question.history.filter(survey_id=survey.pk).count() == 21


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        (
            {"slug": "nmg-survey-2020"},
            "slug",
            'a round with the slug "nmg-survey-2020" already exists',
        ),
        (
            {"slug": "survey 2022!"},
            "slug",
            '"survey 2022!" is not a valid slug: use up to 80 letters, digits, hyphens and '
            "underscores",
        ),
        (
            {"slug": "x" * 81},
            "slug",
            f'"{"x" * 81}" is not a valid slug: use up to 80 letters, digits, hyphens and '
            "underscores",
        ),
        ({"title": "  "}, "title", "the round needs a title"),
        (
            {"opens_on": datetime.date(2022, 10, 1), "closes_on": datetime.date(2022, 9, 30)},
            "closes_on",
            "the round cannot close (2022-09-30) before it opens (2022-10-01)",
        ),
    ],
    ids=["existing slug", "invalid slug", "long slug", "blank title", "closes before opens"],
)
def test_a_bad_clone_is_refused_with_a_clear_message(source, kwargs, field, message):
    rounds = Survey.objects.count()

    with pytest.raises(ValidationError) as excinfo:
        clone_survey(source=source, **{"slug": "nmg-survey-2022", "title": "Survey 2022", **kwargs})

    assert excinfo.value.message_dict == {field: [message]}
    assert Survey.objects.count() == rounds


def test_every_problem_is_named_at_once(source):
    with pytest.raises(ValidationError) as excinfo:
        clone_survey(
            source=source,
            slug="nmg-survey-2020",
            title="",
            opens_on=datetime.date(2022, 10, 1),
            closes_on=datetime.date(2022, 1, 1),
        )

    assert set(excinfo.value.message_dict) == {"slug", "title", "closes_on"}


# The command


def test_command_prints_what_it_created(source, capsys):
    call_command(
        "clone_survey",
        "nmg-survey-2020",
        "nmg-survey-2022",
        "--title",
        "National Mirror Groups survey 2022",
        "--opens",
        "2022-10-01",
        "--closes",
        "2023-01-31",
    )

    survey = Survey.objects.get(slug="nmg-survey-2022")
    assert survey.opens_on == datetime.date(2022, 10, 1)
    codes = signatory_codes()
    assert capsys.readouterr().out.strip() == (
        'Created nmg-survey-2022 "National Mirror Groups survey 2022" (draft) from '
        f"nmg-survey-2020: 21 questions, {len(codes)} invited countries ({', '.join(codes)})."
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--opens", "2021-13-01"], '--opens: "2021-13-01" is not a date (YYYY-MM-DD)'),
        (["--closes", "31/01/2022"], '--closes: "31/01/2022" is not a date (YYYY-MM-DD)'),
        (
            ["--opens", "2022-10-01", "--closes", "2022-09-01"],
            "the round cannot close (2022-09-01) before it opens (2022-10-01)",
        ),
    ],
)
def test_command_refuses_bad_dates(source, args, message):
    with pytest.raises(CommandError) as excinfo:
        call_command("clone_survey", "nmg-survey-2020", "new-round", "--title", "New", *args)

    assert str(excinfo.value) == message
    assert not Survey.objects.filter(slug="new-round").exists()


def test_command_refuses_an_existing_slug(source):
    with pytest.raises(CommandError, match='a round with the slug "nmg-survey-2020" already'):
        call_command("clone_survey", "nmg-survey-2020", "nmg-survey-2020", "--title", "Again")


def test_command_names_an_unknown_source_and_lists_the_rounds(source):
    with pytest.raises(CommandError) as excinfo:
        call_command("clone_survey", "nmg-survey-2019", "nmg-survey-2022", "--title", "New")

    assert str(excinfo.value) == (
        'unknown survey round "nmg-survey-2019"; the rounds are: nmg-survey-2020'
    )
