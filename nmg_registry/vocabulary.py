"""How a typed value is read: one vocabulary for the cells of every file and the answer form.

A composition file, a survey responses file and the answer page read a country, a working
group, a stakeholder type, an option, a web address or a text with the same widgets, so a
value one door accepts the others accept, and a value one refuses the others refuse with
the same words. The widgets are lenient on form (codes or labels in any letter case, any
spacing) and strict on meaning: an unknown value raises ValueError naming the value and
what was expected. A widget loads its lookup table once, on first use, so cleaning a
100,000-row file costs a handful of queries, not one per row.
"""

import re
from collections.abc import Mapping, Sequence
from functools import cached_property

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from import_export import widgets

from nmg_registry.models import Country, StakeholderType, WorkingGroup, normalise_country_code
from nmg_registry.validators import validate_email_address

_SLASH = re.compile(r"\s*/\s*")
# "3.0" typed into a CSV means the scale value 3, as it does coming from an XLSX cell.
_WHOLE_NUMBER = re.compile(r"(\d+)\.0*")


def fold_label(text: str) -> str:
    """The spelling used to compare codes and labels: any letter case, `_` as a space, runs
    of spaces as one, `A / B` equal to `A/B`. Accents count: `é` is not `e`."""
    return _SLASH.sub("/", " ".join(text.replace("_", " ").split())).casefold()


def typed_text(value) -> str:
    """A cell or field as typed, without surrounding spaces; "" for nothing."""
    return "" if value is None else str(value).strip()


def too_long(max_length: int) -> str:
    """The reason a value longer than its column is refused."""
    return f"longer than {max_length:,} characters"


def number_ranges(numbers, prefix: str = "") -> str:
    """`1 to 7, 9` for [1..7, 9]: existing working groups, stated the way people write them."""
    numbers = sorted(numbers)
    parts, start = [], None
    for i, number in enumerate(numbers):
        start = number if start is None else start
        if i + 1 == len(numbers) or numbers[i + 1] != number + 1:
            parts.append(
                f"{prefix}{start}" if start == number else f"{prefix}{start} to {prefix}{number}"
            )
            start = None
    return ", ".join(parts)


class CountryWidget(widgets.Widget):
    """A country by EU or ISO code in any case (`EL`, `gr`, `UK`, `GB`); written as the EU
    code. `index` (codes to countries) spares the query when the caller has it already."""

    def __init__(self, *, index: Mapping[str, Country] | None = None):
        super().__init__()
        if index is not None:
            self.index = index

    @cached_property
    def index(self) -> Mapping[str, Country]:
        return Country.objects.all().code_index()

    def clean(self, value, row=None, **kwargs) -> Country:
        typed = typed_text(value)
        if not typed:
            raise ValueError("the country is missing")
        country = self.index.get(normalise_country_code(typed))
        if country is None:
            raise ValueError(f'unknown country "{typed}"')
        return country

    def render(self, value, obj=None, **kwargs):
        return value.code if value is not None else ""


class WorkingGroupWidget(widgets.Widget):
    """A working group by number, `WG3`, `wg 3` or its name; blank when unknown."""

    PATTERN = re.compile(r"(?:wg)?[\s._-]*0*(\d+)", re.IGNORECASE)

    def __init__(self):
        super().__init__(coerce_to_string=False)

    @cached_property
    def groups(self) -> list[WorkingGroup]:
        return list(WorkingGroup.objects.all())

    @cached_property
    def index(self) -> dict[str, WorkingGroup]:
        index = {fold_label(group.name): group for group in self.groups}
        index.update({str(group.number): group for group in self.groups})
        return index

    def clean(self, value, row=None, **kwargs) -> WorkingGroup | None:
        text = typed_text(value)
        if not text:
            return None
        group = self.index.get(text)
        if group is None:
            match = self.PATTERN.fullmatch(text)
            group = self.index.get(match.group(1) if match else fold_label(text))
        if group is None:
            numbers = [g.number for g in self.groups]
            raise ValueError(
                f'"{text}" is not a working group; expected {number_ranges(numbers)} '
                f"or {number_ranges(numbers, 'WG')}"
            )
        return group

    def render(self, value, obj=None, **kwargs):
        return value.number if value else ""


