"""Filters of the registry's lists: one FilterSet per list, shared by the HTML lists and the
API, and the lenient natural-key filters every app's FilterSets use.

A filter value that cannot be understood is an error naming the parameter and the value
(`unknown country "XX"`), never an empty list that looks like an answer. A blank value is no
filter, as a form's unselected field sends it.
"""

import re

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema_field

from nmg_registry.models import (
    Country,
    HealthSystem,
    MirrorGroup,
    MirrorGroupKind,
    Participation,
    WorkingGroup,
)

WORKING_GROUP_PATTERN = re.compile(r"(?:wg)?[\s._-]*0*(\d{1,4})", re.IGNORECASE)


def working_group_by_key(text: str) -> WorkingGroup:
    """The working group written as `3`, `WG3` or `wg 3`.

    Raises WorkingGroup.DoesNotExist with a message naming the value.
    """
    text = (text or "").strip()
    match = WORKING_GROUP_PATTERN.fullmatch(text)
    if match is None:
        raise WorkingGroup.DoesNotExist(
            f'"{text}" is not a working group; expected a number such as 3 or WG3'
        )
    group = WorkingGroup.objects.filter(number=int(match.group(1))).first()
    if group is None:
        raise WorkingGroup.DoesNotExist(f'unknown working group "{text}"')
    return group


class CountryCodeField(forms.CharField):
    """A country by EU or ISO code in any letter case (`EL`, `gr`, `UK`, `GB`)."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            return Country.objects.resolve(value)
        except Country.DoesNotExist as exc:
            raise forms.ValidationError(str(exc), code="unknown") from None


class WorkingGroupField(forms.CharField):
    """A working group by number, `WG3` or `wg 3`."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            return working_group_by_key(value)
        except WorkingGroup.DoesNotExist as exc:
            raise forms.ValidationError(str(exc), code="unknown") from None


@extend_schema_field(
    {
        "type": "string",
        "pattern": "^([A-Za-z]{2})?$",
        "example": "EL",
        "description": "EU or ISO country code, any letter case: EL, gr, UK, GB.",
    }
)
class CountryFilter(django_filters.Filter):
    """Rows of one country, given by its EU or ISO code in any case."""

    field_class = CountryCodeField


@extend_schema_field(
    {
        "type": "string",
        "pattern": "^(([Ww][Gg])?[0-9]{1,4})?$",
        "example": "3",
        "description": "Working group number: 3 or WG3.",
    }
)
class WorkingGroupFilter(django_filters.Filter):
    """Rows of one working group, given as `3` or `WG3`."""

    field_class = WorkingGroupField


class CountryFilterSet(django_filters.FilterSet):
    participation = django_filters.ChoiceFilter(
        choices=Participation.choices, help_text="Participation in 1+MG."
    )
    health_system = django_filters.ChoiceFilter(
        choices=HealthSystem.choices, help_text="Health system type."
    )

    class Meta:
        model = Country
        fields = ["participation", "health_system"]


class MirrorGroupFilterSet(django_filters.FilterSet):
    country = CountryFilter(help_text="EU or ISO country code, any letter case: EL, gr, UK, GB.")
    kind = django_filters.ChoiceFilter(choices=MirrorGroupKind.choices, help_text="Kind of group.")
    working_group = WorkingGroupFilter(help_text="Groups that mirror this working group: 3 or WG3.")

    class Meta:
        model = MirrorGroup
        fields = ["country", "kind", "working_group"]
