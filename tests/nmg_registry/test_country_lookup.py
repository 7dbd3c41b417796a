"""One helper resolves a typed country code, EU or ISO, in any letter case."""

import pytest

from nmg_registry.models import Country

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("EL", "EL"),
        ("el", "EL"),
        ("GR", "EL"),
        ("gr", "EL"),
        (" Gr ", "EL"),
        ("UK", "UK"),
        ("GB", "UK"),
        ("gb", "UK"),
        ("es", "ES"),
    ],
)
def test_resolve_accepts_eu_and_iso_codes_in_any_case(typed, expected):
    assert Country.objects.resolve(typed).code == expected


@pytest.mark.parametrize("typed", ["XX", "", "   ", "GRC", "E"])
def test_resolve_names_the_unknown_code(typed):
    with pytest.raises(Country.DoesNotExist) as excinfo:
        Country.objects.resolve(typed)
    assert f'unknown country "{typed.strip()}"' in str(excinfo.value)


def test_code_index_maps_both_codes_in_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        index = Country.objects.code_index()

    assert index["EL"] is index["GR"]
    assert index["UK"].name == "United Kingdom"
    assert len(index) == 31 + 2  # Greece and the UK have two codes each
