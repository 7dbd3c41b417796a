"""The database refuses registry rows that break its rules."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from nmg_registry.models import Country, MirrorGroup, Representative, WorkingGroup
from tests import factories

pytestmark = pytest.mark.django_db


def refused(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_country_codes_must_be_two_capital_letters():
    refused(lambda: Country.objects.create(code="xx", iso_code="XX", name="Lowercase"))
    refused(lambda: Country.objects.create(code="X1", iso_code="XX", name="A digit"))


def test_country_codes_and_names_are_unique():
    refused(lambda: Country.objects.create(code="EL", iso_code="QQ", name="Another Greece"))
    refused(lambda: Country.objects.create(code="QQ", iso_code="GR", name="Another Greece"))


def test_country_participation_must_be_a_known_value():
    refused(lambda: Country.objects.create(code="QQ", iso_code="QQ", name="Q", participation="x"))


def test_working_group_numbers_are_unique_and_positive():
    refused(lambda: WorkingGroup.objects.create(number=3, name="Another WG3"))
    refused(lambda: WorkingGroup.objects.create(number=0, name="WG zero"))


def test_working_group_kind_of_mirror_group_must_name_its_working_group():
    spain = factories.country("ES")
    refused(lambda: MirrorGroup.objects.create(country=spain, kind="working_group", name="WG?"))


def test_other_kinds_of_mirror_group_name_no_working_group():
    spain = factories.country("ES")
    refused(
        lambda: MirrorGroup.objects.create(
            country=spain, kind="core", name="Core", working_group=factories.working_group(1)
        )
    )


def test_one_mirror_group_per_working_group_per_country():
    spain = factories.country("ES")
    wg3 = factories.working_group(3)
    MirrorGroup.objects.create(
        country=spain, kind="working_group", name="NMG WG3", working_group=wg3
    )
    refused(
        lambda: MirrorGroup.objects.create(
            country=spain, kind="working_group", name="Second WG3", working_group=wg3
        )
    )
    # Another country may have its own.
    MirrorGroup.objects.create(
        country=factories.country("IT"), kind="working_group", name="NMG WG3", working_group=wg3
    )


def test_mirror_group_validation_explains_the_conflict():
    spain = factories.country("ES")
    MirrorGroup.objects.create(country=spain, kind="single", name="NMG Spain")
    duplicate = MirrorGroup(country=spain, kind="single", name="NMG Spain")

    with pytest.raises(ValidationError) as excinfo:
        duplicate.full_clean()
    assert "This country already has a mirror group of that name." in str(excinfo.value)


def test_a_user_represents_a_country_once():
    user = factories.make_representative("rep", "ES")
    refused(
        lambda: Representative.objects.create(
            user=user, country=factories.country("ES"), role="other"
        )
    )


def test_changes_to_countries_are_kept_in_history():
    greece = factories.country("EL")
    greece.health_genomics_plan_url = "https://example.org/plan"
    greece.save()

    latest = greece.history.latest()
    assert latest.health_genomics_plan_url == "https://example.org/plan"
    assert latest.history_type == "~"
