"""Forms of a country's experts page: one expert with their seats, the list's filters, and
the composition upload."""

from django import forms

from compositions.models import Expert, MembershipRole
from compositions.services.experts import SeatInput
from nmg_registry.admin_imports import SpreadsheetUploadForm
from nmg_registry.concurrency import VersionedFormMixin
from nmg_registry.models import MirrorGroup, StakeholderType, WorkingGroup

SEAT_PREFIX = "seats"


class ExpertForm(VersionedFormMixin, forms.ModelForm):
    """An expert's own fields; the country comes from the page, the rules from the service."""

    class Meta:
        model = Expert
        fields = [
            "name",
            "institution",
            "position",
            "gender",
            "region",
            "email",
            "stakeholder_type",
        ]
        labels = {"email": "E-mail", "position": "Position"}
        help_texts = {
            "email": "With the country, it tells two people of the same name apart.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stakeholder_type"].empty_label = "Unknown"
        self.fields["gender"].choices = [("", "Unknown"), *self.fields["gender"].choices[1:]]


class ObjectChoiceField(forms.ChoiceField):
    """A choice among objects read once by the caller, given as {id: object}."""

    def __init__(self, *, objects: dict, label_of, empty_label: str, **kwargs):
        self.objects = objects
        choices = [("", empty_label), *[(str(pk), label_of(obj)) for pk, obj in objects.items()]]
        super().__init__(choices=choices, required=False, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return self.objects[int(value)]
        except (KeyError, TypeError, ValueError):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            ) from None

    def validate(self, value):
        forms.Field.validate(self, value)  # the choice itself was checked by to_python

    def prepare_value(self, value):
        return str(value.pk) if hasattr(value, "pk") else value


class SeatForm(forms.Form):
    """One seat of the expert: a working group, a mirror group of the country, or both."""

    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    working_group = forms.Field()
    mirror_group = forms.Field()
    role = forms.ChoiceField(choices=MembershipRole.choices, initial=MembershipRole.EXPERT)

    def __init__(self, *args, working_groups: dict, mirror_groups: dict, country, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["working_group"] = ObjectChoiceField(
            objects=working_groups,
            label_of=lambda group: f"{group.label} {group.name}",
            empty_label="None or unknown",
            label="Working group",
            error_messages={"invalid_choice": "Choose one of the working groups."},
        )
        self.fields["mirror_group"] = ObjectChoiceField(
            objects=mirror_groups,
            label_of=lambda group: group.name,
            empty_label="None",
            label="Mirror group",
            error_messages={
                "invalid_choice": f"Choose one of the mirror groups of {country.name}."
            },
        )


class BaseSeatFormSet(forms.BaseFormSet):
    """The seat rows of an expert of `country`: their stored seats (prefetched) when
    `expert` is given, then blank rows."""

    def __init__(self, *args, country, expert=None, **kwargs):
        if expert is not None:
            kwargs["initial"] = [
                {
                    "id": m.pk,
                    "working_group": m.working_group_id,
                    "mirror_group": m.mirror_group_id,
                    "role": m.role,
                }
                for m in expert.memberships.all()
            ]
        working_groups = {g.pk: g for g in WorkingGroup.objects.order_by("number")}
        mirror_groups = {g.pk: g for g in MirrorGroup.objects.filter(country=country)}
        kwargs["form_kwargs"] = {
            "working_groups": working_groups,
            "mirror_groups": mirror_groups,
            "country": country,
        }
        kwargs.setdefault("prefix", SEAT_PREFIX)
        super().__init__(*args, **kwargs)

    def seats(self) -> tuple[list[SeatInput], list[int]]:
        """The rows to save, keyed by their form's index, and the stored seats to remove."""
        seats, removed = [], []
        for index, form in enumerate(self.forms):
            data = form.cleaned_data
            if not data or (not form.has_changed() and not data.get("id")):
                continue
            if data.get("DELETE"):
                if data.get("id"):
                    removed.append(data["id"])
                continue
            seats.append(
                SeatInput(
                    pk=data.get("id"),
                    working_group=data.get("working_group"),
                    mirror_group=data.get("mirror_group"),
                    role=data["role"],
                    row=index,
                )
            )
        return seats, removed

    def add_service_errors(self, errors: list) -> list[str]:
        """Place the service's seat errors on their rows; returns those that name no row."""
        unplaced = []
        for error in errors:
            params = error.params or {}
            row, field_name = params.get("row"), params.get("field")
            if row is None or row >= len(self.forms):
                unplaced.extend(error.messages)
                continue
            form = self.forms[row]
            if field_name not in form.fields:
                field_name = None
            form.add_error(field_name, error.messages)
        return unplaced


SeatFormSet = forms.formset_factory(SeatForm, formset=BaseSeatFormSet, extra=2, can_delete=True)


def prepare_filter_form(filter_form) -> None:
    """Select widgets for the list's filters, whose fields the shared FilterSet defines."""
    fields = filter_form.fields
    fields["working_group"].widget = forms.Select(
        choices=[
            ("", "All working groups"),
            *[
                (str(g.number), f"{g.label} {g.name}")
                for g in WorkingGroup.objects.order_by("number")
            ],
        ]
    )
    fields["working_group"].label = "Working group"
    fields["stakeholder_type"].widget = forms.Select(
        choices=[
            ("", "All stakeholder types"),
            *[(t.slug, t.label) for t in StakeholderType.objects.all()],
        ]
    )
    fields["stakeholder_type"].label = "Stakeholder type"
    fields["q"].widget.input_type = "search"


class CompositionUploadForm(SpreadsheetUploadForm):
    """The admin's upload form (size limit included) with the page's own wording."""

    replace = forms.BooleanField(
        required=False,
        label="Replace the whole composition of this country",
        help_text=(
            "The file becomes the country's whole composition: experts and seats that are "
            "not in the file are removed. Without it, the file adds and updates only."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = "Composition file"
