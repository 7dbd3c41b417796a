"""Forms of the core registry."""

from django import forms
from django.db.models import Model
from django.forms.formsets import BaseFormSet

from nmg_registry.concurrency import VersionedFormMixin
from nmg_registry.models import ApiToken, Country, MirrorGroup, Representative, WorkingGroup
from nmg_registry.services import MIRROR_GROUP_FIELDS, RoleChange
from nmg_registry.validators import validate_web_address


class ApiTokenForm(forms.Form):
    """The name of a new API token; the service checks it is the user's only live one."""

    name = forms.CharField(
        label="Token name",
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text="Name the client that will use it, e.g. “Power BI report”, to tell tokens apart.",
        error_messages={"required": "Give the token a name."},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class InstanceFormMixin:
    """A plain form opened on a record: its fields start from the record's values. The
    service, not the form, applies the record's rules and saves it."""

    def __init__(self, *args, instance=None, **kwargs):
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(instance, name) for name in self.base_fields}
        super().__init__(*args, **kwargs)


def submitted_copy(form) -> dict:
    """The data an unbound form would send back unchanged, to bind a form to a record's
    current values (after an edit conflict) so that it can carry an error."""
    data = {}
    forms_ = [form.management_form, *form.forms] if isinstance(form, BaseFormSet) else [form]
    for part in forms_:
        for name in part.fields:
            value = part[name].value()
            if isinstance(value, Model):
                value = value.pk
            data[part.add_prefix(name)] = "" if value is None else value
    return data


def _address_field(name: str, *, label: str, help_text: str) -> forms.URLField:
    """An optional web address of the country's record (its field `name`), held to the
    registry's rule of a web address; one without a scheme is taken as https."""
    return forms.URLField(
        label=label,
        required=False,
        max_length=Country._meta.get_field(name).max_length,
        validators=[validate_web_address],
        assume_scheme="https",
        help_text=help_text,
        widget=forms.URLInput(attrs={"autocomplete": "url"}),
    )


class CountryRecordForm(InstanceFormMixin, VersionedFormMixin, forms.Form):
    """What a country's representatives keep up to date on its record."""

    health_genomics_plan_url = _address_field(
        "health_genomics_plan_url",
        label="National health genomics plan",
        help_text="The address of the plan's web page or document, e.g. https://www.example.gov/plan.",
    )
    national_roadmap_url = _address_field(
        "national_roadmap_url",
        label="National 1+MG roadmap",
        help_text="The address of the roadmap's web page or document.",
    )
    notes = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Anything readers of the profile should know. Every signed-in user reads it.",
    )


class RepresentativeRoleForm(forms.Form):
    """One representative's role; who they are is shown, never edited, here. The role the
    form was opened with goes back with it, so that a save writes only the roles the user
    changed and notices a role changed elsewhere meanwhile."""

    representative = forms.TypedChoiceField(coerce=int, widget=forms.HiddenInput)
    role = forms.ChoiceField(choices=Representative.Role.choices)
    opened_role = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, representatives=(), **kwargs):
        super().__init__(*args, **kwargs)
        by_id = {line.id: line for line in representatives}
        self.fields["representative"].choices = [(pk, pk) for pk in by_id]
        try:
            self.person = by_id.get(int(self["representative"].value()))
        except (TypeError, ValueError):
            self.person = None
        if self.person is not None:
            self.fields["role"].label = f"Role of {self.person.name}"


class BaseRepresentativeRoleFormSet(forms.BaseFormSet):
    def __init__(self, *args, representatives=(), **kwargs):
        self.representatives = list(representatives)
        if "initial" not in kwargs:
            kwargs["initial"] = [
                {"representative": line.id, "role": line.role, "opened_role": line.role}
                for line in self.representatives
            ]
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "representatives": self.representatives}

    @property
    def roles(self) -> dict[int, RoleChange]:
        """Representative id → the role shown when the form was opened and the one chosen,
        for the roles the user changed, from a valid formset."""
        changes = {}
        for form in self:
            change = RoleChange(form.cleaned_data["opened_role"], form.cleaned_data["role"])
            if change.role != change.opened:
                changes[form.cleaned_data["representative"]] = change
        return changes


RepresentativeRoleFormSet = forms.formset_factory(
    RepresentativeRoleForm,
    formset=BaseRepresentativeRoleFormSet,
    extra=0,
    can_delete=False,
)


class MirrorGroupForm(InstanceFormMixin, VersionedFormMixin, forms.Form):
    """A national mirror group; the service checks the kind against the working group."""

    kind = forms.ChoiceField(
        choices=MirrorGroup.Kind.choices,
        help_text="How the group fits in the country's NMG: the configuration model is "
        "derived from the kinds of its groups.",
    )
    working_group = forms.ModelChoiceField(
        queryset=WorkingGroup.objects.order_by("number"),
        required=False,
        empty_label="— none —",
        help_text="Only for a group for one working group; leave blank for any other kind.",
    )
    name = forms.CharField(max_length=MirrorGroup._meta.get_field("name").max_length)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    established_on = forms.DateField(
        label="Established on",
        required=False,
        help_text="Year-month-day, e.g. 2020-03-15.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["working_group"].label_from_instance = lambda wg: f"WG{wg.number} {wg.name}"

    @property
    def values(self) -> dict:
        """The cleaned fields, as the mirror-group services take them."""
        return {name: self.cleaned_data[name] for name in MIRROR_GROUP_FIELDS}


class MirrorGroupRemovalForm(VersionedFormMixin, forms.Form):
    """The confirmation of a group's removal: it carries the group's version and the number
    of memberships the page said would go with it, so that the removal is refused when
    either changed meanwhile."""

    seats = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, instance: MirrorGroup, seats: int, **kwargs):
        self.instance = instance
        kwargs.setdefault("initial", {"seats": seats})
        super().__init__(*args, **kwargs)

    @property
    def shown_seats(self) -> int | None:
        """The number of memberships the page showed, from a valid form; None when the
        form sent none (or no number), which matches no group."""
        value = self.cleaned_data.get("seats", "")
        return int(value) if value.isdecimal() and len(value) < 10 else None
