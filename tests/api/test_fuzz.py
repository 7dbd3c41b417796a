"""Schemathesis fuzzes every API operation in process, from the served OpenAPI schema, signed
in as staff (who may read everything) by a session cookie: no request it makes up may end in
a server error or in a response that breaks the schema. Examples per operation are bounded
so the whole run stays well under two minutes."""

import pytest
import schemathesis
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 30

# Loaded when the tests are collected: serving the schema reads no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
# The staff session below is the credential; made-up cookies or tokens would only be refused.
schema.config.generation.update(with_security_parameters=False)


@schema.auth(refresh_interval=None)
class StaffSession:
    """The session cookie of the staff member signed in for the running test. Given as
    schemathesis auth, so that its probes of every operation without it, and with a spoilt
    one, can check that the API refuses them."""

    key: str | None = None  # none while the tests are collected

    def get(self, case, context):
        return StaffSession.key

    def set(self, case, data, context):
        case.cookies = {**(case.cookies or {}), settings.SESSION_COOKIE_NAME: data}


@pytest.fixture
def in_process_requests():
    """Keep the test's database connection open across the requests: a WSGI handler closes
    it when a request ends (on PostgreSQL, in the middle of the test's transaction), which
    Django's own test client avoids the same way."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def staff_session(client, cast, in_process_requests):
    client.force_login(cast.staff)
    StaffSession.key = client.cookies[settings.SESSION_COOKIE_NAME].value
    yield
    StaffSession.key = None


@schema.parametrize()
@hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_generated_request_breaks_the_api_or_its_schema(case, registry, staff_session):
    # Syntactically valid but unknown natural keys (country "ZZ", working group 99) are
    # refused with a 400 naming them, which the schema cannot foresee: reference data is
    # editable, so its keys are no enum. Every other check runs, the auth probes included.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
