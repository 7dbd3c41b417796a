"""Filters of the expert lists, shared by the HTML lists and the API."""

import re

import django_filters
from django import forms
from django.db.models import Q
from drf_spectacular.utils import extend_schema_field

from compositions.as_of import memberships_at
from compositions.models import Expert, Gender, MembershipRole
from nmg_registry.filters import KEY_PATTERNS, CountryFilter, WorkingGroupFilter, any_case, one_of
from nmg_registry.models import StakeholderType
from nmg_registry.moments import PRESENT
from nmg_registry.vocabulary import StakeholderTypeWidget, fold_label

# Printable ASCII words, one space apart: the spellings the schema's pattern can list. The
# label folding reads `_` as a space, which the pattern does not spell out: the filter
# takes the space only.
STAKEHOLDER_TYPE_SYNTAX = re.compile(r"[!-^`-~]+(?: [!-^`-~]+)*")


def stakeholder_type_key_pattern() -> str:
    """The stakeholder types' slugs and labels in any letter case, as the filter takes them:
    one space between words, and at most one on either side of a `/`."""
    # StakeholderTypeWidget's reading: the slug as written, or anything whose folded
    # spelling is a slug's or a label's.
    alternatives = set()
    for slug, label in StakeholderType.objects.values_list("slug", "label"):
        if STAKEHOLDER_TYPE_SYNTAX.fullmatch(slug):
            alternatives.add("".join(f"\\x{ord(c):02X}" for c in slug))
        for key in (slug, fold_label(label)):
            if key == fold_label(key) and STAKEHOLDER_TYPE_SYNTAX.fullmatch(key):
                alternatives.add(any_case(key).replace(r"\x2F", r" ?\x2F ?"))
    return one_of(alternatives)


KEY_PATTERNS["stakeholder_type"] = stakeholder_type_key_pattern


class StakeholderTypeField(forms.CharField):
    """A stakeholder type by slug or label, any letter case: `elsi`, `Research/University`;
    in printable ASCII with single spaces, as the schema's pattern says."""

    def __init__(self, **kwargs):
        super().__init__(strip=False, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        if not STAKEHOLDER_TYPE_SYNTAX.fullmatch(value):
            raise forms.ValidationError(
                f'"{value}" is not a stakeholder type; expected a slug such as elsi or a label '
                "such as Research/University",
                code="invalid",
            )
        try:
            return StakeholderTypeWidget().clean(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="unknown") from None


@extend_schema_field(
    {
        "type": "string",
        "pattern": "^([!-~]+(?: [!-~]+)*)?$",
        "x-key-pattern": "stakeholder_type",
        "example": "research-university",
        "description": "Stakeholder type slug or label, any letter case: elsi.",
    }
)
class StakeholderTypeFilter(django_filters.Filter):
    field_class = StakeholderTypeField


SEARCHED_FIELDS = ("name", "institution", "position", "email", "region")


class ExpertFilterSet(django_filters.FilterSet):
    """Experts by text, country, stakeholder type and gender, and by seat: `working_group`
    and `role` together select the experts holding one seat of both (coordinators of WG3).
    At a past `moment` it filters the experts' versions then by the seats they held then."""

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

    def __init__(self, data=None, queryset=None, *, moment=PRESENT, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.moment = moment

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
            held = memberships_at(self.moment).filter(**seat)
            queryset = queryset.filter(id__in=held.values("expert_id"))
        return queryset


class ExpertThenFilterSet(ExpertFilterSet):
    """`ExpertFilterSet` on the experts' versions at a past moment (their history rows)."""

    class Meta(ExpertFilterSet.Meta):
        model = Expert.history.model


def expert_filterset(moment) -> type[ExpertFilterSet]:
    """The FilterSet of the experts at the moment: the records now, their versions then."""
    return ExpertFilterSet if moment.is_present else ExpertThenFilterSet
