"""Each version's `history_valid_until` is the date of the record's next version, whatever
wrote or re-dated the history: the ORM's saves and deletes, the bulk imports, a queryset
update of dates, a deleted history row (nmg_registry.version_validity)."""

import datetime
import zoneinfo
from itertools import pairwise

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from compositions.models import Expert, Membership
from compositions.services.file_import import import_composition
from nmg_registry.models import Country, MirrorGroup, WorkingGroup
from nmg_registry.moments import latest_versions
from tests import factories
from tests.compositions.test_import import ANA, GIULIA, LUIS, csv_file

pytestmark = pytest.mark.django_db

BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")


def validity(model) -> dict[int, datetime.datetime | None]:
    """history_id -> history_valid_until, as stored."""
    return dict(model.history.values_list("history_id", "history_valid_until"))


def expected_validity(model) -> dict[int, datetime.datetime | None]:
    """history_id -> the date of the record's next version (date, then history id)."""
    versions = list(
        model.history.order_by("id", "history_date", "history_id").values_list(
            "id", "history_id", "history_date"
        )
    )
    expected = {history_id: None for _id, history_id, _date in versions}
    for (record, history_id, _), (next_record, _, next_date) in pairwise(versions):
        if record == next_record:
            expected[history_id] = next_date
    return expected


def assert_consistent(*models):
    for model in models:
        assert validity(model) == expected_validity(model), model.__name__


def test_saves_and_deletes_keep_each_version_valid_until_the_next(cast):
    expert = factories.ExpertFactory(country=cast.es, name="Ana")
    expert.position = "Clinician"
    expert.save()
    seat = Membership.objects.create(expert=expert, working_group=WorkingGroup.objects.first())
    seat.delete()
    versions = list(expert.history.order_by("history_date", "history_id"))
    assert versions[0].history_valid_until == versions[1].history_date
    assert versions[-1].history_valid_until is None
    assert_consistent(Expert, Membership)
    expert.delete()
    assert_consistent(Expert, Membership)


def test_bulk_imports_keep_it(db):
    import_composition(
        data=csv_file(ANA, LUIS, GIULIA),
        filename="2020.csv",
        as_of=datetime.datetime(2020, 11, 30, tzinfo=BRUSSELS),
    )
    changed = GIULIA.replace("Lawyer", "Judge")
    import_composition(data=csv_file(ANA, changed), filename="now.csv", replace=True)
    assert Expert.history.filter(history_valid_until__isnull=False).exists()
    assert_consistent(Expert, Membership)


def test_re_dating_versions_out_of_order_recomputes_it(cast):
    """Tests and data fixes move versions in time with a queryset update: the versions are
    ordered again by their new dates."""
    expert = factories.ExpertFactory(country=cast.es, name="Ana")
    expert.position = "Clinician"
    expert.save()
    first, second = expert.history.order_by("history_date", "history_id")
    long_ago = timezone.now() - datetime.timedelta(days=900)
    Expert.history.filter(history_id=second.history_id).update(history_date=long_ago)
    assert_consistent(Expert)
    # The second version now comes first: it holds until the first's date.
    assert Expert.history.get(history_id=second.history_id).history_valid_until == (
        first.history_date
    )
    Expert.history.update(history_date=long_ago)  # every version at once, as some tests do
    assert_consistent(Expert)


def test_a_deleted_version_hands_its_time_to_the_one_before(cast):
    expert = factories.ExpertFactory(country=cast.es, name="Ana")
    for position in ("Clinician", "Researcher"):
        expert.position = position
        expert.save()
    middle = expert.history.order_by("history_date", "history_id")[1]
    Expert.history.filter(history_id=middle.history_id).delete()
    assert_consistent(Expert)


def test_mirror_groups_keep_it(cast):
    group = MirrorGroup.objects.create(country=cast.es, kind="single", name="ES NMG")
    group.name = "Spanish NMG"
    group.save()
    assert_consistent(MirrorGroup)


def test_an_erasure_of_names_leaves_it_alone(cast):
    expert = factories.ExpertFactory(country=cast.es, name="Ana")
    expert.position = "Clinician"
    expert.save()
    before = validity(Expert)
    Expert.history.update(name="[erased]")
    assert validity(Expert) == before


def test_a_model_read_at_a_moment_declares_its_validity():
    with pytest.raises(ImproperlyConfigured, match="VersionValidity"):
        latest_versions(Country, timezone.now())
