"""The survey import's plan: what the file changes in the stored responses, and writing it.

The file's rows are compared with the round's stored responses and answers; each kind of
write is then one bulk query with its history, whatever the number of rows.
"""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.text import Truncator

from nmg_registry.bulk_writes import BulkWriter
from nmg_registry.import_plan import ImportPlan, ModelWrites
from nmg_registry.models import Country
from surveys.models import Answer, Question, QuestionOption, Response, Survey
from surveys.resources import AnswerValue, SurveyResponseResource


@dataclass(frozen=True)
class CleanRow:
    """A file's row once checked: its country and its answers by question code."""

    line: int
    country: Country
    answers: dict[str, AnswerValue]


def _shown(value: AnswerValue) -> str:
    """An answer as a preview line shows it: an option's value, or a short quoted text."""
    if isinstance(value, QuestionOption):
        return value.value
    return '"' + Truncator(" ".join(value.split())).chars(60) + '"'


def _day(at) -> str:
    """A submission's date as the preview shows it (the registry's time zone)."""
    return timezone.localdate(at).isoformat() if at else "no date"


# What an import's submission writes on a response it updates.
SUBMISSION_FIELDS = [
    "status",
    "submitted_at",
    "submitted_by",
    "answers_changed_at",
    "imported_from",
    "imported_at",
]


class ResponsesPlan(ImportPlan):
    """Compares the file's rows with the stored responses; gathers the writes that make them
    equal, so that each kind of write is one bulk query, and the summary of it."""

    def __init__(
        self,
        *,
        survey: Survey,
        resource: SurveyResponseResource,
        submitter,
        reason,
        filename: str,
        submitted_at=None,
    ):
        super().__init__()
        self.survey = survey
        self.resource = resource
        self.submitter = submitter
        self.reason = reason
        self.filename = filename
        self.now = timezone.now()
        # The responses of a round held in the past are dated then, not on the import's day;
        # a dated import also re-dates the responses it leaves unchanged (an earlier import
        # may have dated them on its own day).
        self.dated = submitted_at is not None
        self.submitted_at = submitted_at or self.now
        self.responses = self.writes_of("responses")
        self.answers = self.writes_of("answers")

    def add_row(self, row: CleanRow, response: Response | None) -> None:
        is_new = response is None
        if is_new:
            response = Response(survey=self.survey, country=row.country)
        stored = {} if is_new else {a.question_id: a for a in response.answers.all()}
        answer_changes = [
            change
            for question in self.resource.questions
            if (change := self._plan_answer(row, response, question, stored.get(question.pk)))
        ]
        if is_new:
            self._submit(response, new=True)
            count = len(row.answers)
            answers = f"{count} answer{'s' if count != 1 else ''}"
            self._change("create", "response", f"{row.country.code} ({answers})", row)
        elif answer_changes or not response.is_submitted:
            was_draft = response.is_draft
            self._submit(response, new=False)
            how = "draft → submitted" if was_draft else "submitted again"
            self._change("update", "response", f"{row.country.code}: {how}", row)
        elif self.dated and response.submitted_at != self.submitted_at:
            was = _day(response.submitted_at)
            self._submit(response, new=False)
            about = f"{row.country.code}: submitted on {was} → {_day(self.submitted_at)}"
            self._change("update", "response", about, row)
        else:
            self.responses.unchanged += 1
        for action, description in answer_changes:
            self._change(action, "answer", description, row)

    def _submit(self, response: Response, *, new: bool) -> None:
        response.mark_submitted(by=self.submitter, at=self.submitted_at)
        response.mark_imported(filename=self.filename, at=self.now)
        (self.responses.created if new else self.responses.updated).append(response)

    def _plan_answer(self, row, response, question: Question, answer: Answer | None):
        """The (action, description) of the change to one answer, or None when it stays."""
        value = row.answers.get(question.code)
        about = f"{row.country.code} {question.code}"
        option = value if isinstance(value, QuestionOption) else None
        text = value if isinstance(value, str) else ""
        if value is None and answer is None:
            return None
        if value is None:
            self.answers.removed.append(answer)
            return "remove", f"{about}: {_shown(self._stored_value(answer))}"
        if answer is None:
            self.answers.created.append(
                Answer(response=response, question=question, option=option, text=text)
            )
            return "create", f"{about}: {_shown(value)}"
        if answer.option_id == (option.pk if option else None) and answer.text == text:
            self.answers.unchanged += 1
            return None
        before = _shown(self._stored_value(answer))
        answer.option, answer.text = option, text
        self.answers.updated.append(answer)
        return "update", f"{about}: {before} → {_shown(value)}"

    def _stored_value(self, answer: Answer) -> AnswerValue:
        """A stored answer's value, its option taken from the loaded ones rather than queried."""
        return self.resource.option(answer.option_id) if answer.option_id else answer.text

    def _change(self, action: str, model: str, description: str, row: CleanRow) -> None:
        self.note(action, model, f"{action} {model} {description}", line=row.line)

    def write(self) -> None:
        """Responses first, so that new answers can point to them; each write followed (a
        removal preceded) by its history, which names the importer and the file."""
        writer = BulkWriter(user=self.submitter, reason=self.reason, date=self.now)
        writer.create(Response, self.responses.created)
        writer.update(Response, self.responses.updated, SUBMISSION_FIELDS)
        write_answers(writer, self.answers)


def write_answers(writer: BulkWriter, answers: ModelWrites) -> None:
    """A response's planned answers written: new, changed (option and text), removed."""
    writer.create(Answer, answers.created)
    writer.update(Answer, answers.updated, ["option", "text"])
    # Nothing references an answer: a delete without per-row signals is safe.
    writer.remove(Answer, answers.removed)
