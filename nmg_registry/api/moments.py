"""The moment an API read shows (`?as_of=` / `?round=`), read as every other door reads it."""

from drf_spectacular.utils import OpenApiParameter

from nmg_registry.api.exceptions import InvalidParameters
from nmg_registry.moments import DATE_HINT, BadMoment, Moment, moment_from_query, moment_from_value


def api_moment(request) -> Moment:
    """`nmg_registry.moments.moment_from_query` for a DRF request; a malformed moment is a
    400 naming the parameter and the value."""
    try:
        return moment_from_query(request.query_params, user=request.user)
    except BadMoment as exc:
        raise InvalidParameters(exc.errors) from None


def api_moment_value(request, parameter: str) -> Moment:
    """A `before`/`after` parameter (a round's slug or a date) as a moment; 400 if malformed."""
    try:
        return moment_from_value(
            request.query_params.get(parameter, ""), user=request.user, parameter=parameter
        )
    except BadMoment as exc:
        raise InvalidParameters(exc.errors) from None


MOMENT_PARAMETERS = [
    OpenApiParameter(
        "as_of",
        str,
        OpenApiParameter.QUERY,
        description=(
            f"The composition as it stood at this moment: {DATE_HINT} (a date is the end of "
            "that day in the registry's time zone, Europe/Brussels). Before the registry held "
            "anything, the figures are empty. Not with `round`."
        ),
    ),
    OpenApiParameter(
        "round",
        str,
        OpenApiParameter.QUERY,
        description=(
            "The composition as it stood when this round closed (the end of its closing "
            "date; now, for an open round). Not with `as_of`."
        ),
    ),
]
