"""API tokens: the user's page, hashed storage, authentication of API requests, the command
and the admin."""

import datetime
import hashlib
from io import StringIO

import pytest
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.test import APIRequestFactory

from nmg_registry import services
from nmg_registry.api.authentication import ApiTokenAuthentication
from nmg_registry.models import ApiToken
from tests import factories
from tests.admin_helpers import admin_url, as_admin_user

pytestmark = pytest.mark.django_db

PAGE = "/account/tokens/"
API = "/api/v1/targets/"


def revoke_url(token):
    return f"/account/tokens/{token.pk}/revoke/"


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def bearer(key, keyword="Token"):
    return {"HTTP_AUTHORIZATION": f"{keyword} {key}"}


# --- the page ----------------------------------------------------------------------------


def test_the_page_asks_anonymous_visitors_to_sign_in(client):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_new_tokens_key_is_shown_once_then_only_its_prefix(client, cast):
    client.force_login(cast.viewer)

    created = client.post(PAGE, {"name": "Power BI report"})

    assert created.status_code == 200
    key = created.context["key"]
    page = created.content.decode()
    assert key in page
    assert "shown only this once" in page
    assert "no-store" in created["Cache-Control"]
    assert messages_of(created) == ["Token “Power BI report” created."]
    token = ApiToken.objects.get(user=cast.viewer)
    assert (token.name, token.prefix) == ("Power BI report", key[:8])

    listed = client.get(PAGE).content.decode()

    assert key not in listed
    assert "Power BI report" in listed
    assert f"<code>{key[:8]}…</code>" in listed


def test_the_page_lists_only_the_users_own_tokens(client, cast):
    services.create_api_token(user=cast.viewer, name="Mine")
    services.create_api_token(user=cast.rep_es, name="Someone else's")
    client.force_login(cast.viewer)

    page = client.get(PAGE).content.decode()

    assert "Mine" in page
    assert "Someone else" not in page


def test_the_page_costs_fixed_queries(client, cast, django_assert_num_queries):
    client.force_login(cast.viewer)
    services.create_api_token(user=cast.viewer, name="One")
    client.get(PAGE)
    # session, user, the demo-data banner, the tokens
    with django_assert_num_queries(4):
        client.get(PAGE)
    for n in range(10):
        services.create_api_token(user=cast.viewer, name=f"More {n}")
    services.revoke_api_token(user=cast.viewer, token_id=ApiToken.objects.first().pk)

    with django_assert_num_queries(4):
        response = client.get(PAGE)

    assert len(response.context["tokens"].live) == 10
    assert len(response.context["tokens"].revoked) == 1


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "Give the token a name."),
        ("   ", "Give the token a name."),
        ("x" * 101, "Ensure this value has at most 100 characters (it has 101)."),
        ("Taken", "You already have a token of that name."),
    ],
)
def test_a_bad_name_is_refused_next_to_its_field(client, cast, name, error):
    services.create_api_token(user=cast.viewer, name="Taken")
    client.force_login(cast.viewer)

    response = client.post(PAGE, {"name": name})

    assert response.status_code == 200
    assert response.context["form"].errors == {"name": [error]}
    page = response.content.decode()
    assert 'aria-invalid="true"' in page
    assert f'<div id="id_name_error" role="alert"><p class="field-error">{error}</p>' in page
    assert ApiToken.objects.filter(user=cast.viewer).count() == 1


def test_two_users_may_name_their_tokens_alike(cast):
    services.create_api_token(user=cast.viewer, name="Report")

    services.create_api_token(user=cast.rep_es, name="Report")

    assert ApiToken.objects.filter(name="Report").count() == 2


def test_a_revoked_tokens_name_may_be_given_to_its_replacement(cast):
    old, _ = services.create_api_token(user=cast.viewer, name="Report")
    services.revoke_api_token(user=cast.viewer, token_id=old.pk)

    new, _ = services.create_api_token(user=cast.viewer, name="Report")

    assert new.pk != old.pk


def test_the_database_refuses_two_live_tokens_of_one_name(cast):
    services.create_api_token(user=cast.viewer, name="Report")

    with pytest.raises(IntegrityError):
        ApiToken.objects.create(
            user=cast.viewer, name="Report", prefix="x", key_hash=hashlib.sha256(b"x").hexdigest()
        )


def test_revoking_asks_for_confirmation_then_revokes(client, cast):
    token, key = services.create_api_token(user=cast.viewer, name="Old pipeline")
    client.force_login(cast.viewer)

    confirm = client.get(revoke_url(token))

    assert confirm.status_code == 200
    assert "Revoke token “Old pipeline”?" in confirm.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None

    revoked = client.post(revoke_url(token))

    assert revoked.status_code == 302
    assert revoked["Location"] == PAGE
    assert messages_of(revoked) == [
        f"Token “Old pipeline” ({key[:8]}…) revoked: requests that send it are refused from now on."
    ]
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client.get(API, **bearer(key)).status_code == 401
    page = client.get(PAGE).content.decode()
    assert "Revoked tokens" in page
    assert "/revoke/" not in page  # no revoke link left


