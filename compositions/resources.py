"""The composition file (DESIGN section 5): its columns, how each cell is read, how each is written.

The widgets are lenient on form (EU or ISO country codes in any case, `3` or `WG3`, labels
as well as slugs) and strict on meaning (an unknown value is an error naming the value and
what was expected). Each widget loads its lookup table once, on first use, so cleaning a
100,000-row file costs a handful of queries, not one per row. The import service cleans
cells with these widgets; the export dehydrates rows with `CompositionResource`.
"""

import re
from functools import cached_property

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from import_export import fields, resources, widgets

from compositions.models import Expert, Gender, Membership, MembershipRole
from nmg_registry.models import Country, StakeholderType, WorkingGroup, normalise_country_code
from nmg_registry.validators import validate_email_address

COLUMNS = (
    "country",
    "working_group",
    "role",
    "stakeholder_type",
    "institution",
    "name",
    "position",
    "gender",
    "region",
    "email",
)
# Position and region are descriptive extras (the deliverable asks for the region only "if
# applicable"): a file without these columns leaves the stored values alone.
OPTIONAL_COLUMNS = ("position", "region")
REQUIRED_COLUMNS = tuple(c for c in COLUMNS if c not in OPTIONAL_COLUMNS)


def _fold(text: str) -> str:
    """The spelling used to compare labels: any case, any spacing, `A / B` equal to `A/B`."""
    return re.sub(r"\s*/\s*", "/", " ".join(text.split())).casefold()


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
    """A country by EU or ISO code in any case (`EL`, `gr`, `UK`, `GB`); written as the EU code."""

    @cached_property
    def index(self) -> dict[str, Country]:
        return Country.objects.all().code_index()

    def clean(self, value, row=None, **kwargs) -> Country:
        code = normalise_country_code(value)
        if not code:
            raise ValueError("missing country")
        try:
            return self.index[code]
        except KeyError:
            raise ValueError(f'unknown country "{value.strip()}"') from None

    def render(self, value, obj=None, **kwargs):
        return value.code if value else ""


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
        index = {_fold(group.name): group for group in self.groups}
        index.update({str(group.number): group for group in self.groups})
        return index

    def clean(self, value, row=None, **kwargs) -> WorkingGroup | None:
        text = (value or "").strip()
        if not text:
            return None
        group = self.index.get(text)
        if group is None:
            match = self.PATTERN.fullmatch(text)
            group = self.index.get(match.group(1) if match else _fold(text))
        if group is None:
            numbers = [g.number for g in self.groups]
            raise ValueError(
                f'"{text}" is not a working group; expected {number_ranges(numbers)} '
                f"or {number_ranges(numbers, 'WG')}"
            )
        return group

    def render(self, value, obj=None, **kwargs):
        return value.number if value else ""


class ChoiceWidget(widgets.Widget):
    """A value of a TextChoices by value or label in any case; blank gives `blank`."""

    def __init__(self, *, choices, what: str, blank: str = ""):
        super().__init__()
        self.choices = choices
        self.what = what
        self.blank = blank
        self.index = {_fold(str(text)): value for value, text in choices.choices}
        self.index.update({_fold(value): value for value in choices.values})

    def clean(self, value, row=None, **kwargs) -> str:
        text = (value or "").strip()
        if not text:
            return self.blank
        try:
            return self.index[text] if text in self.index else self.index[_fold(text)]
        except KeyError:
            expected = " or ".join([", ".join(self.choices.values[:-1]), self.choices.values[-1]])
            raise ValueError(f'"{text}" is not {self.what}; expected {expected}') from None

    def render(self, value, obj=None, **kwargs):
        return value or ""


class RoleWidget(ChoiceWidget):
    """`coordinator` or `expert` in any case; blank means expert."""

    def __init__(self):
        super().__init__(choices=MembershipRole, what="a role", blank=MembershipRole.EXPERT)


class GenderWidget(ChoiceWidget):
    """`female`, `male`, `other`, `undisclosed` or their labels; blank when unknown."""

    def __init__(self):
        super().__init__(choices=Gender, what="a gender")


