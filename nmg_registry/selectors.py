"""Reads of the core registry for pages and exports."""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Count, Q

from analytics.selectors import CONFIGURATION_MODELS, configuration_model
from nmg_registry import permissions
from nmg_registry.models import ApiToken, Country, MirrorGroup, Representative
from surveys.models import Response, Survey


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
    is_draft: bool
    is_published: bool


@dataclass(frozen=True)
class HomeOverview:
    countries: list[Country]
    signatories: int
    rounds: list[RoundLine]


def home_overview(*, user) -> HomeOverview:
    """The countries and the survey rounds the user may see (drafts for staff alone) with
    their response counts, in two queries."""
    countries = list(Country.objects.order_by("code"))
    surveys = (
        permissions.rounds_visible_to(user, Survey.objects.all())
        .annotate(
            invited=Count("invited_countries", distinct=True),
            submitted=Count(
                "responses",
                filter=Q(responses__status=Response.Status.SUBMITTED),
                distinct=True,
            ),
        )
        .order_by("-opens_on", "slug")
    )
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
            is_draft=s.is_draft,
            is_published=s.is_published,
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


# The countries' pages


def country_list():
    """Countries sorted by code, each with its number of mirror groups, in one query."""
    return Country.objects.annotate(group_count=Count("mirror_groups")).order_by("code")


@dataclass(frozen=True)
class RepresentativeLine:
    id: int
    name: str
    email: str
    role: str
    role_label: str


@dataclass(frozen=True)
class CountryProfile:
    """What a country's profile page shows besides the country's own fields."""

    groups: list[MirrorGroup]
    configuration_model: str  # a key of analytics' CONFIGURATION_MODELS, or "" without groups
    representatives: list[RepresentativeLine] | None  # None: not the reader's to see

    @property
    def configuration_model_label(self) -> str:
        return CONFIGURATION_MODELS.get(self.configuration_model, "")


def country_representatives(*, country: Country) -> list[RepresentativeLine]:
    """Who acts for the country, with name, e-mail and role (personal data), in one query."""
    lines = Representative.objects.filter(country=country).select_related("user")
    return [
        RepresentativeLine(
            id=r.pk,
            name=r.user.get_full_name() or r.user.get_username(),
            email=r.user.email,
            role=r.role,
            role_label=r.get_role_display(),
        )
        for r in lines.order_by("user__last_name", "user__first_name", "user__username")
    ]


def country_mirror_groups(*, country: Country) -> list[MirrorGroup]:
    """The country's mirror groups with their working groups, in one query."""
    return list(
        MirrorGroup.objects.filter(country=country)
        .select_related("working_group")
        .order_by("kind", "working_group__number", "name")
    )


def country_profile(*, country: Country, with_representatives: bool) -> CountryProfile:
    """The non-personal profile of a country: its groups and the configuration model they
    make (the assessment's own rule); its representatives only when asked for. One query,
    two with the representatives."""
    groups = country_mirror_groups(country=country)
    model = configuration_model(Counter(group.kind for group in groups)) if groups else ""
    return CountryProfile(
        groups=groups,
        configuration_model=model,
        representatives=country_representatives(country=country) if with_representatives else None,
    )


class RoundProgress(StrEnum):
    NOT_STARTED = "not_started"
    DRAFT = Response.Status.DRAFT.value
    SUBMITTED = Response.Status.SUBMITTED.value


@dataclass(frozen=True)
class RoundState:
    """Where a country stands in one open round."""

    survey: Survey
    progress: RoundProgress
    saved_at: datetime.datetime | None  # the draft's last save
    submitted_at: datetime.datetime | None


@dataclass(frozen=True)
class KeptCountry:
    country: Country
    rounds: list[RoundState]  # the open rounds the country is invited to


def countries_kept(*, user) -> list[KeptCountry]:
    """ "My countries": each country the user keeps, with its response's progress in every
    open round it is invited to. Four queries whatever the number of countries or rounds."""
    countries = list(permissions.countries_kept_by(user, Country.objects.order_by("code")))
    if not countries:
        return []
    country_ids = [country.pk for country in countries]
    surveys = Survey.objects.open().in_bulk()
    invited: dict[int, list[Survey]] = defaultdict(list)
    invitations = (
        Survey.invited_countries.through.objects.filter(
            survey_id__in=list(surveys), country_id__in=country_ids
        )
        .order_by("survey__closes_on", "survey__slug")
        .values_list("country_id", "survey_id")
    )
    for country_id, survey_id in invitations:
        invited[country_id].append(surveys[survey_id])
    responses = {
        (r.country_id, r.survey_id): r
        for r in Response.objects.filter(
            survey_id__in=list(surveys), country_id__in=country_ids
        ).only("pk", "country_id", "survey_id", "status", "updated_at", "submitted_at")
    }
    return [
        KeptCountry(
            country=country,
            rounds=[
                _round_state(survey, responses.get((country.pk, survey.pk)))
                for survey in invited[country.pk]
            ],
        )
        for country in countries
    ]


def _round_state(survey: Survey, response: Response | None) -> RoundState:
    if response is None:
        return RoundState(survey, RoundProgress.NOT_STARTED, None, None)
    if response.is_submitted:
        return RoundState(survey, RoundProgress.SUBMITTED, None, response.submitted_at)
    return RoundState(survey, RoundProgress.DRAFT, response.updated_at, None)
