"""Test settings, the small fixed cast every test can use, and a registry with something to
read on every page and API resource, marked so that a test can assert that no country's
personal data or drafts reach the wrong reader (the site's and the API's permission matrices)."""

import datetime
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from rest_framework.throttling import SimpleRateThrottle

from nmg_registry.models import Country, MirrorGroup
from surveys.models import Answer, Question, Response, Survey
from tests import factories


def pytest_configure(config):
    # WhiteNoise warns on every request when the collected-static folder is missing.
    django_settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)


@pytest.fixture(autouse=True)
def _fast_test_settings(settings):
    # Hashing with the real algorithm costs ~0.3 s a login; tests need no protection.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.NMG_PUBLIC_AGGREGATES = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _no_accidental_throttling(settings, monkeypatch):
    """API throttling off, in a cache of the test's own: a test that exercises the limits
    sets them itself (`tests/nmg_registry/test_throttling.py`). Never a developer's Redis."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    # DRF's throttles read the rates once, at import; None lets every request through.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": None, "user": None})


@pytest.fixture(scope="session")
def _reference_data(django_db_setup, django_db_blocker) -> str:
    """The migrated reference data, serialized before any transactional test flushes the
    tables."""
    with django_db_blocker.unblock():
        return connection.creation.serialize_db_to_string()


@pytest.fixture
def reference_data(_reference_data, transactional_db):
    """A transactional test's database holding the migrated reference data (countries, the
    2020 round, the WP6 staff group), put back after an earlier transactional test's flush.

    pytest-django's serialized_rollback keeps its copy on the database connection object,
    but once a browser test has run beside Playwright's event loop the ORM is given another
    connection object without that copy, so that restore silently does nothing."""
    if not Country.objects.exists():
        # As Django restores it: into empty tables (the flush recreated content types).
        call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
        # The snapshot holds the reference data's history already: restoring a round's invited
        # countries must not write another version of it.
        with override_settings(SIMPLE_HISTORY_ENABLED=False):
            connection.creation.deserialize_db_from_string(_reference_data)
        _reset_sequences()


def _reset_sequences():
    """The restored rows keep their ids; PostgreSQL's sequences must move past them, or the
    next row (e.g. the history of a reference record) takes an id already in use."""
    tables = [model for model in apps.get_models() if model._meta.managed]
    statements = connection.ops.sequence_reset_sql(no_style(), tables)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


@pytest.fixture
def cast(db):
    """Two countries (ES, IT), a representative of each, a staff user, a viewer, an anonymous."""
    return SimpleNamespace(
        es=factories.country("ES"),
        it=factories.country("IT"),
        rep_es=factories.make_representative("rep_es", "ES"),
        rep_it=factories.make_representative("rep_it", "IT"),
        staff=factories.make_staff("staff"),
        viewer=factories.UserFactory(username="viewer"),
        anonymous=AnonymousUser(),
    )


# A registry with something to read everywhere

OPEN_ROUND = "round-open"
# A round staff are preparing: to anyone else it does not exist.
DRAFT_ROUND = "round-draft"
DRAFT_ROUND_TITLE = "Ronda en preparación"
DRAFT_ROUND_TEXT = "Respuesta importada en borrador"  # ES's submitted answer in the draft

# What must never reach a reader outside the country (staff excepted).
PERSONAL = {
    "ES": ["Ana Espinosa", "ana.espinosa@example.es"],
    "IT": ["Bruno Italiano", "bruno.italiano@example.it"],
}
DRAFTS = {"ES": "Borrador secreto de ES", "IT": "Bozza segreta di IT"}
SUBMITTED_TEXT = "Ellinikí apántisi"  # EL's submitted answer: readable by every reader


def foreign_data(user_name: str) -> list[str]:
    """The markers a member of the cast must never receive: the personal data and drafts of
    the countries they do not keep, and, to anyone but staff, the draft round."""
    own = {"staff": {"ES", "IT"}, "rep_es": {"ES"}, "rep_it": {"IT"}}.get(user_name, set())
    draft_round = [] if user_name == "staff" else [DRAFT_ROUND_TITLE, DRAFT_ROUND_TEXT]
    return [
        text for code in ("ES", "IT") if code not in own for text in [*PERSONAL[code], DRAFTS[code]]
    ] + draft_round


def round_asking_stage_and_notes(*, slug, title, status, opens_on) -> Survey:
    """A round asking the stage (choice) and a free text, inviting ES, IT and EL."""
    survey = factories.SurveyFactory(slug=slug, title=title, status=status, opens_on=opens_on)
    stage = factories.QuestionFactory(
        survey=survey, code="nmg_stage", kind=Question.Kind.CHOICE, order=1, text="Stage?"
    )
    factories.add_options(stage, "planning", "constructing", "operational")
    factories.QuestionFactory(
        survey=survey, code="notes", kind=Question.Kind.TEXT, order=2, text="Notes?"
    )
    survey.invited_countries.add(*Country.objects.filter(code__in=["ES", "IT", "EL"]))
    return survey


def open_round() -> Survey:
    return round_asking_stage_and_notes(
        slug=OPEN_ROUND,
        title="Open round",
        status=Survey.Status.OPEN,
        opens_on=datetime.date(2024, 10, 1),
    )


def draft_round() -> Survey:
    """A round staff are preparing, a copy of the open one, with the stage question (so that
    a target would measure it) and ES's response entered by import."""
    survey = round_asking_stage_and_notes(
        slug=DRAFT_ROUND,
        title=DRAFT_ROUND_TITLE,
        status=Survey.Status.DRAFT,
        opens_on=datetime.date(2025, 10, 1),
    )
    es = factories.submitted_response(survey=survey, country=Country.objects.get(code="ES"))
    answer(es, "nmg_stage", "operational")
    answer(es, "notes", DRAFT_ROUND_TEXT)
    return survey


