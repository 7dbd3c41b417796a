"""Reads of the core registry for pages and exports."""

from dataclasses import dataclass

from django.db.models import Count, Q

from nmg_registry import permissions
from nmg_registry.models import ApiToken, Country
from surveys.models import Survey


@dataclass(frozen=True)
class RoundLine:
    slug: str
    title: str
    status: str
    status_label: str
    opens_on: object
    closes_on: object
    invited: int
    submitted: int


@dataclass(frozen=True)
class HomeOverview:
    countries: list[Country]
    signatories: int
    rounds: list[RoundLine]


def home_overview() -> HomeOverview:
    """The countries and the survey rounds with their response counts, in two queries."""
    countries = list(Country.objects.order_by("code"))
    surveys = Survey.objects.annotate(
        invited=Count("invited_countries", distinct=True),
        submitted=Count("responses", filter=Q(responses__status="submitted"), distinct=True),
    ).order_by("-opens_on", "slug")
    rounds = [
        RoundLine(
            slug=s.slug,
            title=s.title,
            status=s.status,
            status_label=s.get_status_display(),
            opens_on=s.opens_on,
            closes_on=s.closes_on,
            invited=s.invited,
            submitted=s.submitted,
        )
        for s in surveys
    ]
    signatories = sum(c.participation == Country.Participation.SIGNATORY for c in countries)
    return HomeOverview(countries=countries, signatories=signatories, rounds=rounds)


@dataclass(frozen=True)
class UserApiTokens:
    live: list[ApiToken]
    revoked: list[ApiToken]


def api_tokens_of(*, user) -> UserApiTokens:
    """The tokens on the user's page, newest first, in one query: live, then revoked."""
    tokens = list(permissions.api_tokens_managed_by(user, ApiToken.objects.all()))
    return UserApiTokens(
        live=[token for token in tokens if not token.is_revoked],
        revoked=[token for token in tokens if token.is_revoked],
    )
