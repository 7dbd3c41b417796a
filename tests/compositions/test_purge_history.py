"""Retention of the history (`purge_history --older-than DAYS [--dry-run]`, issue 14 §4):
the identifying fields of every version of experts removed more than DAYS ago are replaced
by the marker, as an erasure does; the figures of past rounds stay."""

import datetime
import io

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from analytics.selectors import composition_summary
from compositions.models import Expert
from nmg_registry.models import Country, ErasureLog
from nmg_registry.moments import Moment
from tests import factories
from tests.compositions.test_erasure import hits

pytestmark = pytest.mark.django_db


def removed(expert, days_ago: int) -> None:
    """Remove the expert, as if it had happened `days_ago` days ago."""
    pk = expert.pk
    expert.delete()
    Expert.history.filter(id=pk, history_type="-").update(
        history_date=timezone.now() - datetime.timedelta(days=days_ago)
    )


@pytest.fixture
def departures(registry):
    cast = registry.cast
    long_gone = factories.ExpertFactory(
        country=cast.es, name="Olga Antigua", email="olga@example.es", gender="female"
    )
    Expert.history.filter(id=long_gone.pk).update(
        history_date=timezone.now() - datetime.timedelta(days=400)
    )
    recent = factories.ExpertFactory(country=cast.it, name="Rita Reciente", email="rita@example.it")
    ids = long_gone.pk, recent.pk
    removed(long_gone, 40)
    removed(recent, 5)
    return ids


def purge(*arguments) -> str:
    out = io.StringIO()
    call_command("purge_history", *arguments, stdout=out)
    return out.getvalue()


def test_a_dry_run_counts_and_changes_nothing(departures):
    said = purge("--older-than", "30", "--dry-run")
    assert (
        "experts removed more than 30 day(s) ago: 1 record(s), 2 historical version(s) would "
        "be scrubbed (dry run, nothing changed)." in said
    )
    assert hits("Olga Antigua", "olga@example.es")
    assert not ErasureLog.objects.exists()


def test_the_versions_of_experts_removed_long_ago_are_scrubbed(registry, departures):
    long_gone, _recent = departures
    then = Moment(at=timezone.now() - datetime.timedelta(days=100))
    before = composition_summary(moment=then)

    said = purge("--older-than", "30")

    assert "1 record(s), 2 historical version(s) scrubbed." in said
    assert hits("Olga Antigua", "olga@example.es") == []
    assert set(Expert.history.filter(id=long_gone).values_list("name", "email", "gender")) == {
        ("[erased]", "", "female")
    }
    assert hits("Rita Reciente")  # removed 5 days ago: kept
    assert hits(registry.es_expert.name)  # still an expert: kept
    assert composition_summary(moment=then) == before
    (line,) = ErasureLog.objects.all()
    assert (line.kind, line.country.code, line.records, line.versions) == ("purge", "ES", 1, 2)
    # Run again: nothing left to scrub.
    assert "0 record(s), 0 historical version(s) scrubbed." in purge("--older-than", "30")
    assert ErasureLog.objects.count() == 1


def test_zero_days_takes_every_removed_expert(departures):
    assert "2 record(s), 4 historical version(s) scrubbed." in purge("--older-than", "0")
    assert hits("Rita Reciente", "Olga Antigua") == []


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ([], "the following arguments are required: --older-than"),
        (["--older-than", "a month"], "invalid int value: 'a month'"),
        (["--older-than", "-1"], "--older-than takes a number of days, 0 or more, not -1"),
    ],
)
def test_bad_options_are_refused_with_a_message(departures, arguments, message):
    with pytest.raises(CommandError, match=message):
        purge(*arguments)
    assert hits("Olga Antigua")


@pytest.mark.parametrize("days", ["1000000000", "999999999", "10000000"])
def test_more_days_than_the_calendar_holds_are_refused(departures, days):
    with pytest.raises(CommandError, match=f"a number of days up to [0-9]+ .* not {days}"):
        purge("--older-than", days)
    assert hits("Olga Antigua")


def test_the_free_text_naming_them_is_scrubbed_as_an_erasure_does(registry, departures):
    """The same scrubbing as an erasure: the notes naming Olga, long gone, and the admin's
    log of her record; Olga Antiguas-Pérez, someone else, stays."""
    long_gone, _recent = departures
    Country.objects.filter(code="ES").update(
        notes="Olga Antigua (olga@example.es) left in 2020; Olga Antiguas-Pérez stays."
    )
    LogEntry.objects.create(
        user=registry.cast.staff,
        content_type=ContentType.objects.get_for_model(Expert),
        object_id=str(long_gone),
        object_repr="Olga Antigua (ES)",
        action_flag=ADDITION,
        change_message="[]",
    )
    purge("--older-than", "30")
    assert Country.objects.get(code="ES").notes == (
        "[erased] ([erased]) left in 2020; Olga Antiguas-Pérez stays."
    )
    assert LogEntry.objects.get().object_repr == "[erased] (ES)"
    # What the dump still finds is the other person's name, which holds hers.
    assert hits("Olga Antigua", "olga@example.es") == [Country.objects.get(code="ES").notes]
