"""Settings come from the environment; production settings pass Django's deploy check."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "k3Q9v-Zp2xL8mN4rT7yB1cF6hJ0sW5aE-uD2gK9oV3iR8nM1qX4zC7bY6tH5jL0p",
    "DJANGO_ALLOWED_HOSTS": "registry.example.org",
}


def manage(*args, **env):
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean_env, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_is_clean_with_production_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_debug_off_without_a_secret_key_is_refused_with_a_message():
    env = {**PRODUCTION, "DJANGO_SECRET_KEY": ""}

    result = manage("check", **env)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is false" in result.stderr


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_a_malformed_boolean_names_the_variable(value):
    result = manage("check", DJANGO_DEBUG=value)

    assert result.returncode != 0
    assert f"DJANGO_DEBUG must be true or false, not '{value}'" in result.stderr


DATABASE_OPTIONS = (
    "from django.conf import settings; import json; "
    "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {}), sort_keys=True))"
)
POSTGRESQL_URL = "postgres://registry@db.example.org:5432/nmg_registry"


def database_options(**env) -> dict:
    result = manage("shell", "-c", DATABASE_OPTIONS, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_postgresql_connections_wait_5_seconds_to_connect_and_300_per_statement_by_default():
    assert database_options(DATABASE_URL=POSTGRESQL_URL) == {
        "connect_timeout": 5,
        "options": "-c statement_timeout=300000",
    }


def test_the_database_timeouts_come_from_the_environment():
    chosen = database_options(
        DATABASE_URL=POSTGRESQL_URL, DATABASE_CONNECT_TIMEOUT="2", DATABASE_STATEMENT_TIMEOUT="900"
    )
    off = database_options(
        DATABASE_URL=POSTGRESQL_URL, DATABASE_CONNECT_TIMEOUT="0", DATABASE_STATEMENT_TIMEOUT="0"
    )
    in_the_url = database_options(
        DATABASE_URL=f"{POSTGRESQL_URL}?connect_timeout=10&options=-c%20search_path%3Dnmg"
    )

    assert chosen == {"connect_timeout": 2, "options": "-c statement_timeout=900000"}
    assert off == {}
    assert in_the_url == {
        "connect_timeout": 10,
        "options": "-c search_path=nmg -c statement_timeout=300000",
    }


def test_sqlite_is_given_no_postgresql_timeout():
    """SQLite's driver would refuse an option it does not know (connect_timeout)."""
    sqlite_url = "sqlite:////tmp/nmg-registry-settings-test.sqlite3"

    assert database_options(DATABASE_URL=sqlite_url, DATABASE_CONNECT_TIMEOUT="5") == {}


@pytest.mark.parametrize("name", ["DATABASE_CONNECT_TIMEOUT", "DATABASE_STATEMENT_TIMEOUT"])
@pytest.mark.parametrize("value", ["-1", "soon"])
def test_a_malformed_database_timeout_names_the_variable(name, value):
    result = manage("check", **{name: value})

    assert result.returncode != 0
    assert name in result.stderr
