"""The survey responses file (DESIGN section 5): its columns and how each cell is read and written.

Header `country`, then the round's question codes; one row per country; a blank cell is a
question not answered. Import and export share these definitions so that an export imports
back unchanged: an option is written as its value and read as its value or its label, in any
letter case. The resource is built once per round from questions whose options are already
loaded, so cleaning a file costs no query per row.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from import_export import fields, resources, widgets

from nmg_registry.models import Country, normalise_country_code
from nmg_registry.tabular import ErrorCollector, Row
from surveys.models import Question, QuestionOption, Response, Survey

COUNTRY_COLUMN = "country"

# An answer as the file carries it: an option of a choice or scale question, or a text.
AnswerValue = QuestionOption | str

# "3.0" typed into a CSV means the scale value 3, as it does coming from an XLSX cell.
_WHOLE_NUMBER = re.compile(r"(\d+)\.0*")


@dataclass(frozen=True)
class ResponseRow:
    """One line of the file: a country and its answers by question code (answered ones only)."""

    country: Country
    answers: Mapping[str, AnswerValue]


def _typed(value) -> str:
    return "" if value is None else str(value).strip()


def _option_key(text: str) -> str:
    """How typed options compare: any letter case, `_` as a space, runs of spaces as one."""
    return " ".join(text.replace("_", " ").split()).casefold()


class CountryWidget(widgets.Widget):
    """A country by its EU or ISO code in any letter case (`EL`, `gr`); written as the EU code."""

    def __init__(self, *, index: Mapping[str, Country]):
        super().__init__()
        self.index = index

    def clean(self, value, row=None, **kwargs):
        typed = _typed(value)
        if not typed:
            raise ValueError("the country is missing")
        country = self.index.get(normalise_country_code(typed))
        if country is None:
            raise ValueError(f'unknown country "{typed}"')
        return country

    def render(self, value, obj=None, **kwargs):
        return value.code if value is not None else ""


class OptionWidget(widgets.Widget):
    """A choice or scale answer, typed as an option's value or label.

    Written as the value, never the label, so that files do not change when labels are
    reworded; scale values go out as numbers so that a spreadsheet can average them.
    """

    def __init__(self, *, question: Question):
        super().__init__()
        self.options = list(question.options.all())
        self.is_scale = question.kind == Question.Kind.SCALE
        # Labels first: a value always wins over another option's identical label.
        self.by_key = {_option_key(o.label): o for o in self.options}
        self.by_key.update({_option_key(o.value): o for o in self.options})

    def clean(self, value, row=None, **kwargs):
        typed = _typed(value)
        if not typed:
            return None
        option = self.by_key.get(_option_key(typed))
        if option is None and self.is_scale and (number := _WHOLE_NUMBER.fullmatch(typed)):
            option = self.by_key.get(number.group(1))
        if option is None:
            values = ", ".join(o.value for o in self.options)
            raise ValueError(f'"{typed}" is not one of {values}')
        return option

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        if self.is_scale and value.value.isdigit():
            return int(value.value)
        return value.value


class TextWidget(widgets.Widget):
    """A free-text answer, kept as typed apart from surrounding spaces."""

    def clean(self, value, row=None, **kwargs):
        return _typed(value) or None

    def render(self, value, obj=None, **kwargs):
        return value or ""


class UrlWidget(TextWidget):
    """A web address, checked as the Answer model checks it."""

    validate = URLValidator()

    def clean(self, value, row=None, **kwargs):
        typed = super().clean(value, row=row, **kwargs)
        if typed is None:
            return None
        try:
            self.validate(typed)
        except ValidationError:
            raise ValueError(f'"{typed}" is not a web address (start with https://)') from None
        return typed


def widget_for(question: Question) -> widgets.Widget:
    if question.has_options:
        return OptionWidget(question=question)
    if question.kind == Question.Kind.URL:
        return UrlWidget()
    return TextWidget()


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
            if value is not None:
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
