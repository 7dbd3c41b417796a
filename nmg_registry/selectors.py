"""Reads of the core registry for pages and exports.

The country profile and "My countries" also show what the apps built on the core add
(the configuration model, the open rounds): each registers its additions in its
AppConfig.ready(), so the core reads no app above it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count

from nmg_registry import permissions
from nmg_registry.models import ApiToken, Country, MirrorGroup, Representative

# name -> read(country, groups): a value the country profile shows, from its mirror groups.
_profile_additions: dict[str, Callable] = {}
# name -> read(countries, user): {country id: value} for "My countries", in bulk.
_kept_country_additions: dict[str, Callable] = {}
# (template, read(country, user)): sections of the country profile after its mirror groups.
_profile_sections: list[tuple[str, Callable]] = []


def add_to_country_profile(name: str, read: Callable) -> None:
    """Registers `read(country, groups)`: the profile's `name`, from the groups it shows."""
    _profile_additions[name] = read


def add_section_to_country_profile(template: str, read: Callable) -> None:
    """Registers a section of the country profile: `template`, shown with `section` set to
    `read(country, user)` (what that reader may see), after the mirror groups."""
    _profile_sections.append((template, read))


def add_to_kept_countries(name: str, read: Callable) -> None:
    """Registers `read(countries, user)`, giving each kept country's `name` by its id, read
    in bulk for all of them."""
    _kept_country_additions[name] = read


class _WithAdditions:
    """Templates read an addition like a field (`profile.configuration_model`)."""

    def __getitem__(self, name: str):
        return self.additions[name]


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
class ProfileSection:
    """A section an app adds to the profile: its template and what it shows."""

    template: str
    value: object


@dataclass(frozen=True)
class CountryProfile(_WithAdditions):
    """What a country's profile page shows besides the country's own fields."""

    groups: list[MirrorGroup]
    representatives: list[RepresentativeLine] | None  # None: not the reader's to see
    additions: dict = field(default_factory=dict)  # by name, from the apps' registrations
    sections: list[ProfileSection] = field(default_factory=list)  # the apps', as read by the user


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


def country_profile(*, country: Country, with_representatives: bool, user=None) -> CountryProfile:
    """The non-personal profile of a country: its groups and what the apps read from them
    (the assessment's configuration model); its representatives only when asked for; with
    a `user`, the apps' sections as that user may read them (the country's trajectory). One
    query, two with the representatives, and those of the sections."""
    groups = country_mirror_groups(country=country)
    return CountryProfile(
        groups=groups,
        representatives=country_representatives(country=country) if with_representatives else None,
        additions={name: read(country, groups) for name, read in _profile_additions.items()},
        sections=[
            ProfileSection(template, read(country, user)) for template, read in _profile_sections
        ]
        if user is not None
        else [],
    )


@dataclass(frozen=True)
class KeptCountry(_WithAdditions):
    country: Country
    additions: dict  # by name, from the apps' registrations (surveys: its open "rounds")


def countries_kept(*, user) -> list[KeptCountry]:
    """ "My countries": each country the user keeps, with what the apps add to it (where it
    stands in the open rounds). One query, and those of the additions."""
    countries = list(permissions.countries_kept_by(user, Country.objects.order_by("code")))
    if not countries:
        return []
    added = {name: read(countries, user) for name, read in _kept_country_additions.items()}
    return [
        KeptCountry(
            country=country,
            additions={name: values.get(country.pk) for name, values in added.items()},
        )
        for country in countries
    ]
