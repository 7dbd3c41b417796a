"""django-filter for the API lists, with a bad filter value answered as a 400 that names it."""

from django_filters.rest_framework import DjangoFilterBackend

from nmg_registry.api.exceptions import InvalidParameters


class FilterBackend(DjangoFilterBackend):
    """The view's FilterSet (`<app>/filters.py`, shared with the HTML lists) applied to the
    rows the policy already let through."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            raise InvalidParameters(filterset.errors)
        return filterset.qs

    def get_filterset_kwargs(self, request, queryset, view):
        # A view may hand its FilterSet more than the query, such as the moment it shows.
        extra = getattr(view, "get_filterset_extra_kwargs", dict)
        return {**super().get_filterset_kwargs(request, queryset, view), **extra()}
