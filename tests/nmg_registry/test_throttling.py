"""API limits: anonymous clients by address, signed-in ones by user, 429 with Retry-After past
them; the rates come from the environment and the counts live in the cache (Redis in
production, so that every worker shares them)."""

import os
import uuid

import pytest
from rest_framework.throttling import SimpleRateThrottle

from nmg_registry import services
from tests.nmg_registry.test_settings import manage

pytestmark = pytest.mark.django_db

API = "/api/v1/targets/"
ANON_RATE = 2
USER_RATE = 3


@pytest.fixture
def limits(monkeypatch):
    """Small limits instead of the suite's unlimited ones (tests/conftest.py)."""
    monkeypatch.setattr(
        SimpleRateThrottle,
        "THROTTLE_RATES",
        {"anon": f"{ANON_RATE}/min", "user": f"{USER_RATE}/min"},
    )


def assert_throttled(response):
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    wait = int(response["Retry-After"])
    assert 0 < wait <= 60
    assert response.json() == {
        "detail": f"Request was throttled. Expected available in {wait} seconds."
    }


def test_anonymous_clients_past_their_limit_get_429_with_retry_after(client, settings, limits):
    settings.NMG_PUBLIC_AGGREGATES = True

    allowed = [client.get(API).status_code for _ in range(ANON_RATE)]

    assert allowed == [200] * ANON_RATE
    assert_throttled(client.get(API))


def test_anonymous_clients_are_counted_by_address(client, settings, limits):
    settings.NMG_PUBLIC_AGGREGATES = True
    for _ in range(ANON_RATE):
        client.get(API)

    assert client.get(API, REMOTE_ADDR="192.0.2.7").status_code == 200


def test_behind_the_proxy_a_forged_forwarded_address_does_not_dodge_the_limit(
    client, settings, limits
):
    settings.NMG_PUBLIC_AGGREGATES = True
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}

    # The proxy appends the address it saw (203.0.113.9); the earlier hops are the client's.
    statuses = [
        client.get(API, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.9").status_code
        for n in range(ANON_RATE + 1)
    ]

    assert statuses == [200] * ANON_RATE + [429]
    assert client.get(API, HTTP_X_FORWARDED_FOR="203.0.113.10").status_code == 200


def test_a_token_user_past_their_limit_gets_429_with_retry_after(client, cast, limits):
    _, key = services.create_api_token(user=cast.viewer, name="Report")
    headers = {"HTTP_AUTHORIZATION": f"Token {key}"}

    allowed = [client.get(API, **headers).status_code for _ in range(USER_RATE)]

    assert allowed == [200] * USER_RATE
    assert_throttled(client.get(API, **headers))


def test_signed_in_users_are_counted_each_on_their_own(client, cast, limits):
    _, key = services.create_api_token(user=cast.viewer, name="Report")
    _, other_key = services.create_api_token(user=cast.rep_es, name="Report")
    for _ in range(USER_RATE + 1):
        client.get(API, HTTP_AUTHORIZATION=f"Token {key}")

    assert client.get(API, HTTP_AUTHORIZATION=f"Token {other_key}").status_code == 200


def test_a_users_tokens_and_session_share_one_limit(client, cast, limits):
    _, first = services.create_api_token(user=cast.viewer, name="First")
    _, second = services.create_api_token(user=cast.viewer, name="Second")
    client.get(API, HTTP_AUTHORIZATION=f"Token {first}")
    client.get(API, HTTP_AUTHORIZATION=f"Token {second}")
    client.force_login(cast.viewer)
    client.get(API)

    assert_throttled(client.get(API))


def test_the_suite_is_not_throttled_by_accident(client, settings):
    settings.NMG_PUBLIC_AGGREGATES = True

    statuses = {client.get(API).status_code for _ in range(100)}

    assert statuses == {200}


# --- configuration -----------------------------------------------------------------------

PRINT_SETTINGS = (
    "from django.conf import settings; "
    "print(settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']); "
    "print(settings.CACHES['default']['BACKEND'])"
)


def test_rates_default_to_60_and_600_a_minute_in_a_local_memory_cache():
    result = manage(
        "shell", "-c", PRINT_SETTINGS, NMG_API_ANON_RATE="", NMG_API_USER_RATE="", REDIS_URL=""
    )

    assert result.returncode == 0, result.stderr
    assert "{'anon': '60/min', 'user': '600/min'}" in result.stdout
    assert "django.core.cache.backends.locmem.LocMemCache" in result.stdout


def test_rates_and_redis_come_from_the_environment():
    result = manage(
        "shell",
        "-c",
        PRINT_SETTINGS,
        NMG_API_ANON_RATE="10/Hour",
        NMG_API_USER_RATE=" 5000/day ",
        REDIS_URL="redis://cache.example.org:6379/0",
    )

    assert result.returncode == 0, result.stderr
    assert "{'anon': '10/hour', 'user': '5000/day'}" in result.stdout
    assert "django.core.cache.backends.redis.RedisCache" in result.stdout


@pytest.mark.parametrize("value", ["lots", "60", "60/month", "-1/min", "1.5/s"])
def test_a_malformed_rate_names_the_variable(value):
    result = manage("check", NMG_API_ANON_RATE=value)

    assert result.returncode != 0
    assert "NMG_API_ANON_RATE must be a rate such as 60/min" in result.stderr


# --- Redis -------------------------------------------------------------------------------


@pytest.fixture
def redis_cache(settings):
    """The test's own keys in a real Redis (NMG_TEST_REDIS_URL, else the local one)."""
    redis = pytest.importorskip("redis")
    url = os.environ.get("NMG_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    server = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        server.ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {url}")
    prefix = f"nmg-registry-test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
        }
    }
    yield server, prefix
    for key in server.scan_iter(f"{prefix}:*"):
        server.delete(key)


def test_with_redis_the_counts_live_where_every_worker_sees_them(
    client, settings, limits, redis_cache
):
    server, prefix = redis_cache
    settings.NMG_PUBLIC_AGGREGATES = True

    for _ in range(ANON_RATE):
        assert client.get(API).status_code == 200
    assert_throttled(client.get(API))

    # Another process (a second gunicorn worker) reads the same history from Redis.
    assert server.exists(f"{prefix}:1:throttle_anon_127.0.0.1")
