"""The composition file (DESIGN section 5): its columns, how each cell is read, how each is written.

The cells are read with the registry's vocabulary (`nmg_registry.vocabulary`), the same
widgets as the survey responses file and the answer form. The import service cleans cells
with `cell_widgets`; the export dehydrates rows with `CompositionResource`.
"""

from functools import cached_property

from import_export import fields, resources, widgets

from compositions.models import Expert, Gender, Membership, MembershipRole
from nmg_registry.tabular import ImportSummary, write_csv
from nmg_registry.vocabulary import (
    ChoiceWidget,
    CountryWidget,
    EmailWidget,
    StakeholderTypeWidget,
    TextWidget,
    WorkingGroupWidget,
)

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
# A row is one seat of one expert of one country: these columns describe the seat, the rest
# (after the country) the expert.
SEAT_COLUMNS = ("working_group", "role")
EXPERT_COLUMNS = tuple(c for c in COLUMNS if c not in ("country", *SEAT_COLUMNS))


class RoleWidget(ChoiceWidget):
    """`coordinator` or `expert` in any case; blank means expert."""

    def __init__(self):
        super().__init__(choices=MembershipRole, what="a role", blank=MembershipRole.EXPERT)


class GenderWidget(ChoiceWidget):
    """`female`, `male`, `other`, `undisclosed` or their labels; blank when unknown."""

    def __init__(self):
        super().__init__(choices=Gender, what="a gender")


def _text_widget(name: str, kind: type[TextWidget] = TextWidget, **kwargs) -> TextWidget:
    return kind(max_length=Expert._meta.get_field(name).max_length, **kwargs)


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
        "email": _text_widget("email", EmailWidget),
    }


class CompositionResource(resources.ModelResource):
    """One membership per row, in the file's column order; the export writes rows with it.

    An expert without any seat is exported as one row with blank working group and role,
    which the import reads back as "the person only" (see `compositions.services.import_plan`).
    Files are imported by `compositions.services.file_import.import_composition`, never row by row
    through django-import-export's engine: it checks permissions, recognises people across
    rows and writes history in bulk. `import_data` hands a dataset to that import.
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

    def import_data(
        self,
        dataset,
        *,
        dry_run: bool = False,
        user=None,
        replace: bool = False,
        filename: str = "composition.csv",
    ) -> ImportSummary:
        """Import a tablib `dataset` laid out as the file through the registry's one composition
        import, as the commands and the admin do: the same permission checks, matching of
        people, history and messages. Returns its ImportSummary (nothing is written on a
        `dry_run`); raises ImportFailed naming every bad cell, and then writes nothing."""
        # The import service builds on this layout, so it is looked up when called.
        from compositions.services.file_import import import_composition

        return import_composition(
            data=write_csv(dataset.headers or (), dataset),
            filename=filename,
            dry_run=dry_run,
            user=user,
            replace=replace,
        )
