"""Writes of the core registry."""

import datetime
import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from nmg_registry import permissions
from nmg_registry.models import ApiToken, Country, PendingImport, Representative

PENDING_IMPORT_LIFETIME = datetime.timedelta(days=1)


@transaction.atomic
def stage_import(*, user, kind: str, filename: str, data: bytes, options: dict) -> PendingImport:
    """Keep an uploaded file until its uploader confirms the preview; drop stale ones."""
    PendingImport.objects.filter(created_at__lt=timezone.now() - PENDING_IMPORT_LIFETIME).delete()
    return PendingImport.objects.create(
        kind=kind, user=user, filename=filename, data=data, options=options
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
