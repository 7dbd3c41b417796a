"""Schemathesis fuzzes every API operation in process, from the schema the registry serves for
the data in its database, signed in as staff (who may read everything) by a session cookie,
in the phases of `schemathesis run`: the schema's examples, the coverage cases (each
parameter's boundaries, valid and invalid) and generated valid and invalid data. No request
may end in a server error or in an answer the schema does not describe; a request the
schema calls valid must be accepted, and one it calls invalid refused. Every check
schemathesis has is on, but the one that times responses.

The run is repeatable (derandomized, a fixed seed, no example database) and bounded:
`EXAMPLES` generated cases per operation besides its examples and coverage cases, at least
`MINIMUM_REQUESTS` in all, in about a minute on a developer's machine.
"""

import datetime

import pytest
import schemathesis
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.checks import load_all_checks, not_a_server_error
from schemathesis.generation.feedback import FeedbackSources
from schemathesis.pytest._test_builder import build_operation_test
from schemathesis.python._constants.orchestrator import make_constants_value_source
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    ensure_resource_availability,
    ignored_auth,
    missing_required_header,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
    use_after_free,
)
from schemathesis.specs.openapi.checks import (
    object_level_authorization as object_level_authorization_check,
)

from nmg_registry.models import MirrorGroup
from nmg_registry.moments import parse_date_time
from surveys.models import Survey
from tests import factories

pytestmark = pytest.mark.django_db

EXAMPLES = 30  # generated per operation, valid and invalid, besides the coverage cases
MINIMUM_REQUESTS = 1000

# Every check but max_response_time (a timing, which has no place in the tests).
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    positive_data_acceptance,
    negative_data_rejection,
    missing_required_header,
    unsupported_method,
    allow_header_conformance,
    use_after_free,
    ensure_resource_availability,
    ignored_auth,
    object_level_authorization_check,
]


application = get_wsgi_application()


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
def edge_cases(registry):
    """What the schema has to describe besides the common case: an expert with no gender,
    e-mail, stakeholder type or working group; countries with web addresses (escapes, a
    query, a fragment, an IPv6 host) and one without a health-system type; a mirror group
    of no working group; a draft round, with a draft and a submitted response."""
    es, it = registry.cast.es, registry.cast.it
    es.health_genomics_plan_url = "https://www.example.es/plan%20nacional?lang=es#part-2"
    es.national_roadmap_url = "http://[2001:db8::1]:8080/roadmap"
    es.save()
    it.health_genomics_plan_url = "https://www.salute.example.it/piano"
    it.health_system = ""
    it.save()
    unknown = factories.ExpertFactory(
        country=es, name="Sin Datos", gender="", email="", region="", stakeholder_type=None
    )
    factories.MembershipFactory(expert=unknown, working_group=None)
    MirrorGroup.objects.create(country=es, kind=MirrorGroup.Kind.FORUM, name="Foro abierto")
    draft_round = factories.SurveyFactory(
        slug="round-draft-edge", status=Survey.Status.DRAFT, opens_on=datetime.date(2026, 1, 1)
    )
    draft_round.invited_countries.add(es, it)
    factories.ResponseFactory(survey=draft_round, country=es)
    factories.submitted_response(survey=draft_round, country=it)
    return registry


@pytest.fixture
def api_schema(edge_cases, staff_session):
    """The schema as the registry serves it for this data (its filter patterns list the
    keys in the database), with the staff session cookie as its credential. Made-up
    cookies or tokens would only be refused, so none are generated."""
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    schema.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        with_security_parameters=False,
    )
    schema.config.seed = 20261203
    schema.auth(refresh_interval=None)(StaffSession)
    return schema


def refused_though_valid(case) -> bool:
    """What OpenAPI cannot say, so the schema calls such a query valid though it is a 400: a
    moment is `as_of` or `round`, never both; a comparison's `before` is not the later."""
    query = case.query or {}
    if query.get("as_of") and query.get("round"):
        return True
    before, after = (parse_date_time(str(query.get(name) or "")) for name in ("before", "after"))
    return bool(before and after and before > after)


class StaffSession:
    """The session cookie of the staff member signed in for the running test. Given as
    schemathesis auth, so that its probes of every operation without it, and with a spoilt
    one, can check that the API refuses them."""

    key: str | None = None

    def get(self, case, context):
        return StaffSession.key

    def set(self, case, data, context):
        case.cookies = {**(case.cookies or {}), settings.SESSION_COOKIE_NAME: data}


@pytest.fixture
def staff_session(client, cast, in_process_requests):
    client.force_login(cast.staff)
    StaffSession.key = client.cookies[settings.SESSION_COOKIE_NAME].value
    yield
    StaffSession.key = None


FUZZ_SETTINGS = hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def test_no_generated_request_breaks_the_api_or_its_schema(api_schema):
    # The schema is read from the database's data, so it cannot be loaded when the tests are
    # collected (schemathesis.pytest.from_fixture does not run on pytest 9): each operation's
    # test is built here as schemathesis' pytest plugin builds it.
    operations = [result.ok() for result in api_schema.get_all_operations()]
    feedback = FeedbackSources(constants_value_source=make_constants_value_source(api_schema))
    generated = []

    def fuzz(case):
        generated.append(case)
        if refused_though_valid(case) and case.method == "GET":
            checks = [check for check in CHECKS if check is not positive_data_acceptance]
            response = case.call_and_validate(checks=checks)
            assert response.status_code in (400, 401, 403), case.as_curl_command()
            return
        case.call_and_validate(checks=CHECKS)

    for operation in operations:
        build_operation_test(
            config=api_schema.config,
            operation=operation,
            test_func=fuzz,
            given_kwargs={},
            feedback=feedback,
            explicit_settings=FUZZ_SETTINGS,
        )()

    # The checks send requests of their own (without the cookie, with a spoilt one, ...).
    print(f"\n{len(generated)} generated requests to {len(operations)} operations")
    assert len(operations) >= 17
    assert len(generated) >= MINIMUM_REQUESTS


def test_the_fuzz_runs_every_check_schemathesis_has_but_timing():
    load_all_checks()
    registered = set(schemathesis.checks.CHECKS.get_all_names())

    assert {check.__name__ for check in CHECKS} == registered
