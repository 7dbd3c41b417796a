"""Limit/offset pagination that refuses a bad `limit` or `offset` instead of ignoring it."""

from rest_framework import pagination

from nmg_registry.api.exceptions import InvalidParameters


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """`?limit=` (1 to `max_limit`, default `default_limit`) and `?offset=` (from 0); the
    response carries `count`, the links to the `next` and `previous` pages, and `results`."""

    default_limit = 100
    max_limit = 1000
    limit_query_description = (
        f"How many results to return, from 1 to {max_limit}; {default_limit} when left out. "
        "Any other value is refused (400)."
    )
    offset_query_description = "How many results to skip, from 0."

    def paginate_queryset(self, queryset, request, view=None):
        # Check both parameters before any query, so a bad one costs nothing.
        self.get_limit(request)
        self.get_offset(request)
        return super().paginate_queryset(queryset, request, view)

    def get_limit(self, request):
        limit = whole_number(request, self.limit_query_param, minimum=1, maximum=self.max_limit)
        return self.default_limit if limit is None else limit

    def get_offset(self, request):
        offset = whole_number(request, self.offset_query_param, minimum=0)
        return offset or 0

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        for rel, offset in (("next", 200), ("previous", 0)):
            paginated["properties"][rel]["example"] = (
                f"https://nmg.example.org/api/v1/countries/?limit=100&offset={offset}"
            )
        return paginated

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.limit_query_param:
                parameter["schema"].update(
                    minimum=1, maximum=self.max_limit, example=self.default_limit
                )
            elif parameter["name"] == self.offset_query_param:
                parameter["schema"].update(minimum=0, example=0)
        return parameters


def whole_number(request, name: str, *, minimum: int, maximum: int | None = None) -> int | None:
    """The query parameter as a whole number of at least `minimum` (and at most `maximum`);
    None when absent. A blank value is refused: unlike a filter's, it has no meaning; so is
    one with spaces around it, which the schema's integer does not take."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    text = raw
    # Past 18 digits a number only means "more than there is" (and int() of thousands of
    # digits would raise); leading zeros mean nothing.
    value = int(text.lstrip("0")[:18] or "0") if text.isascii() and text.isdigit() else None
    if value is None or value < minimum or (maximum is not None and value > maximum):
        bounds = f"of at least {minimum}" if maximum is None else f"from {minimum} to {maximum}"
        raise InvalidParameters({name: [f'"{raw}" is not a whole number {bounds}.']})
    return value
