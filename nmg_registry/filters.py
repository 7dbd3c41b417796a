"""Filters of the registry's lists: one FilterSet per list, shared by the HTML lists and the
API, and the lenient natural-key filters every app's FilterSets use.

A filter value that cannot be understood is an error naming the parameter and the value
(`unknown country "XX"`), never an empty list that looks like an answer. A blank value is no
filter, as a form's unselected field sends it.

The API's schema says exactly which values a natural-key filter takes: its `pattern` is
built, when the schema is served, from the keys in the database (`KEY_PATTERNS`), in the
spellings the filter accepts; anything else is the documented 400.
"""

import re
from collections.abc import Callable, Iterable

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

# `3`, `WG3`, `wg 3`, `WG-03`; [0-9], not \d, which takes any script's digits.
WORKING_GROUP_PATTERN = re.compile(r"(?:wg)?[ ._-]*0*([0-9]{1,4})", re.IGNORECASE)
COUNTRY_CODE_SYNTAX = re.compile(r"[A-Za-z]{2}")

# The schema's name of a natural-key filter (`"x-key-pattern": name`) → the pattern of the
# values it takes now. Apps add theirs; `nmg_registry.api.schema` fills them in.
KEY_PATTERNS: dict[str, Callable[[], str]] = {}


def any_case(text: str) -> str:
    """A regular expression, read alike by Python and by JSON Schema (ECMA 262), of the
    ASCII `text` in any letter case: letters as [Aa], digits as they are, any other
    character escaped as \\xHH."""
    parts = []
    for character in text:
        if not character.isascii():
            raise ValueError(f"not ASCII: {text!r}")
        if character.isalpha():
            parts.append(f"[{character.upper()}{character.lower()}]")
        elif character.isdigit():
            parts.append(character)
        else:
            parts.append(f"\\x{ord(character):02X}")
    return "".join(parts)


def one_of(alternatives: Iterable[str]) -> str:
    """A whole-value pattern of the given regular expressions, or of a blank (no filter)."""
    return "^(?:" + "|".join(sorted(set(alternatives))) + ")?$"


def country_key_pattern() -> str:
    """The countries' EU and ISO codes in any letter case."""
    codes = Country.objects.values_list("code", "iso_code")
    return one_of(any_case(code) for pair in codes for code in pair)


def working_group_key_pattern() -> str:
    """The working groups' numbers as `working_group_by_key` reads them."""
    numbers = WorkingGroup.objects.values_list("number", flat=True)
    return "^(?:(?:[Ww][Gg])?[ ._-]*0*(?:" + "|".join(str(n) for n in sorted(numbers)) + "))?$"


KEY_PATTERNS["country"] = country_key_pattern
KEY_PATTERNS["working_group"] = working_group_key_pattern


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
    """A country by EU or ISO code in any letter case (`EL`, `gr`, `UK`, `GB`); two letters
    and nothing else, as the schema's pattern says."""

    def __init__(self, **kwargs):
        super().__init__(strip=False, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        if not COUNTRY_CODE_SYNTAX.fullmatch(value):
            raise forms.ValidationError(
                f'"{value}" is not a country code; expected two letters such as EL or GR',
                code="invalid",
            )
        try:
            return Country.objects.resolve(value)
        except Country.DoesNotExist as exc:
            raise forms.ValidationError(str(exc), code="unknown") from None


class WorkingGroupField(forms.CharField):
    """A working group by number, `WG3` or `wg 3`, with nothing after it."""

    def __init__(self, **kwargs):
        super().__init__(strip=False, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        if not WORKING_GROUP_PATTERN.fullmatch(value):  # read as it comes, unstripped
            raise forms.ValidationError(
                f'"{value}" is not a working group; expected a number such as 3 or WG3',
                code="invalid",
            )
        try:
            return working_group_by_key(value)
        except WorkingGroup.DoesNotExist as exc:
            raise forms.ValidationError(str(exc), code="unknown") from None


@extend_schema_field(
    {
        "type": "string",
        "pattern": "^([A-Za-z]{2})?$",
        "x-key-pattern": "country",
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
        "pattern": "^((?:[Ww][Gg])?[ ._-]*[0-9]{1,4})?$",
        "x-key-pattern": "working_group",
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
