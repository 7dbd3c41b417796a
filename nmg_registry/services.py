"""Writes of the core registry."""

import datetime
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.template.defaultfilters import pluralize
from django.utils import timezone

from nmg_registry import permissions, personal_data
from nmg_registry.concurrency import changed_meanwhile, lock_unchanged
from nmg_registry.models import (
    ApiToken,
    Country,
    ErasureLog,
    MirrorGroup,
    PendingImport,
    Representative,
    WorkingGroup,
)

# API tokens

# A client's requests mark its token as used at most this often, not one write per request.
API_TOKEN_USE_RESOLUTION = datetime.timedelta(minutes=1)


@transaction.atomic
def create_api_token(*, user, name: str) -> tuple[ApiToken, str]:
    """A new token for the user, and its key: the only time the key exists outside the client.

    Raises ValidationError on the name when it is blank, too long, or already names one of
    the user's live tokens.
    """
    key = secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=(name or "").strip(),
        prefix=key[: ApiToken.PREFIX_LENGTH],
        key_hash=ApiToken.hash_key(key),
    )
    if not token.name:
        raise ValidationError({"name": "Give the token a name, e.g. the client that will use it."})
    # Uniqueness is left to the database (below): one query fewer, and no race.
    token.full_clean(exclude=["user"], validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            token.save()
    except IntegrityError as exc:  # the one constraint a valid new row can break
        raise ValidationError(
            {"name": ValidationError("You already have a token of that name.", code="taken")}
        ) from exc
    return token, key


@transaction.atomic
def revoke_api_token(*, user, token_id) -> ApiToken:
    """Revoke one of the user's own tokens; revoking it again changes nothing.

    Raises ApiToken.DoesNotExist for another user's token or an unknown id, so that the
    caller answers the same in both cases.
    """
    tokens = permissions.api_tokens_managed_by(user, ApiToken.objects.select_for_update())
    token = tokens.get(pk=token_id)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


@transaction.atomic
def revoke_api_tokens(*, tokens) -> int:
    """Staff's revocation of any tokens (the admin's action); returns how many were live."""
    return tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


def record_api_token_use(*, token: ApiToken) -> None:
    """Note that the token was just used, unless that was noted less than a minute ago.

    One UPDATE, atomic on its own: no transaction, so an API request pays one query for it
    at most once a minute.
    """
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < API_TOKEN_USE_RESOLUTION:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


@dataclass(frozen=True)
class RepresentativeAdded:
    representative: Representative
    user_created: bool
    link_created: bool


@transaction.atomic
def add_representative(
    *, username: str, country: Country, role: str, password: str | None = None
) -> RepresentativeAdded:
    """Let a user act for a country: create the user (with `password`) when missing, else
    give the existing user the country; an existing link takes the new role."""
    if role not in Representative.Role.values:
        raise ValidationError(
            f'"{role}" is not a role; expected {", ".join(Representative.Role.values)}'
        )
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    user_created = user is None
    if user_created:
        if not password:
            raise ValidationError(f"a password is needed to create the user {username}")
        user = User(username=username)
        validate_password(password, user)
        user.set_password(password)
        user.save()
    representative, link_created = Representative.objects.update_or_create(
        user=user, country=country, defaults={"role": role}
    )
    permissions.forget_represented_countries(user)
    return RepresentativeAdded(representative, user_created, link_created)


# A country's record and its mirror groups


def _check_may_edit(user, country: Country) -> None:
    if not permissions.can_edit_country(user, country):
        raise PermissionDenied(
            f"Only the representatives of {country.name} and WP6 staff may change its record."
        )


class RoleChange(NamedTuple):
    """A representative's role as the form showed it when opened, and the role wanted now."""

    opened: str
    role: str


@transaction.atomic
def update_country_record(
    *,
    user,
    country: Country,
    version: str,
    health_genomics_plan_url: str,
    national_roadmap_url: str,
    notes: str,
    roles: Mapping[int, RoleChange],
) -> Country:
    """Save the country's plan and roadmap links, notes and the roles the user changed.

    `roles` maps a representative's id to the role the form showed and the role wanted; only
    the roles a user changed are given, so a role changed elsewhere meanwhile is left alone,
    unless this save changes it too: then its stored role is no longer the one shown, an
    EditConflict. The country is saved even when only roles changed, so that its version
    moves on and a form opened before this save reports a conflict. Raises PermissionDenied,
    EditConflict (someone saved meanwhile: nothing is written) or ValidationError.
    """
    _check_may_edit(user, country)
    country = lock_unchanged(
        Country.objects.all(), pk=country.pk, version=version, label=str(country)
    )
    wanted = {pk: RoleChange(*change) for pk, change in roles.items()}
    unknown_roles = {change.role for change in wanted.values()} - set(Representative.Role.values)
    if unknown_roles:
        raise ValidationError(f"Not a role: {', '.join(sorted(unknown_roles))}.")
    representatives = {
        r.pk: r
        for r in Representative.objects.filter(country=country, pk__in=wanted)
        .select_related("user")
        .select_for_update(of=("self",))
    }
    strangers = set(wanted) - set(representatives)
    if strangers:
        raise ValidationError(
            f"{len(strangers)} of the people listed no longer act for {country.name}; "
            "reload the form."
        )
    changed = []
    for representative_id, change in wanted.items():
        representative = representatives[representative_id]
        if representative.role == change.role:
            continue
        if representative.role != change.opened:
            person = representative.user.get_full_name() or representative.user.get_username()
            raise changed_meanwhile(representative, label=f"The role of {person}")
        representative.role = change.role
        changed.append(representative)
    country.health_genomics_plan_url = health_genomics_plan_url
    country.national_roadmap_url = national_roadmap_url
    country.notes = notes
    country.full_clean(validate_unique=False, validate_constraints=False)
    country._history_user = user
    country.save()
    for representative in changed:
        representative._history_user = user
        representative.save(update_fields=["role"])
    return country


MIRROR_GROUP_FIELDS = ("kind", "working_group", "name", "description", "established_on")


def _check_mirror_group(group: MirrorGroup) -> None:
    """The group's own rules as errors on the fields a user can correct: a working group
    exactly for the kind that mirrors one, one group per working group, one name per country."""
    errors: dict[str, str] = {}
    mirrors_one = group.kind == MirrorGroup.Kind.WORKING_GROUP
    if mirrors_one and group.working_group is None:
        errors["working_group"] = "Choose the working group this group mirrors."
    elif not mirrors_one and group.working_group is not None:
        errors["working_group"] = (
            "Only a group for one working group names a working group: leave this blank for a "
            f"{group.get_kind_display().lower()}, or change the kind."
        )
    siblings = MirrorGroup.objects.filter(country_id=group.country_id).exclude(pk=group.pk)
    if "working_group" not in errors and group.working_group is not None:
        taken = siblings.filter(working_group=group.working_group).first()
        if taken is not None:
            errors["working_group"] = (
                f"{group.country.name} already has a group for {group.working_group.label}: "
                f"“{taken.name}”. A country has one group per working group."
            )
    name = (group.name or "").strip()
    if name and siblings.filter(name__iexact=name).exists():
        errors["name"] = f"{group.country.name} already has a mirror group named “{name}”."
    if errors:
        raise ValidationError(errors)
    group.full_clean(exclude=["country"], validate_unique=False, validate_constraints=False)


def _save_mirror_group(
    group: MirrorGroup,
    user,
    kind: str,
    working_group: WorkingGroup | None,
    name: str,
    description: str,
    established_on: datetime.date | None,
) -> MirrorGroup:
    """Gives the group these values, checks them and saves it with the user in its history."""
    group.kind = kind
    group.working_group = working_group
    group.name = (name or "").strip()
    group.description = description or ""
    group.established_on = established_on
    _check_mirror_group(group)
    group._history_user = user
    try:
        with transaction.atomic():
            group.save()
    except IntegrityError as exc:  # another save took the name or working group meanwhile
        raise ValidationError(
            "Another mirror group of the country was saved meanwhile with that name or working "
            "group; reload the page and try again."
        ) from exc
    return group


@transaction.atomic
def create_mirror_group(
    *,
    user,
    country: Country,
    kind: str,
    working_group: WorkingGroup | None,
    name: str,
    description: str = "",
    established_on: datetime.date | None = None,
) -> MirrorGroup:
    """Add a mirror group to the country. Raises PermissionDenied or ValidationError (on the
    field to correct)."""
    _check_may_edit(user, country)
    group = MirrorGroup(country=country)
    return _save_mirror_group(group, user, kind, working_group, name, description, established_on)


@transaction.atomic
def update_mirror_group(
    *,
    user,
    group: MirrorGroup,
    version: str,
    kind: str,
    working_group: WorkingGroup | None,
    name: str,
    description: str = "",
    established_on: datetime.date | None = None,
) -> MirrorGroup:
    """Change one of a country's mirror groups. Raises PermissionDenied, EditConflict
    (someone saved meanwhile: nothing is written) or ValidationError (on the field)."""
    _check_may_edit(user, group.country)
    group = lock_unchanged(
        MirrorGroup.objects.select_related("country"),
        pk=group.pk,
        version=version,
        label=f"The mirror group “{group.name}”",
    )
    return _save_mirror_group(group, user, kind, working_group, name, description, established_on)


@transaction.atomic
def remove_mirror_group(*, user, group: MirrorGroup, version: str, seats: int | None) -> int:
    """Remove a mirror group and the memberships (seats) in it; the experts stay. Returns
    how many memberships went with it.

    `version` and `seats` are the group's version and its number of memberships as the
    confirmation showed them: a group changed since raises EditConflict (also when it was
    removed meanwhile), and a different number of memberships a ValidationError saying how
    many would go now. Then nothing is removed.
    """
    _check_may_edit(user, group.country)
    group = lock_unchanged(
        MirrorGroup.objects.select_related("country"),
        pk=group.pk,
        version=version,
        label=f"The mirror group “{group.name}”",
    )
    # Locked, the group takes no new membership until this transaction ends.
    now = group.memberships.count()
    if now != seats:
        raise ValidationError(_seats_changed(now, seats), code="seats_changed")
    group._history_user = user
    group.delete()
    return now


def _seats_changed(now: int, shown: int | None) -> str:
    if now:
        text = (
            f"{now} membership{pluralize(now)} now point{pluralize(now, 's,')} at this group "
            "and would be removed with it"
        )
    else:
        text = "No membership points at this group any more"
    if shown is not None:
        text += f"; this page showed {shown or 'none'} when you opened it"
    return text + ". Nothing was removed: check the page and confirm again."


# User accounts erased on request (GDPR)


def plan_user_erasure(account) -> personal_data.ErasurePlan:
    """What anonymising `account` would change, for a dry run."""
    tokens = ApiToken.objects.live().filter(user=account).count()
    representations = Representative.objects.filter(user=account).count()
    sessions = len(_sessions_of(account))
    uploads = PendingImport.objects.filter(user=account).count()
    lines = (
        f"account {account.get_username()}: name, e-mail and user name replaced "
        f"(by {personal_data.anonymised_username(account)}), password made unusable, "
        "account deactivated",
        f"{tokens} API token(s) revoked, {sessions} session(s) ended",
        f"{representations} representation(s) of a country ended",
        f"{uploads} upload(s) waiting for confirmation deleted",
        f"{_changes_by(account)} historical version(s) changed by the account then name "
        f"{personal_data.ERASED_USER}",
    )
    return personal_data.ErasurePlan(
        kind=ErasureLog.Kind.USER,
        country=None,
        records=1 + representations,
        versions=_changes_by(account),
        uploads=uploads,
        lines=lines,
    )


@transaction.atomic
def erase_user_account(*, by, account) -> personal_data.ErasurePlan:
    """Anonymise a user account: name, e-mail and user name replaced, password unusable,
    account inactive, API tokens revoked, sessions ended, representations ended (kept in the
    history), its uploads and sign-in records deleted; the history then names "an erased
    user" wherever it names who changed something. `by` None is the command line."""
    if by is not None and not permissions.can_erase_personal_data(by):
        raise PermissionDenied("Only WP6 staff may erase personal data.")
    account = get_user_model()._default_manager.select_for_update().get(pk=account.pk)
    username = account.get_username()
    texts = personal_data.naming_texts([account.get_full_name(), account.email])
    representations = list(Representative.objects.filter(user=account))
    representative_ids = [r.pk for r in representations]
    for representation in representations:
        representation._history_user = by if permissions.is_signed_in(by) else None
        representation.delete()
    ApiToken.objects.live().filter(user=account).update(revoked_at=timezone.now())
    for session in _sessions_of(account):
        session.delete()
    uploads = PendingImport.objects.filter(user=account).delete()[0]
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        model.objects.filter(username=username).delete()
    account.username = personal_data.anonymised_username(account)
    account.first_name = account.last_name = account.email = ""
    account.password = personal_data.ERASED_PASSWORD
    account.is_active = account.is_staff = account.is_superuser = False
    account.save()
    account.groups.clear()
    account.user_permissions.clear()
    permissions.forget_represented_countries(account)
    # The admin's log names the account and its representations by their user name.
    personal_data.scrub_admin_log(get_user_model(), [account.pk], [username, *texts])
    personal_data.scrub_admin_log(Representative, representative_ids, [username, *texts])
    mentions = personal_data.scrub_mentions([personal_data.Naming(own=tuple(texts))])
    versions = _changes_by(account)
    personal_data.log_erasure(
        by=by,
        kind=ErasureLog.Kind.USER,
        country=None,
        records=1 + len(representations),
        versions=versions,
    )
    return personal_data.ErasurePlan(
        kind=ErasureLog.Kind.USER,
        country=None,
        records=1 + len(representations),
        versions=versions,
        uploads=uploads,
        mentions=mentions,
    )


def _sessions_of(account) -> list[Session]:
    """The stored sessions signed in as the account (each session's data is decoded)."""
    return [
        session
        for session in Session.objects.all()
        if session.get_decoded().get(SESSION_KEY) == str(account.pk)
    ]


def _changes_by(account) -> int:
    """How many historical versions, in every history table, the account made."""
    tables = [
        model
        for model in apps.get_models()
        if any(field.name == "history_user" for field in model._meta.concrete_fields)
    ]
    return sum(model.objects.filter(history_user_id=account.pk).count() for model in tables)


# Retention of the history


@dataclass(frozen=True)
class Purged:
    """What purge_history scrubbed (or would) of one kind of people's records."""

    model_label: str
    records: int
    versions: int


@transaction.atomic
def purge_history(*, older_than_days: int, dry_run: bool = False) -> list[Purged]:
    """Scrub the people's records (experts) removed more than `older_than_days` ago, as an
    erasure does: every historical version's identifying fields, the admin's log of them and
    the free text naming them; one erasure-log line per country. `dry_run` counts only.
    Raises ValueError when the days reach before the calendar's first day."""
    cutoff = timezone.now() - retention_period(older_than_days)
    purged = []
    for source in personal_data.people_sources():
        model = source.model
        removed = personal_data.deleted_before(model, cutoff)
        ids = personal_data.unscrubbed_ids(model, removed)
        versions = personal_data.unscrubbed_versions(model, ids)
        purged.append(Purged(str(model._meta.verbose_name_plural), len(ids), versions))
        if dry_run or not ids:
            continue
        by_country = {}
        for pk in ids:
            by_country.setdefault(removed[pk], []).append(pk)
        countries = Country.objects.in_bulk(list(by_country))
        for country_id, country_ids in sorted(by_country.items()):
            personal_data.log_erasure(
                by=None,
                kind=ErasureLog.Kind.PURGE,
                country=countries.get(country_id),
                records=len(country_ids),
                versions=source.scrub(country_ids),
            )
    return purged


def retention_period(days: int) -> datetime.timedelta:
    """`days` as a period before now; ValueError, saying the largest number accepted, when
    it reaches before the calendar's first day."""
    longest = (timezone.now() - datetime.datetime.min.replace(tzinfo=datetime.UTC)).days - 1
    if days < 0:
        raise ValueError(f"--older-than takes a number of days, 0 or more, not {days}.")
    if days > longest:
        raise ValueError(
            f"--older-than takes a number of days up to {longest} (the calendar's first day), "
            f"not {days}."
        )
    return datetime.timedelta(days=days)
