"""The moment an API read shows (`?as_of=` / `?round=`), read as every other door reads it."""

from drf_spectacular.utils import OpenApiParameter

from nmg_registry.api.exceptions import InvalidParameters
from nmg_registry.moments import DATE_HINT, BadMoment, Moment, compared_moments, moment_from_query


def api_moment(request) -> Moment:
    """`nmg_registry.moments.moment_from_query` for a DRF request; a malformed moment is a
    400 naming the parameter and the value."""
    try:
        return moment_from_query(request.query_params, user=request.user)
    except BadMoment as exc:
        raise InvalidParameters(exc.errors) from None


def api_compared_moments(request) -> tuple[Moment, Moment]:
    """`before` and `after` (each a round's slug or a date) as moments, `before` not the
    later; 400 if malformed."""
    try:
        return compared_moments(request.query_params, user=request.user)
    except BadMoment as exc:
        raise InvalidParameters(exc.errors) from None


# What the parameters accept, as the schema says it: a date, a date-time, or a round's slug.
DATE_OR_TIME = [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]
ROUND_SLUG = {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"}
MOMENT_VALUE = {"anyOf": [*DATE_OR_TIME, ROUND_SLUG]}
# Blank is no moment, as a picker's form sends an unused field.
BLANK = {"type": "string", "enum": [""]}

MOMENT_PARAMETERS = [
    OpenApiParameter(
        "as_of",
        {"anyOf": [*DATE_OR_TIME, BLANK]},
        OpenApiParameter.QUERY,
        description=(
            f"The composition as it stood at this moment: {DATE_HINT} (a date is the end of "
            "that day in the registry's time zone, Europe/Brussels). Before the registry held "
            "anything, the figures are empty. Not with `round`."
        ),
    ),
    OpenApiParameter(
        "round",
        {"anyOf": [ROUND_SLUG, BLANK]},
        OpenApiParameter.QUERY,
        description=(
            "The composition as it stood when this round closed (the end of its closing "
            "date; now, for an open round). Not with `as_of`."
        ),
    ),
]