def test_revoking_twice_changes_nothing(client, cast):
    token, _ = services.create_api_token(user=cast.viewer, name="Report")
    client.force_login(cast.viewer)
    client.post(revoke_url(token), follow=True)
    token.refresh_from_db()
    first_revocation = token.revoked_at

    again = client.post(revoke_url(token))

    assert messages_of(again) == ["Token “Report” was already revoked."]
    token.refresh_from_db()
    assert token.revoked_at == first_revocation


@pytest.mark.parametrize("user", ["rep_it", "staff"])
def test_another_users_token_cannot_be_revoked_from_the_page(client, cast, user):
    token, key = services.create_api_token(user=cast.viewer, name="Viewer's")
    client.force_login(getattr(cast, user))

    assert client.get(revoke_url(token)).status_code == 404
    assert client.post(revoke_url(token)).status_code == 404

    token.refresh_from_db()
    assert token.revoked_at is None
    assert client.get(API, **bearer(key)).status_code == 200


def test_the_revoke_service_refuses_another_users_token(cast):
    token, _ = services.create_api_token(user=cast.viewer, name="Viewer's")

    with pytest.raises(ApiToken.DoesNotExist):
        services.revoke_api_token(user=cast.rep_es, token_id=token.pk)


def test_signed_in_users_find_the_page_in_the_navigation(client, cast):
    client.force_login(cast.viewer)

    response = client.get(PAGE)

    assert (
        '<a href="/account/tokens/" aria-current="page">API tokens</a>' in response.content.decode()
    )


# --- storage -----------------------------------------------------------------------------


def test_only_the_keys_sha256_is_stored(cast):
    token, key = services.create_api_token(user=cast.viewer, name="Report")

    assert len(key) >= 43  # 32 random bytes
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiToken._meta.db_table}")
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert key not in stored
    assert key[:8] in stored  # the prefix, and nothing more of the key


def test_every_token_gets_a_different_key(cast):
    keys = {services.create_api_token(user=cast.viewer, name=f"T{n}")[1] for n in range(20)}

    assert len(keys) == 20


# --- authentication ----------------------------------------------------------------------


@pytest.mark.parametrize("keyword", ["Token", "Bearer", "token", "BEARER"])
def test_a_token_reads_the_api_as_its_user(client, cast, keyword):
    _, key = services.create_api_token(user=cast.viewer, name="Report")

    response = client.get(API, **bearer(key, keyword))

    assert response.status_code == 200
    assert response.wsgi_request.user == cast.viewer


def test_authentication_returns_the_user_and_the_token(cast):
    token, key = services.create_api_token(user=cast.rep_es, name="Report")
    request = APIRequestFactory().get(API, **bearer(key))

    assert ApiTokenAuthentication().authenticate(request) == (cast.rep_es, token)


def test_a_request_without_credentials_gets_401_with_a_challenge(client, db):
    response = client.get(API)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Token realm="api"'
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_a_revoked_token_is_refused_with_401_json(client, cast):
    token, key = services.create_api_token(user=cast.viewer, name="Report")
    services.revoke_api_token(user=cast.viewer, token_id=token.pk)

    response = client.get(API, **bearer(key))

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Token realm="api"'
    assert response.json() == {"detail": "This API token has been revoked."}


