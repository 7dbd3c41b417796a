"""The one permission policy of the registry (DESIGN section 7).

Every view, form, admin class, import, export and API endpoint asks these functions who
may see or change what, and filters its lists with the `*_visible_to` querysets. Nothing
else in the code base decides access.

The roles:
- anonymous: reads aggregates only when NMG_PUBLIC_AGGREGATES is on;
- viewer: any other signed-in user; reads aggregates, country profiles, submitted responses;
- representative of X: a viewer who also keeps X's record, experts and responses;
- staff (WP6): a superuser or a holder of `nmg_registry.manage_registry`; reads and changes
  everything. Django's `is_staff` only lets a user into the admin, where the same policy
  then limits a representative to their own countries.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, Q, QuerySet


@dataclass(frozen=True)
class PolicyLine:
    """A line of the table of who may do what: a kind of record, and what each role may do."""

    records: str
    anonymous: str
    viewer: str
    representative: str
    staff: str


# The roles of the table, as its columns name them (attribute of PolicyLine, heading).
ROLES = (
    ("anonymous", "anonymous"),
    ("viewer", "viewer"),
    ("representative", "representative of X"),
    ("staff", "staff"),
)
# DESIGN section 7 in words, as the README and the privacy notice show it; the functions below
# decide it (tests/nmg_registry/test_privacy.py holds the two together).
POLICY_TABLE = (
    PolicyLine("aggregates, dashboards", "only if NMG_PUBLIC_AGGREGATES", "read", "read", "read"),
    PolicyLine("country profiles (non-personal)", "no", "read", "read", "read"),
    PolicyLine(
        "experts of X (personal data)", "no", "no", "read, edit, import", "read, edit, import"
    ),
    PolicyLine("X's response to an open round", "no", "no", "draft, submit", "all"),
    PolicyLine("submitted responses of any country", "only if public", "read", "read", "read"),
    PolicyLine("other countries' experts and draft responses", "no", "no", "no", "read"),
    PolicyLine("rounds, reference data", "no", "no", "no", "yes"),
)

# Declared in Country's Meta.permissions; granted through the "WP6 staff" group.
MANAGE_REGISTRY = "nmg_registry.manage_registry"

_COUNTRY_IDS_CACHE = "_nmg_represented_country_ids"


def is_signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_registry_staff(user) -> bool:
    """WP6 staff: may read and change every record and manage rounds and reference data."""
    return is_signed_in(user) and (user.is_superuser or user.has_perm(MANAGE_REGISTRY))


def represented_country_ids(user) -> frozenset[int]:
    """The ids of the countries the user represents, read once per user object."""
    if not is_signed_in(user):
        return frozenset()
    cached = getattr(user, _COUNTRY_IDS_CACHE, None)
    if cached is None:
        cached = frozenset(user.representations.values_list("country_id", flat=True))
        setattr(user, _COUNTRY_IDS_CACHE, cached)
    return cached


class Viewer:
    """A signed-in reader with no role, for a door without a request: what a command writes
    for "any signed-in user" (e.g. `assessment_report`). No account: it represents no
    country and holds no permission, so the policy reads it as a viewer without a query."""

    pk = id = None
    username = "viewer"
    is_active = True
    is_authenticated = True
    is_anonymous = False
    is_superuser = False
    is_staff = False

    def __init__(self):
        setattr(self, _COUNTRY_IDS_CACHE, frozenset())

    def has_perm(self, perm, obj=None) -> bool:
        return False


def forget_represented_countries(user) -> None:
    """Drop the cached country ids after the user's representations change."""
    if hasattr(user, _COUNTRY_IDS_CACHE):
        delattr(user, _COUNTRY_IDS_CACHE)


def represents(user, country) -> bool:
    country_id = getattr(country, "pk", country)
    return country_id in represented_country_ids(user)


# Aggregates and non-personal records


def can_read_aggregates(user) -> bool:
    """Dashboards, summaries and submitted responses, which feed them."""
    return is_signed_in(user) or settings.NMG_PUBLIC_AGGREGATES


def can_read_country_profiles(user) -> bool:
    """Country records and mirror groups: non-personal, for every signed-in user."""
    return is_signed_in(user)


def can_edit_country(user, country) -> bool:
    """A country's own record and its mirror groups."""
    return is_registry_staff(user) or represents(user, country)


def can_manage_registry(user) -> bool:
    """Rounds, questions, targets, reference data and user accounts."""
    return is_registry_staff(user)


# Experts and memberships: personal data


def can_read_experts(user, country) -> bool:
    return is_registry_staff(user) or represents(user, country)


def can_edit_experts(user, country) -> bool:
    """Also decides who may import a composition file for the country."""
    return is_registry_staff(user) or represents(user, country)


def acts_for_a_country(user) -> bool:
    """Staff, or a representative of at least one country: who keeps any country's records."""
    return is_registry_staff(user) or bool(represented_country_ids(user))


def expert_countries_readable_by(user) -> frozenset[str] | None:
    """`can_read_experts` for every country at once, as EU codes, for a view over all
    countries (an aggregate's breakdown by a personal attribute): None for a superuser,
    every country's code for other staff. At most one query: whether the user is staff is
    asked inside it."""
    if not is_signed_in(user):
        return frozenset()
    if user.is_superuser:
        return None
    if user.pk is None:  # a reader without an account (`Viewer`): no country, no permission
        return frozenset()
    from nmg_registry.models import Country  # the models are loaded after this module

    # Staff hold the permission: every country answers.
    readable = Country.objects.filter(
        Q(representatives__user=user) | Q(_holds_manage_registry(user))
    ).values_list("code", flat=True)
    return frozenset(readable)


