"""Test settings and the small fixed cast every test can use."""

from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

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