def test_the_token_of_an_inactive_account_is_refused(client, cast):
    _, key = services.create_api_token(user=cast.viewer, name="Report")
    cast.viewer.is_active = False
    cast.viewer.save(update_fields=["is_active"])

    response = client.get(API, **bearer(key))

    assert response.status_code == 401
    assert response.json() == {"detail": "The account of this API token is inactive."}


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        ("Token unknown-key-of-the-right-length-0123456789abcdef", "Invalid API token."),
        ("Bearer x", "Invalid API token."),
        ("Token", "Invalid Authorization header: no API token given."),
        (
            "Token two words",
            "Invalid Authorization header: send 'Token <key>', the key without spaces.",
        ),
        ("Token caf\xe9", "Invalid API token."),
    ],
    ids=["unknown", "short", "no key", "spaces", "not ascii"],
)
def test_an_unknown_or_garbled_token_is_refused_with_401_json(client, cast, header, detail):
    services.create_api_token(user=cast.viewer, name="Report")

    response = client.get(API, HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": detail}


def test_a_bad_token_is_refused_even_where_anonymous_readers_are_welcome(client, db, settings):
    settings.NMG_PUBLIC_AGGREGATES = True

    assert client.get(API).status_code == 200
    assert client.get(API, **bearer("not-a-token")).status_code == 401


def test_other_authorization_schemes_are_left_to_other_authentication(client, cast):
    client.force_login(cast.viewer)

    response = client.get(API, HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")

    assert response.status_code == 200  # the session authenticated it


def test_last_use_is_recorded_at_most_once_a_minute(client, cast):
    token, key = services.create_api_token(user=cast.viewer, name="Report")
    assert token.last_used_at is None

    client.get(API, **bearer(key))
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None
    client.get(API, **bearer(key))
    token.refresh_from_db()
    assert token.last_used_at == first_use

    ApiToken.objects.filter(pk=token.pk).update(
        last_used_at=first_use - datetime.timedelta(minutes=2)
    )
    client.get(API, **bearer(key))
    token.refresh_from_db()
    assert token.last_used_at > first_use - datetime.timedelta(seconds=1)


def test_token_authentication_costs_one_query_and_one_write_a_minute(
    cast, django_assert_num_queries
):
    _, key = services.create_api_token(user=cast.viewer, name="Report")
    authentication = ApiTokenAuthentication()
    factory = APIRequestFactory()

    # the token with its user, then the first use of the minute
    with django_assert_num_queries(2):
        authentication.authenticate(factory.get(API, **bearer(key)))
    with django_assert_num_queries(1):
        authentication.authenticate(factory.get(API, **bearer(key)))
    with django_assert_num_queries(1), pytest.raises(AuthenticationFailed, match="Invalid"):
        authentication.authenticate(factory.get(API, **bearer("unknown")))
    with django_assert_num_queries(0):
        assert authentication.authenticate(factory.get(API)) is None


def test_a_token_request_costs_one_query_less_than_a_session(client, cast):
    """The same API page read with a token (the token and its user in one query) and with a
    session (the session, then the user)."""
    _, key = services.create_api_token(user=cast.viewer, name="Report")
    client.get(API, **bearer(key))  # the first use of the minute writes

    with CaptureQueriesContext(connection) as token_queries:
        client.get(API, **bearer(key))
    client.force_login(cast.viewer)
    with CaptureQueriesContext(connection) as session_queries:
        client.get(API)

    assert len(token_queries) == len(session_queries) - 1


# --- the command -------------------------------------------------------------------------


def run_command(*args):
    out = StringIO()
    call_command("create_api_token", *args, stdout=out)
    return out.getvalue().splitlines()


def test_the_command_prints_a_working_key_on_its_last_line(client, cast):
    lines = run_command("viewer", "--name", "Nightly report")

    key = lines[-1]
    token = ApiToken.objects.get(user=cast.viewer)
    assert token.name == "Nightly report"
    assert token.key_hash == ApiToken.hash_key(key)
    assert 'API token "Nightly report" created for viewer' in lines[0]
    assert client.get(API, **bearer(key)).status_code == 200


def test_the_command_names_a_token_by_default(cast):
    run_command("viewer")

    assert ApiToken.objects.get(user=cast.viewer).name.startswith("manage.py 20")


def test_the_command_refuses_an_unknown_user_by_name(db):
    with pytest.raises(CommandError, match='No user "nobody"'):
        run_command("nobody")
    assert not ApiToken.objects.exists()


def test_the_command_refuses_an_inactive_account(cast):
    factories.UserFactory(username="gone", is_active=False)

    with pytest.raises(CommandError, match='The account "gone" is inactive'):
        run_command("gone")
    assert not ApiToken.objects.exists()


def test_the_command_refuses_a_taken_name(cast):
    run_command("viewer", "--name", "Report")

    with pytest.raises(CommandError, match='"viewer" already has a token named "Report"'):
        run_command("viewer", "--name", "Report")


# --- the admin ---------------------------------------------------------------------------


def test_staff_list_every_users_tokens_without_their_hashes(client, cast):
    token, _ = services.create_api_token(user=cast.viewer, name="Viewer's report")
    client.force_login(cast.staff)

    listing = client.get(admin_url(ApiToken))
    detail = client.get(admin_url(ApiToken, "change", token.pk))

    assert listing.status_code == detail.status_code == 200
    assert "Viewer&#x27;s report" in listing.content.decode()
    for page in (listing, detail):
        assert token.key_hash not in page.content.decode()
    assert client.get(admin_url(ApiToken, "add")).status_code == 403


def test_staff_revoke_any_users_tokens_in_the_admin(client, cast):
    token, key = services.create_api_token(user=cast.viewer, name="Report")
    client.force_login(cast.staff)

    response = client.post(
        admin_url(ApiToken), {"action": "revoke", "_selected_action": [token.pk]}, follow=True
    )

    assert "Revoked 1 API token(s)." in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client.get(API, **bearer(key)).status_code == 401


def test_representatives_with_admin_access_do_not_see_tokens(client, cast):
    services.create_api_token(user=cast.viewer, name="Report")
    client.force_login(as_admin_user(cast.rep_es))

    assert client.get(admin_url(ApiToken)).status_code == 403


def test_the_admin_changelist_costs_fixed_queries(client, cast, django_assert_num_queries):
    client.force_login(cast.staff)
    services.create_api_token(user=cast.viewer, name="First")
    client.get(admin_url(ApiToken))
    with django_assert_num_queries(8):
        client.get(admin_url(ApiToken))
    for n in range(20):
        services.create_api_token(user=factories.UserFactory(), name=f"Token {n}")

    with django_assert_num_queries(8):
        response = client.get(admin_url(ApiToken))

    assert response.context["cl"].result_count == 21


def test_tokens_of_a_deleted_user_go_with_it(cast):
    services.create_api_token(user=cast.viewer, name="Report")

    cast.viewer.delete()

    assert not ApiToken.objects.exists()
