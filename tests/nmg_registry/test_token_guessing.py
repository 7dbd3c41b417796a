"""Guessing API tokens is throttled like signing in is locked out: each refused token counts
against the anonymous rate of the client's address (the count anonymous API requests use),
past it every token from that address gets 429 with Retry-After without being looked up;
each refusal is logged with the address, never the key."""

import logging

import pytest
from rest_framework.throttling import SimpleRateThrottle

from nmg_registry import services

pytestmark = pytest.mark.django_db

API = "/api/v1/targets/"


@pytest.fixture
def anon_rate(monkeypatch):
    """Sets the anonymous rate (tests/conftest.py switches the limits off)."""

    def set_rate(per_minute: int):
        monkeypatch.setattr(
            SimpleRateThrottle, "THROTTLE_RATES", {"anon": f"{per_minute}/min", "user": None}
        )

    return set_rate


def guess(client, key="wrong-key", **extra):
    return client.get(API, HTTP_AUTHORIZATION=f"Token {key}", **extra)


def assert_throttled(response):
    assert response.status_code == 429
    wait = int(response["Retry-After"])
    assert 0 < wait <= 60
    assert response.json() == {
        "detail": f"Request was throttled. Expected available in {wait} seconds."
    }


def test_150_wrong_tokens_in_a_minute_get_60_refusals_then_429(client, db, anon_rate):
    anon_rate(60)  # the default NMG_API_ANON_RATE

    statuses = [guess(client, f"guess-{n}").status_code for n in range(150)]

    assert statuses == [401] * 60 + [429] * 90
    assert_throttled(guess(client))


def test_past_the_limit_even_the_right_token_waits_and_nothing_is_looked_up(
    client, cast, anon_rate, django_assert_num_queries
):
    anon_rate(3)
    _, key = services.create_api_token(user=cast.viewer, name="Report")
    for n in range(3):
        assert guess(client, f"guess-{n}").status_code == 401

    with django_assert_num_queries(0):
        response = guess(client, key)

    assert_throttled(response)


def test_other_addresses_keep_their_own_count(client, cast, anon_rate):
    anon_rate(2)
    _, key = services.create_api_token(user=cast.viewer, name="Report")
    for n in range(3):
        guess(client, f"guess-{n}")

    assert guess(client, REMOTE_ADDR="192.0.2.7").status_code == 401
    assert guess(client, key, REMOTE_ADDR="192.0.2.8").status_code == 200


def test_a_right_token_before_the_limit_is_not_counted(client, cast, anon_rate):
    anon_rate(2)
    _, key = services.create_api_token(user=cast.viewer, name="Report")

    statuses = [guess(client, key).status_code for _ in range(5)]

    assert statuses == [200] * 5
    assert guess(client).status_code == 401


def test_malformed_and_revoked_tokens_count_too(client, cast, anon_rate):
    anon_rate(3)
    token, key = services.create_api_token(user=cast.viewer, name="Report")
    services.revoke_api_token(user=cast.viewer, token_id=token.pk)

    statuses = [
        client.get(API, HTTP_AUTHORIZATION="Token").status_code,
        client.get(API, HTTP_AUTHORIZATION="Token a b").status_code,
        guess(client, key).status_code,
        guess(client, key).status_code,
    ]

    assert statuses == [401, 401, 401, 429]


def test_refused_tokens_and_anonymous_requests_share_one_count(client, settings, anon_rate):
    settings.NMG_PUBLIC_AGGREGATES = True
    anon_rate(4)

    statuses = [
        client.get(API).status_code,
        guess(client).status_code,
        client.get(API).status_code,
        guess(client).status_code,
        client.get(API).status_code,
        guess(client).status_code,
    ]

    assert statuses == [200, 401, 200, 401, 429, 429]


def test_behind_the_proxy_forged_forwarded_hops_do_not_dodge_the_count(client, settings, anon_rate):
    anon_rate(2)
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}

    # The proxy appends the address it saw (203.0.113.9); the earlier hops are the client's.
    statuses = [
        guess(client, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.9").status_code
        for n in range(3)
    ]

    assert statuses == [401, 401, 429]
    assert guess(client, HTTP_X_FORWARDED_FOR="203.0.113.10").status_code == 401


def test_each_refusal_is_logged_with_the_address_never_the_key(client, db, caplog):
    key = "sEcReT-guess-1234567890"

    with caplog.at_level(logging.WARNING, logger="nmg_registry.api.authentication"):
        guess(client, key, REMOTE_ADDR="192.0.2.44")

    records = [r for r in caplog.records if r.name == "nmg_registry.api.authentication"]
    assert [r.getMessage() for r in records] == [
        f"API token refused for client 192.0.2.44 on {API}: Invalid API token."
    ]
    assert key not in caplog.text
    assert key[:8] not in caplog.text


def test_without_limits_guessing_is_only_refused(client, db):
    """The suite's own setting (no limits): the count stays out of the way."""
    statuses = {guess(client, f"guess-{n}").status_code for n in range(70)}

    assert statuses == {401}
