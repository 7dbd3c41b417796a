"""Forms of survey rounds: a country's answers, generated from the round's questions."""

from dataclasses import dataclass

from django import forms

from nmg_registry.concurrency import VERSION_FIELD, VersionedFormMixin, version_of
from surveys.models import Answer, Question
from surveys.resources import widget_for
from surveys.selectors import AnswerSheet

NOT_ANSWERED = "Not answered"
SUBMIT = "submit"


@dataclass(frozen=True)
class FormSection:
    """A section of the answer sheet: its title and its questions' fields, in order."""

    title: str
    fields: tuple[forms.BoundField, ...]


def field_name(question: Question) -> str:
    return f"q_{question.code}"


class ResponseForm(VersionedFormMixin, forms.Form):
    """One field per question of the round, in order: radio buttons for choices and scales
    (with a "Not answered" choice that clears the answer), a text area for texts and a web
    address field for links. Every field is optional: blank is not answered."""

    def __init__(self, *args, sheet: AnswerSheet, **kwargs):
        self.sheet = sheet
        self.instance = sheet.response
        super().__init__(*args, **kwargs)
        for question in sheet.questions:
            self.fields[field_name(question)] = _field_for(question)
            self.initial[field_name(question)] = sheet.values.get(question.code, "")

    @classmethod
    def of_current(cls, sheet: AnswerSheet) -> "ResponseForm":
        """The form bound to the stored answers and version, to show after a conflict."""
        data = {field_name(q): sheet.values.get(q.code, "") for q in sheet.questions}
        data[VERSION_FIELD] = version_of(sheet.response)
        form = cls(data, sheet=sheet)
        form.is_valid()
        return form

    @property
    def sections(self) -> tuple[FormSection, ...]:
        return tuple(
            FormSection(
                title=section.title,
                fields=tuple(self[field_name(item.question)] for item in section.items),
            )
            for section in self.sheet.sections
        )

    @property
    def wants_submit(self) -> bool:
        return self.data.get("action") == SUBMIT

    def answers(self) -> dict[str, str]:
        """The cleaned answers by question code, "" for not answered."""
        return {q.code: self.cleaned_data.get(field_name(q)) or "" for q in self.sheet.questions}

    def add_answer_errors(self, error) -> None:
        """Show a service's ValidationError keyed by question code next to each field."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        fields = {q.code: field_name(q) for q in self.sheet.questions}
        for code, messages in error.message_dict.items():
            name = fields.get(code)
            for message in messages:
                self.add_error(name, message if name else f"{code}: {message}")


class _AnswerCleaning:
    """A field read with the vocabulary of the responses file (`surveys.resources.widget_for`),
    so that the page accepts and refuses what a file does, in the same words. Cleans to the
    text the service takes: an option's value, the address or the text; "" for blank."""

    def __init__(self, *args, cell, **kwargs):
        super().__init__(*args, **kwargs)
        self.cell = cell

    def clean(self, value):
        try:
            cleaned = self.cell.clean(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None
        return getattr(cleaned, "value", cleaned) or ""


class AnswerChoiceField(_AnswerCleaning, forms.ChoiceField):
    """Radio buttons of a choice or scale; an option's label is read as the option."""


class AnswerUrlField(_AnswerCleaning, forms.URLField):
    """A web address; one without a scheme is read as https://."""


class AnswerTextField(_AnswerCleaning, forms.CharField):
    """A text that fits a spreadsheet cell."""


def _field_for(question: Question) -> forms.Field:
    common = {
        "label": question.text,
        "help_text": question.help_text,
        "required": False,
        "cell": widget_for(question),
    }
    if question.has_options:
        choices = [(o.value, o.label) for o in question.options.all()]
        return AnswerChoiceField(
            choices=[*choices, ("", NOT_ANSWERED)], widget=forms.RadioSelect, **common
        )
    if question.kind == Question.Kind.URL:
        return AnswerUrlField(assume_scheme="https", widget=forms.URLInput, **common)
    return AnswerTextField(
        max_length=Answer._meta.get_field("text").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
        **common,
    )
