"""Moments in the registry's past: the one reading of `?as_of=` and `?round=` for every door
that shows a composition "as it stood then", and the versions of a record at a moment,
read from the history django-simple-history keeps (never from a second copy).

A round is the moment it closed; the core does not know rounds, so the surveys app
registers how to find that moment (`register_round_moment`).
"""

import datetime
import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ObjectDoesNotExist
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from nmg_registry import version_validity
from nmg_registry.errors import refusal

AS_OF = "as_of"
ROUND = "round"
DATE_HINT = "a date (YYYY-MM-DD) or an ISO 8601 date-time"


@dataclass(frozen=True)
class Moment:
    """When a figure is taken: `at` None is the present; `round` the slug it came from."""

    at: datetime.datetime | None = None
    round: str | None = None

    @property
    def is_present(self) -> bool:
        return self.at is None

    def describe(self) -> str:
        """How a page says which moment it shows."""
        if self.at is None:
            return "now"
        local = self.local()
        shown = f"{local.day} {local:%b %Y %H:%M}"
        if self.round:
            return f"as the round {self.round} closed ({shown})"
        return f"as of {shown}"

    def as_json(self) -> dict:
        """{"as_of": ISO date-time or null (the present), "round": slug or null}."""
        return {"as_of": self.local().isoformat() if self.at else None, "round": self.round}

    def local(self) -> datetime.datetime:
        """`at` in the registry's time zone; in UTC where that zone has no offset in whole
        minutes (local mean time before 1892 in Brussels), which RFC 3339 cannot write."""
        local = self.at.astimezone(registry_zone())
        return local if local.utcoffset().seconds % 60 == 0 else self.at.astimezone(datetime.UTC)


PRESENT = Moment()


class BadMoment(ValueError):
    """A moment parameter that cannot be read: a 400 naming the parameter and its value,
    worded as the API's other refusals of query parameters."""

    def __init__(self, parameter: str, message: str):
        super().__init__(f"Invalid query parameter. {parameter}: {message}")
        self.parameter, self.message = parameter, message
        self.errors = {parameter: [message]}


# --- the rounds' moments, registered by the app that keeps rounds -----------------------

_round_moment: list[Callable] = []


def register_round_moment(resolve: Callable) -> None:
    """`resolve(user, slug)` returns the moment the round closed (now for an open round), or
    raises ObjectDoesNotExist for a round the user may not see."""
    _round_moment[:] = [resolve]


def round_moment(user, slug: str) -> Moment:
    """The moment a round closed, as the user may see the round; 404 naming it otherwise."""
    if not _round_moment:
        raise Http404(f'No survey round "{slug}".')
    try:
        at = _round_moment[0](user, slug)
    except ObjectDoesNotExist as exc:
        raise Http404(str(exc)) from None
    return Moment(at=at, round=slug)


# --- reading the parameters ---------------------------------------------------------------


def registry_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


# The forms a moment is written in: ISO 8601's extended date, or its extended date-time with
# an optional zone. The basic forms (20201130) and week dates would read as midnight where a
# date means the end of its day: refused rather than read otherwise than meant.
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}([.,]\d+)?)?(Z|[+-]\d{2}:?\d{2})?", re.IGNORECASE
)


def parse_date_time(value: str) -> datetime.datetime | None:
    """A date (the end of that day) or an ISO 8601 date-time (naive: the registry's time
    zone) as an aware date-time in UTC; None when the value is neither."""
    value = value.strip()
    try:
        if _DATE.fullmatch(value):
            day = datetime.date.fromisoformat(value)
            at = datetime.datetime.combine(day, datetime.time.max, tzinfo=registry_zone())
        elif _DATE_TIME.fullmatch(value):
            at = datetime.datetime.fromisoformat(value.upper())
        else:
            return None
    except ValueError:
        return None
    at = at if timezone.is_aware(at) else at.replace(tzinfo=registry_zone())
    try:
        # In UTC: every database takes it (PostgreSQL refuses offsets beyond 15:59, which
        # Python reads); pages and JSON show it in the registry's zone (`Moment`).
        return at.astimezone(datetime.UTC)
    except OverflowError:
        # A moment at the calendar's very edge (year 1 east of UTC, year 9999 west of it):
        # before anything, or after everything, the registry holds.
        return EARLIEST if at.year == 1 else LATEST