class StakeholderTypeWidget(widgets.Widget):
    """A stakeholder type by slug or label in any case; blank when unknown; written as the slug."""

    @cached_property
    def types(self) -> list[StakeholderType]:
        return list(StakeholderType.objects.all())

    @cached_property
    def index(self) -> dict[str, StakeholderType]:
        index = {_fold(t.label): t for t in self.types}
        index.update({t.slug: t for t in self.types})
        return index

    def clean(self, value, row=None, **kwargs) -> StakeholderType | None:
        text = (value or "").strip()
        if not text:
            return None
        found = self.index.get(text) or self.index.get(_fold(text))
        if found is None:
            slugs = ", ".join(t.slug for t in self.types)
            raise ValueError(
                f'"{text}" is not a stakeholder type; expected one of {slugs}, or its label'
            )
        return found

    def render(self, value, obj=None, **kwargs):
        return value.slug if value else ""


class TextWidget(widgets.Widget):
    """Free text, stripped, checked against the column's length; `required` names a blank."""

    def __init__(self, *, max_length: int, required: str | None = None):
        super().__init__()
        self.max_length = max_length
        self.required = required

    def clean(self, value, row=None, **kwargs) -> str:
        text = (value or "").strip()
        if not text and self.required:
            raise ValueError(self.required)
        if len(text) > self.max_length:
            raise ValueError(f"longer than {self.max_length} characters")
        return text


class EmailWidget(TextWidget):
    """An email address checked with Django's validator; blank when unknown."""

    def __init__(self):
        super().__init__(max_length=Expert._meta.get_field("email").max_length)

    def clean(self, value, row=None, **kwargs) -> str:
        text = super().clean(value, row, **kwargs)
        if text:
            try:
                validate_email(text)
                validate_email_address(text)
            except ValidationError:
                raise ValueError(f'"{text}" is not a valid email address') from None
        return text


def _text_widget(name: str, **kwargs) -> TextWidget:
    return TextWidget(max_length=Expert._meta.get_field(name).max_length, **kwargs)


def cell_widgets() -> dict[str, widgets.Widget]:
    """A fresh widget per column; each loads its lookups once, on first use."""
    return {
        "country": CountryWidget(),
        "working_group": WorkingGroupWidget(),
        "role": RoleWidget(),
        "stakeholder_type": StakeholderTypeWidget(),
        "institution": _text_widget("institution"),
        "name": _text_widget("name", required="missing name"),
        "position": _text_widget("position"),
        "gender": GenderWidget(),
        "region": _text_widget("region"),
        "email": EmailWidget(),
    }


class CompositionResource(resources.ModelResource):
    """One membership per row, in the file's column order; the export writes rows with it.

    An expert without any seat is exported as one row with blank working group and role,
    which the import reads back as "the person only" (see `compositions.services.import_plan`).
    Files are imported by `compositions.services.file_import.import_composition`, never row by row
    through django-import-export: it checks permissions, recognises people across rows
    and writes history in bulk.
    """

    country = fields.Field(attribute="expert__country", column_name="country")
    working_group = fields.Field(attribute="working_group", column_name="working_group")
    role = fields.Field(attribute="role", column_name="role")
    stakeholder_type = fields.Field(
        attribute="expert__stakeholder_type", column_name="stakeholder_type"
    )
    institution = fields.Field(attribute="expert__institution", column_name="institution")
    name = fields.Field(attribute="expert__name", column_name="name")
    position = fields.Field(attribute="expert__position", column_name="position")
    gender = fields.Field(attribute="expert__gender", column_name="gender")
    region = fields.Field(attribute="expert__region", column_name="region")
    email = fields.Field(attribute="expert__email", column_name="email")

    class Meta:
        model = Membership
        fields = COLUMNS
        export_order = COLUMNS

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        for name, widget in cell_widgets().items():
            self.fields[name].widget = widget

    @cached_property
    def _columns(self) -> list[fields.Field]:
        return self.get_export_fields()

    def row(self, membership) -> list:
        """The values of one membership's row, in column order.

        `membership` may be anything with `expert`, `working_group` and `role` attributes:
        the export passes light tuples, which for 100,000 rows is seconds faster than
        building model instances.
        """
        return [field.export(membership) for field in self._columns]

    def import_data(self, *args, **kwargs):
        raise NotImplementedError(
            "composition files are imported with "
            "compositions.services.file_import.import_composition"
        )
