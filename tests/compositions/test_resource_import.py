"""`CompositionResource.import_data` is the registry's composition import, not a second
engine: the same summary, the same errors, the same history."""

import pytest
import tablib

from compositions.models import Expert
from compositions.resources import COLUMNS, CompositionResource
from compositions.services.file_import import import_composition
from nmg_registry.tabular import ImportFailed, write_csv

pytestmark = pytest.mark.django_db

ANA = ("ES", "3", "coordinator", "Research/University", "ISCIII", "Ana", "", "female", "", "")
BAD = ("XX", "WG99", "", "", "", "", "", "", "", "bob@")


def dataset(*rows) -> tablib.Dataset:
    return tablib.Dataset(*rows, headers=list(COLUMNS))


def test_a_dry_run_previews_what_the_import_service_would_do_and_writes_nothing():
    summary = CompositionResource().import_data(dataset(ANA), dry_run=True)

    assert summary == import_composition(
        data=write_csv(COLUMNS, [ANA]), filename="composition.csv", dry_run=True
    )
    assert summary.line().startswith("Dry run, nothing written. experts: 1 created")
    assert not Expert.objects.exists()


def test_an_import_writes_the_experts_with_the_registrys_history(cast):
    CompositionResource().import_data(dataset(ANA), user=cast.staff, filename="es.csv")

    expert = Expert.objects.get()
    record = expert.history.get()
    assert (expert.name, expert.stakeholder_type.slug) == ("Ana", "research-university")
    assert (record.history_user, record.history_change_reason) == (
        cast.staff,
        "composition import: es.csv",
    )


def test_a_bad_row_is_refused_with_the_import_services_messages():
    with pytest.raises(ImportFailed) as through_resource:
        CompositionResource().import_data(dataset(ANA, BAD))
    with pytest.raises(ImportFailed) as through_service:
        import_composition(data=write_csv(COLUMNS, [ANA, BAD]), filename="composition.csv")

    assert str(through_resource.value) == str(through_service.value)
    assert 'line 3, country: unknown country "XX"' in str(through_resource.value)
    assert not Expert.objects.exists()


def test_a_representative_imports_through_the_resource_only_their_countrys_rows(cast):
    italian = ("IT", "", "", "", "ISS", "Giulia", "", "", "", "")

    with pytest.raises(ImportFailed, match="line 2, country"):
        CompositionResource().import_data(dataset(italian), user=cast.rep_es)