# The calendar's edges, a day inside it so that every time zone can show them.
EARLIEST = datetime.datetime(1, 1, 2, tzinfo=datetime.UTC)
LATEST = datetime.datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=datetime.UTC)


def parse_as_of(value: str, parameter: str = AS_OF) -> datetime.datetime:
    """`value` as a moment; BadMoment naming the parameter and the value otherwise."""
    at = parse_date_time(value)
    if at is None:
        raise BadMoment(parameter, f'"{value}" is not {DATE_HINT}.')
    return at


def moment_from_query(query, *, user) -> Moment:
    """The moment `?as_of=` or `?round=` asks for (the present without either; blank values
    count as absent, as a picker's form sends them). Both at once is a BadMoment."""
    as_of = (query.get(AS_OF) or "").strip()
    slug = (query.get(ROUND) or "").strip()
    if as_of and slug:
        raise BadMoment(AS_OF, f"give either {AS_OF} or {ROUND}, not both.")
    if as_of:
        return Moment(at=parse_as_of(as_of))
    if slug:
        return round_moment(user, slug)
    return PRESENT


# Digits, dashes, colons, a T, a W or a zone: meant as a date or date-time, not as a slug.
_LOOKS_LIKE_A_MOMENT = re.compile(r"\d{4}[\dT:.+\-WZ ]*")


def moment_from_value(value: str, *, user, parameter: str) -> Moment:
    """A compare page's `before`/`after`: a date or date-time, else a round's slug."""
    value = (value or "").strip()
    if not value:
        raise BadMoment(parameter, f"give a round's slug or {DATE_HINT}.")
    at = parse_date_time(value)
    if at is not None:
        return Moment(at=at)
    try:
        return round_moment(user, value)
    except Http404:
        if _LOOKS_LIKE_A_MOMENT.fullmatch(value):
            # Meant as a date, but is not one: say so rather than "no such round".
            raise BadMoment(parameter, f'"{value}" is not {DATE_HINT}.') from None
        raise


def compared_moments(query, *, user) -> tuple[Moment, Moment]:
    """A comparison's `before` and `after` (`moment_from_value`), `before` not the later."""
    values = {name: (query.get(name) or "").strip() for name in ("before", "after")}
    before, after = (moment_from_value(values[name], user=user, parameter=name) for name in values)
    if before.at > after.at:
        raise BadMoment(
            "before",
            f'"{values["before"]}" is later than after ("{values["after"]}"): give the earlier '
            "moment as before.",
        )
    return before, after


def page_moment(view):
    """A page view that shows a moment: it is called with `moment=` read from the query
    (`moment_from_query`); a malformed one is a 400 naming it, HTML or JSON as the door."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            moment = moment_from_query(request.GET, user=request.user)
        except BadMoment as exc:
            return refusal(request, str(exc), errors=exc.errors)
        return view(request, *args, moment=moment, **kwargs)

    return wrapper


# --- versions at a moment -------------------------------------------------------------------


def versions_as_of(model, at: datetime.datetime) -> QuerySet:
    """The history rows of `model` as its records stood at `at`: for each record its latest
    version at or before `at`, unless that version is its removal ("-")."""
    return latest_versions(model, at).exclude(history_type="-")


def latest_versions(model, at: datetime.datetime) -> QuerySet:
    """For each record of `model` its latest version at or before `at`, its removal ("-")
    included: the record as it was last seen then. A version holds from its date until the
    next version's (`history_valid_until`, kept by the database: `version_validity`)."""
    history = model.history.model
    if not any(f.name == version_validity.FIELD for f in history._meta.fields):
        raise ImproperlyConfigured(
            f"{model.__name__} is read at a moment: declare its history with "
            "HistoricalRecords(bases=[VersionValidity]) (nmg_registry.version_validity)"
        )
    still_valid = Q(history_valid_until__isnull=True) | Q(history_valid_until__gt=at)
    return history.objects.filter(still_valid, history_date__lte=at)
