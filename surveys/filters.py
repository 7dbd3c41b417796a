"""Filters of the survey lists, shared by the HTML lists and the API."""

import django_filters

from nmg_registry.filters import CountryFilter
from surveys.models import Response, ResponseStatus, Survey, SurveyStatus


class SurveyFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=SurveyStatus.choices, help_text="Rounds in this status."
    )

    class Meta:
        model = Survey
        fields = ["status"]


class ResponseFilterSet(django_filters.FilterSet):
    country = CountryFilter(help_text="EU or ISO country code, any letter case: EL, gr, UK, GB.")
    status = django_filters.ChoiceFilter(
        choices=ResponseStatus.choices, help_text="Drafts or submitted responses."
    )

    class Meta:
        model = Response
        fields = ["country", "status"]
