"""Answering a round: a representative's draft and submission of a country's response,
each answer checked, only the changed ones written, a save over another's refused."""

from collections.abc import Mapping, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from nmg_registry import permissions
from nmg_registry.bulk_writes import BulkWriter
from nmg_registry.concurrency import lock_unchanged
from nmg_registry.import_plan import ModelWrites
from nmg_registry.models import Country
from surveys.models import Answer, Question, QuestionOption, Response, Survey
from surveys.resources import widget_for
from surveys.selectors import round_closed_notice, survey_invites
from surveys.services.import_plan import write_answers


@transaction.atomic
def save_response(
    *,
    user,
    survey: Survey,
    country: Country,
    answers: Mapping[str, str],
    version: str,
    submit: bool,
) -> Response:
    """Store the country's answers to an open round as a draft, or submit them.

    `answers` maps question codes to an option value or a text; a question left out or blank
    is not answered, and its stored answer is removed. Saving keeps a submitted response
    submitted; `submit` records who submitted it and when. `version` is the response's
    `updated_at` when the form was opened ("" when there was none): a response saved since
    then raises EditConflict and nothing is written. Only the answers that changed are
    written. Raises PermissionDenied when the user may not answer for the country or the
    round is not open, and ValidationError naming each bad answer by question code.
    """
    survey = Survey.objects.get(pk=survey.pk)
    if not permissions.can_answer_survey(user, survey, country):
        raise PermissionDenied(f"You may not answer {survey.title} for {country.name}.")
    if not survey.is_open:
        raise PermissionDenied(round_closed_notice(survey=survey))
    if not survey_invites(survey=survey, country=country):
        raise ValidationError(f"{country.code} is not invited to this round.")
    questions = list(survey.questions.prefetch_related("options"))
    wanted = _clean_answers(questions, answers)
    label = f"The response of {country.code} to {survey.title}"
    existing = _stored_response_id(survey, country)
    if existing is not None:
        response = lock_unchanged(Response.objects.all(), pk=existing, version=version, label=label)
        stored = {answer.question_id: answer for answer in response.answers.order_by()}
    else:
        response, stored = Response(survey=survey, country=country), {}
    response._history_user = user
    writes = _answer_writes(response, questions, wanted=wanted, stored=stored)
    now = timezone.now()
    if submit:
        response.mark_submitted(by=user, at=now)
    elif writes.created or writes.updated or writes.removed:
        response.note_answers_changed(at=now)
    if response.pk:
        response.save()
    else:
        _create_response(response, label=label)
    write_answers(BulkWriter(user=user, reason=None), writes)
    return response


def _clean_answers(
    questions: Sequence[Question], answers: Mapping[str, str]
) -> dict[int, tuple[QuestionOption | None, str]]:
    """The wanted answers by question id as (option, text), each read with the vocabulary of
    the responses file (`widget_for`); ValidationError names every bad one by its code."""
    by_code = {question.code: question for question in questions}
    errors: dict[str, str] = {
        code: "This round has no such question." for code in answers if code not in by_code
    }
    wanted = {}
    for question in questions:
        raw = answers.get(question.code) or ""
        try:
            value = widget_for(question).clean(raw)
        except ValueError as refusal:
            errors[question.code] = str(refusal)
            continue
        if value is None or value == "":
            continue
        if question.has_options:
            wanted[question.pk] = (value, "")
        else:
            wanted[question.pk] = (None, value)
    if errors:
        raise ValidationError(errors)
    return wanted


def _stored_response_id(survey: Survey, country: Country) -> int | None:
    return (
        Response.objects.filter(survey=survey, country=country).values_list("pk", flat=True).first()
    )


def _create_response(response: Response, *, label: str) -> None:
    """Insert the country's first response to the round; another one stored meanwhile (the
    unique constraint) is a conflict like any other change made while the form was open."""
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError:
        current = Response.objects.filter(survey=response.survey, country=response.country)
        if not current.exists():
            raise
        lock_unchanged(Response.objects.all(), pk=current.get().pk, version="", label=label)
        raise


def _answer_writes(response: Response, questions, *, wanted, stored) -> ModelWrites:
    """The answers to create, change and remove: only those that differ."""
    answers = ModelWrites()
    for question in questions:
        answer = stored.get(question.pk)
        if question.pk not in wanted:
            if answer is not None:
                answers.removed.append(answer)
            continue
        option, text = wanted[question.pk]
        if answer is None:
            answers.created.append(
                Answer(response=response, question=question, option=option, text=text)
            )
        elif answer.option_id != (option.pk if option else None) or answer.text != text:
            answer.option, answer.text = option, text
            answers.updated.append(answer)
    return answers