class StakeholderTypeWidget(widgets.Widget):
    """A stakeholder type by slug or label in any case; blank when unknown; written as the slug."""

    @cached_property
    def types(self) -> list[StakeholderType]:
        return list(StakeholderType.objects.all())

    @cached_property
    def index(self) -> dict[str, StakeholderType]:
        index = {fold_label(t.label): t for t in self.types}
        index.update({t.slug: t for t in self.types})
        return index

    def clean(self, value, row=None, **kwargs) -> StakeholderType | None:
        text = typed_text(value)
        if not text:
            return None
        found = self.index.get(text) or self.index.get(fold_label(text))
        if found is None:
            slugs = ", ".join(t.slug for t in self.types)
            raise ValueError(
                f'"{text}" is not a stakeholder type; expected one of {slugs}, or its label'
            )
        return found

    def render(self, value, obj=None, **kwargs):
        return value.slug if value else ""


class OptionWidget(widgets.Widget):
    """One of the options it is given (anything with a `value` and a `label`, such as a
    question's options), typed as its value or its label, folded; written as the value.

    `numbers` (a scale) also reads `3.0` as `3` and writes digit values as numbers, so that
    a spreadsheet can average them. A blank is `blank`.
    """

    def __init__(self, options: Sequence, *, numbers: bool = False, blank=None):
        super().__init__()
        self.options = list(options)
        self.numbers = numbers
        self.blank = blank
        # Labels first: a value always wins over another option's identical label.
        self.by_key = {fold_label(str(o.label)): o for o in self.options}
        self.by_key.update({fold_label(o.value): o for o in self.options})

    def clean(self, value, row=None, **kwargs):
        typed = typed_text(value)
        if not typed:
            return self.blank
        option = self.by_key.get(fold_label(typed))
        if option is None and self.numbers and (number := _WHOLE_NUMBER.fullmatch(typed)):
            option = self.by_key.get(number.group(1))
        if option is None:
            raise ValueError(self.refusal(typed))
        return option

    def refusal(self, typed: str) -> str:
        return f'"{typed}" is not one of {", ".join(o.value for o in self.options)}'

    def render(self, value, obj=None, **kwargs):
        if not value:
            return ""
        written = getattr(value, "value", value)
        return int(written) if self.numbers and written.isdigit() else written


class ChoiceWidget(OptionWidget):
    """A value of a TextChoices by value or label in any case; `what` names it in a refusal."""

    def __init__(self, *, choices, what: str, blank: str = ""):
        super().__init__(list(choices), blank=blank)
        self.what = what

    def clean(self, value, row=None, **kwargs) -> str:
        choice = super().clean(value, row, **kwargs)
        return getattr(choice, "value", choice)

    def refusal(self, typed: str) -> str:
        values = [o.value for o in self.options]
        expected = " or ".join([", ".join(values[:-1]), values[-1]])
        return f'"{typed}" is not {self.what}; expected {expected}'


class TextWidget(widgets.Widget):
    """Free text, stripped, checked against the column's length; `required` names a blank."""

    def __init__(self, *, max_length: int, required: str | None = None):
        super().__init__()
        self.max_length = max_length
        self.required = required

    def clean(self, value, row=None, **kwargs) -> str:
        text = typed_text(value)
        if not text and self.required:
            raise ValueError(self.required)
        if len(text) > self.max_length:
            raise ValueError(too_long(self.max_length))
        return text

    def render(self, value, obj=None, **kwargs):
        return value or ""


class UrlWidget(TextWidget):
    """A web address; one typed without a scheme is read as https://, as browsers do."""

    # The answer form's own reading of an address (assumed scheme included).
    read_address = forms.URLField(assume_scheme="https", required=False)

    def clean(self, value, row=None, **kwargs) -> str:
        text = super().clean(value, row, **kwargs)
        if not text:
            return text
        try:
            address = self.read_address.clean(text)
        except ValidationError:
            raise ValueError(f'"{text}" is not a web address (start with https://)') from None
        if len(address) > self.max_length:
            raise ValueError(too_long(self.max_length))
        return address


class EmailWidget(TextWidget):
    """An e-mail address checked with Django's validator and the registry's; blank when
    unknown."""

    def clean(self, value, row=None, **kwargs) -> str:
        text = super().clean(value, row, **kwargs)
        if text:
            try:
                validate_email(text)
                validate_email_address(text)
            except ValidationError:
                raise ValueError(f'"{text}" is not a valid email address') from None
        return text
