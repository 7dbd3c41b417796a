"""Filters of the expert lists, shared by the HTML lists and the API."""

import django_filters
from django import forms
from django.db.models import Q
from drf_spectacular.utils import extend_schema_field

from compositions.models import Expert, Gender, Membership, MembershipRole
from compositions.resources import StakeholderTypeWidget
from nmg_registry.filters import CountryFilter, WorkingGroupFilter


class StakeholderTypeField(forms.CharField):
    """A stakeholder type by slug or label, any letter case: `elsi`, `Research/University`."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            return StakeholderTypeWidget().clean(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="unknown") from None


@extend_schema_field(
    {
        "type": "string",
        "example": "research-university",
        "description": "Stakeholder type slug or label, any letter case: elsi.",
    }
)
class StakeholderTypeFilter(django_filters.Filter):
    field_class = StakeholderTypeField


SEARCHED_FIELDS = ("name", "institution", "position", "email", "region")


class ExpertFilterSet(django_filters.FilterSet):
    """Experts by text, country, stakeholder type and gender, and by seat: `working_group`
    and `role` together select the experts holding one seat of both (coordinators of WG3)."""

    q = django_filters.CharFilter(
        method="search",
        label="Search",
        help_text="Part of the name, institution, position, e-mail or region, any letter case.",
    )
    country = CountryFilter(help_text="EU or ISO country code, any letter case: EL, gr, UK, GB.")
    stakeholder_type = StakeholderTypeFilter(
        help_text="Stakeholder type slug or label, any letter case: elsi."
    )
    gender = django_filters.ChoiceFilter(choices=Gender.choices, help_text="Gender.")
    working_group = WorkingGroupFilter(
        method="filter_by_seat", help_text="Experts with a seat in this working group: 3 or WG3."
    )
    role = django_filters.ChoiceFilter(
        choices=MembershipRole.choices,
        method="filter_by_seat",
        help_text="Experts with a seat in this role (in `working_group` when given).",
    )

    class Meta:
        model = Expert
        fields = ["q", "country", "stakeholder_type", "gender", "working_group", "role"]

    def search(self, queryset, name, value):
        found = Q()
        for field_name in SEARCHED_FIELDS:
            found |= Q(**{f"{field_name}__icontains": value.strip()})
        return queryset.filter(found)

    def filter_by_seat(self, queryset, name, value):
        # Applied once for both parameters in filter_queryset, so that they meet in one seat.
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        seat = {
            name: self.form.cleaned_data[name]
            for name in ("working_group", "role")
            if self.form.cleaned_data.get(name)
        }
        if seat:
            queryset = queryset.filter(pk__in=Membership.objects.filter(**seat).values("expert_id"))
        return queryset