def answer(response, code, value):
    question = response.survey.questions.get(code=code)
    option = question.options.filter(value=value).first()
    return Answer.objects.create(
        response=response,
        question=question,
        option=option,
        text="" if option else value,
    )


@pytest.fixture
def registry(cast):
    """ES and IT each with an expert (personal data) and a draft in the open round; EL with
    a submitted response; mirror groups of ES and IT; a draft round, staff's alone."""
    survey = open_round()
    es_expert = factories.ExpertFactory(
        country=cast.es,
        name=PERSONAL["ES"][0],
        email=PERSONAL["ES"][1],
        stakeholder_type=factories.stakeholder_type("research-university"),
        gender="female",
    )
    factories.MembershipFactory(
        expert=es_expert, working_group=factories.working_group(1), role="coordinator"
    )
    factories.MembershipFactory(expert=es_expert, working_group=factories.working_group(3))
    it_expert = factories.ExpertFactory(
        country=cast.it,
        name=PERSONAL["IT"][0],
        email=PERSONAL["IT"][1],
        stakeholder_type=factories.stakeholder_type("elsi"),
        gender="male",
    )
    factories.MembershipFactory(
        expert=it_expert, working_group=factories.working_group(3), role="coordinator"
    )
    MirrorGroup.objects.create(country=cast.es, kind=MirrorGroup.Kind.SINGLE, name="NMG España")
    MirrorGroup.objects.create(country=cast.it, kind=MirrorGroup.Kind.CORE, name="NMG core")
    MirrorGroup.objects.create(
        country=cast.it,
        kind=MirrorGroup.Kind.WORKING_GROUP,
        working_group=factories.working_group(2),
        name="NMG ELSI",
    )
    drafts = {}
    for code in ("ES", "IT"):
        drafts[code] = factories.ResponseFactory(
            survey=survey, country=Country.objects.get(code=code)
        )
        answer(drafts[code], "notes", DRAFTS[code])
    el = Response.objects.create(
        survey=survey,
        country=factories.country("EL"),
        status=Response.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    answer(el, "nmg_stage", "constructing")
    answer(el, "notes", SUBMITTED_TEXT)
    return SimpleNamespace(
        cast=cast,
        survey=survey,
        draft_round=draft_round(),
        es_expert=es_expert,
        it_expert=it_expert,
        drafts=drafts,
    )


@pytest.fixture
def as_user(client, cast):
    """`as_user("rep_es")`: the test client signed in as one of the cast (or anonymous)."""

    def sign_in(name):
        client.logout()
        if name != "anonymous":
            client.force_login(getattr(cast, name))
        return client

    return sign_in
