"""The optimistic lock every edit form uses: a save on a stale version is refused."""

import pytest
from django.db import transaction

from nmg_registry.concurrency import EditConflict, lock_unchanged, version_of
from nmg_registry.models import Country


def _save_as(user, country, **values):
    for field, value in values.items():
        setattr(country, field, value)
    country._history_user = user
    country.save()


def test_an_unchanged_record_is_returned_locked(cast):
    version = version_of(cast.es)
    with transaction.atomic():
        locked = lock_unchanged(Country.objects.all(), pk=cast.es.pk, version=version)
    assert locked == cast.es


def test_a_record_changed_meanwhile_names_who_changed_what(cast):
    cast.rep_es.first_name, cast.rep_es.last_name = "Ana", "García"
    cast.rep_es.save()
    _save_as(cast.staff, cast.es, notes="")  # the version the form is opened on
    opened_version = version_of(cast.es)
    _save_as(cast.rep_es, Country.objects.get(pk=cast.es.pk), notes="Coordinator changed")

    with pytest.raises(EditConflict) as raised, transaction.atomic():
        lock_unchanged(Country.objects.all(), pk=cast.es.pk, version=opened_version)

    message = raised.value.message
    assert "Spain (ES) was changed by Ana García" in message
    assert "notes: “” → “Coordinator changed”" in message
    assert "your changes were not saved" in message


def test_a_missing_version_counts_as_stale(cast):
    with pytest.raises(EditConflict), transaction.atomic():
        lock_unchanged(Country.objects.all(), pk=cast.es.pk, version="")
