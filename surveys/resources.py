"""The survey responses file (DESIGN section 5): its columns and how each cell is read and written.

Header `country`, then the round's question codes; one row per country; a blank cell is a
question not answered. Import and export share these definitions so that an export imports
back unchanged: an option is written as its value and read as its value or its label, folded
(`nmg_registry.vocabulary`, as the answer form reads it). The resource is built once per
round from questions whose options are already loaded, so cleaning a file costs no query
per row.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from import_export import fields, resources, widgets

from nmg_registry.models import Country
from nmg_registry.tabular import ErrorCollector, Row
from nmg_registry.vocabulary import CountryWidget, OptionWidget, TextWidget, UrlWidget
from surveys.models import Answer, Question, QuestionOption, Response, Survey

COUNTRY_COLUMN = "country"

# An answer as the file carries it: an option of a choice or scale question, or a text.
AnswerValue = QuestionOption | str


@dataclass(frozen=True)
class ResponseRow:
    """One line of the file: a country and its answers by question code (answered ones only)."""

    country: Country
    answers: Mapping[str, AnswerValue]


def widget_for(question: Question) -> widgets.Widget:
    """How an answer to `question` is read, in a file and in the answer form alike: an option
    by value or label, a web address, or a text that fits a spreadsheet cell."""
    max_length = Answer._meta.get_field("text").max_length
    if question.has_options:
        return OptionWidget(question.options.all(), numbers=question.kind == Question.Kind.SCALE)
    if question.kind == Question.Kind.URL:
        return UrlWidget(max_length=max_length)
    return TextWidget(max_length=max_length)


class AnswerField(fields.Field):
    """A question's column; reads a ResponseRow's answer by code (codes may contain `__`)."""

    def __init__(self, *, question: Question):
        super().__init__(
            attribute=question.code, column_name=question.code, widget=widget_for(question)
        )
        self.question = question

    def get_value(self, instance: ResponseRow):
        return instance.answers.get(self.question.code)


class SurveyResponseResource(resources.Resource):
    """The responses file of one round: `country`, then one column per question, in order."""

    def __init__(
        self,
        *,
        questions: Sequence[Question],
        country_index: Mapping[str, Country] | None = None,
    ):
        super().__init__()
        self.questions = list(questions)
        self.fields[COUNTRY_COLUMN] = fields.Field(
            attribute="country",
            column_name=COUNTRY_COLUMN,
            widget=CountryWidget(index=country_index or {}),
        )
        for question in self.questions:
            self.fields[question.code] = AnswerField(question=question)
        self._questions_by_id = {q.pk: q for q in self.questions}
        self._options_by_id = {
            option.pk: option for question in self.questions for option in question.options.all()
        }

    @classmethod
    def for_survey(
        cls, survey: Survey, *, country_index: Mapping[str, Country] | None = None
    ) -> "SurveyResponseResource":
        """The round's layout, its questions and options read in two queries."""
        return cls(
            questions=survey.questions.prefetch_related("options"), country_index=country_index
        )

    @property
    def question_codes(self) -> list[str]:
        return [q.code for q in self.questions]

    def question(self, pk: int) -> Question:
        return self._questions_by_id[pk]

    def option(self, pk: int) -> QuestionOption:
        return self._options_by_id[pk]

    # Import

    def clean_country(self, row: Row, *, errors: ErrorCollector) -> Country | None:
        """The row's country, or None after adding the bad cell to `errors`."""
        return self._clean_cell(self.fields[COUNTRY_COLUMN], row, errors)

    def clean_answers(self, row: Row, *, errors: ErrorCollector) -> dict[str, AnswerValue]:
        """The row's answered questions by code; every bad cell is added to `errors`."""
        answers = {}
        for question in self.questions:
            value = self._clean_cell(self.fields[question.code], row, errors)
            if value not in (None, ""):
                answers[question.code] = value
        return answers

    @staticmethod
    def _clean_cell(field: fields.Field, row: Row, errors: ErrorCollector):
        try:
            return field.clean(row.cells)
        except ValueError as exc:
            errors.add(str(exc), line=row.line, column=field.column_name)
            return None

    # Export

    def response_row(self, response: Response) -> ResponseRow:
        """A stored response as a line of the file; its answers must be prefetched."""
        answers = {
            self.question(a.question_id).code: self.option(a.option_id) if a.option_id else a.text
            for a in response.answers.all()
        }
        return ResponseRow(country=response.country, answers=answers)

    def export_rows(self, responses: Iterable[Response]) -> list[list]:
        return [self.export_resource(self.response_row(r)) for r in responses]
