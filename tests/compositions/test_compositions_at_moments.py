"""The composition at several moments at once, as a country's trajectory reads it."""

import datetime

import pytest
from django.utils import timezone

from compositions.as_of import composition_as_of, compositions_as_of
from tests import factories

pytestmark = pytest.mark.django_db


def at(year, month, day):
    return timezone.make_aware(datetime.datetime(year, month, day, 12, 0))


def recorded(moment, expert, seat):
    for record in (expert, seat):
        type(record).history.filter(id=record.pk).update(history_date=moment)


def test_several_moments_read_in_two_queries_equal_each_moment_alone(
    cast, django_assert_num_queries
):
    first = factories.ExpertFactory(
        country=cast.es, stakeholder_type=factories.stakeholder_type("elsi")
    )
    recorded(at(2021, 1, 1), first, factories.MembershipFactory(expert=first))
    second = factories.ExpertFactory(country=cast.it)
    recorded(
        at(2022, 1, 1),
        second,
        factories.MembershipFactory(expert=second, working_group=factories.working_group(4)),
    )
    moments = [at(2020, 1, 1), at(2021, 6, 1), at(2022, 6, 1), None]

    with django_assert_num_queries(2):
        together = compositions_as_of(moments)
    with django_assert_num_queries(2):
        of_spain = compositions_as_of(moments, [cast.es])

    assert together == [composition_as_of(moment) for moment in moments]
    assert [sorted(figures) for figures in together] == [[], ["ES"], ["ES", "IT"], ["ES", "IT"]]
    assert together[2]["IT"].working_groups == [4]
    assert together[1]["ES"].stakeholder_types == ["elsi"]
    assert of_spain == [{k: v for k, v in f.items() if k == "ES"} for f in together]
    assert compositions_as_of([]) == []
