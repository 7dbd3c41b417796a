"""What surveys adds to the core's registries of contributions: a country's responses and
their answers in its history (those of a draft round for staff alone), and how rounds,
questions, options and responses are named there; on "My countries", where each country
stands in the open rounds; the responses file's import kind; the text answers where a
person may be named."""

from nmg_registry import history, imports, moments, permissions, personal_data, selectors
from nmg_registry.models import PendingImport
from surveys.models import Answer, Question, QuestionOption, Response, Survey
from surveys.round_moments import round_moment
from surveys.selectors import open_rounds_of
from surveys.services.file_import import import_upload


def register() -> None:
    """Called once, from the app's ready()."""
    imports.register_kind(PendingImport.Kind.SURVEY, import_upload)
    history.register_source(
        history.HistorySource(
            Response, _responses, _response_label, frozenset({"country", "survey"})
        )
    )
    history.register_source(
        history.HistorySource(Answer, _answers, _answer_label, frozenset({"response", "question"}))
    )
    for names in (
        history.RecordNames(Survey, _surveys, "a removed round"),
        history.RecordNames(Question, _questions, "a removed question", show=lambda q: q[0]),
        history.RecordNames(QuestionOption, _options, "a removed option"),
        history.RecordNames(Response, _response_names, "another response"),
    ):
        history.register_names(names)
    selectors.add_to_kept_countries("rounds", open_rounds_of)
    moments.register_round_moment(round_moment)
    # A text answer may name a person (the WG1 representative, a plan's contact).
    personal_data.register_mentions(Answer, ("text",), country="response__country_id")


def _readable_rounds(user):
    return permissions.rounds_visible_to(user, Survey.objects.all()).values("pk")


def _responses(country, user):
    return Response.history.filter(country_id=country.pk, survey_id__in=_readable_rounds(user))


def _answers(country, user):
    """The answers' versions written while their response belonged to the country, in the
    rounds the user may read."""
    readable = Response.history.filter(survey_id__in=_readable_rounds(user)).values("id")
    return history.versions_while_kept(Answer, "response", Response, country).filter(
        response_id__in=readable
    )


def _surveys(ids, reading, names) -> dict:
    return dict(Survey.objects.filter(pk__in=ids).values_list("pk", "slug"))


def _questions(ids, reading, names) -> dict:
    """Each question's code, with its round's slug."""
    questions = Question.objects.filter(pk__in=ids).values_list("pk", "code", "survey__slug")
    return {pk: (code, slug) for pk, code, slug in questions}


def _options(ids, reading, names) -> dict:
    return dict(QuestionOption.objects.filter(pk__in=ids).values_list("pk", "label"))


def _response_names(ids, reading, names) -> dict:
    """The responses read from the history, by their round; no query of their own."""
    return {
        row["id"]: f"response to {names.name(Survey, row['survey_id'])}"
        for row in reading.rows.get(Response, [])
    }


def _response_label(row, names) -> str:
    return f"response to {names.name(Survey, row['survey_id'])}"


def _answer_label(row, names) -> str:
    question = names.record(Question, row["question_id"])
    if question is None:
        return "answer to a removed question"
    return "answer to {} in {}".format(*question)