def can_list_experts(user) -> bool:
    """Whether the user may list experts at all: staff, and representatives (who then see
    only their own countries' experts). A viewer is refused rather than shown an empty list."""
    return acts_for_a_country(user)


def experts_visible_to(user, queryset: QuerySet) -> QuerySet:
    """Filter a queryset of experts to those the user may read."""
    return records_of_own_countries(user, queryset, "country")


def memberships_visible_to(user, queryset: QuerySet) -> QuerySet:
    return records_of_own_countries(user, queryset, "expert__country")


def can_read_representatives(user, country) -> bool:
    """Who represents a country is personal data: staff and that country's representatives."""
    return is_registry_staff(user) or represents(user, country)


def representatives_visible_to(user, queryset: QuerySet) -> QuerySet:
    return records_of_own_countries(user, queryset, "country")


# Survey rounds and their responses


def can_read_round(user, survey) -> bool:
    """A draft round is staff's work in progress: to anyone else it does not exist (a 404,
    as for an unknown round, on every page, download and API address). Open and closed
    rounds are there for whoever reads the door they come through."""
    return survey.is_published or is_registry_staff(user)


def rounds_visible_to(user, queryset: QuerySet) -> QuerySet:
    """Filter a queryset of rounds as `can_read_round` decides one.

    Whether the user is staff is asked inside the list's own query, so that a list of
    rounds costs the same queries with drafts as without them."""
    if not is_signed_in(user):
        return queryset.published()
    if user.is_superuser:
        return queryset
    return queryset.published_or(_holds_manage_registry(user))


def _holds_manage_registry(user) -> Exists:
    """`is_registry_staff` for a signed-in user who is not a superuser, as SQL: the
    permission held directly or through a group, as Django's ModelBackend reads it."""
    from django.contrib.auth import get_user_model  # the user model is loaded after this module

    app_label, codename = MANAGE_REGISTRY.split(".")
    direct = Q(
        user_permissions__content_type__app_label=app_label,
        user_permissions__codename=codename,
    )
    grouped = Q(
        groups__permissions__content_type__app_label=app_label,
        groups__permissions__codename=codename,
    )
    return Exists(get_user_model().objects.filter(direct | grouped, pk=user.pk))


def can_read_response(user, response) -> bool:
    if not can_read_round(user, response.survey):
        return False
    if is_registry_staff(user) or represents(user, response.country_id):
        return True
    return response.is_submitted and can_read_aggregates(user)


def can_edit_response(user, response) -> bool:
    """Staff edit any response; a representative edits their country's while the round is open."""
    if is_registry_staff(user):
        return True
    return represents(user, response.country_id) and response.survey.is_open


def can_answer_survey(user, survey, country) -> bool:
    """Whether the user may start or change the country's response to the round."""
    if is_registry_staff(user):
        return True
    return represents(user, country) and survey.is_open


def responses_visible_to(user, queryset: QuerySet) -> QuerySet:
    """Submitted responses for aggregate readers, plus drafts of the user's own countries;
    for anyone but staff, only in the rounds `can_read_round` lets them see. Also filters
    a queryset of answers, through each answer's response."""
    if is_registry_staff(user):
        return queryset
    countries = represented_country_ids(user)
    if can_read_aggregates(user):
        visible = queryset.of_countries_or_submitted(countries)
    else:
        visible = queryset.of_countries(countries)
    return visible.in_published_rounds()


def answers_visible_to(user, queryset: QuerySet) -> QuerySet:
    return responses_visible_to(user, queryset)


def records_of_own_countries(user, queryset: QuerySet, country_path: str) -> QuerySet:
    """Country-scoped records the user keeps: every country's for staff, else only those of
    the countries the user represents. `country_path` leads from the model to its country."""
    if is_registry_staff(user):
        return queryset
    return queryset.filter(**{f"{country_path}__in": represented_country_ids(user)})


# Personal data on request (GDPR)


def can_erase_personal_data(user) -> bool:
    """Erase a person from the registry and its history, or export what it holds about them:
    WP6 staff only, never a representative, even one with admin access."""
    return is_registry_staff(user)


# API tokens


def api_tokens_managed_by(user, queryset: QuerySet) -> QuerySet:
    """The tokens a user lists and revokes on their own page: theirs alone, staff's too.
    Staff revoke other users' tokens in the admin, which is theirs only."""
    if not is_signed_in(user):
        return queryset.none()
    return queryset.filter(user=user)


# Pages of a country kept by its representatives


def countries_kept_by(user, queryset: QuerySet) -> QuerySet:
    """The countries whose record, experts and responses the user keeps ("My countries")."""
    return records_of_own_countries(user, queryset, "pk")


def can_read_country_history(user, country) -> bool:
    """The history names experts and holds draft answers, so it is personal data."""
    return can_read_experts(user, country)


def can_manage_rounds(user) -> bool:
    """Open and close rounds, follow who has answered, remind the late."""
    return is_registry_staff(user)


def can_open_answer_page(user, country) -> bool:
    """A country's answer page of a round: staff and the country's representatives, in every
    round status (a round that is not open shows the answers read-only). Whether they may
    change the answers is `can_answer_survey`."""
    return is_registry_staff(user) or represents(user, country)


def can_confirm_import(user, pending) -> bool:
    """A staged upload is imported only by the person who uploaded it and saw its preview,
    staff included."""
    return is_signed_in(user) and pending.user_id == user.pk
