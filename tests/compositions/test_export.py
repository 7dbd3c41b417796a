"""Composition exports and the blank template: what a user downloads, and that it imports back
unchanged."""

import csv
import io

import openpyxl
import pytest
from django.contrib.auth import get_user_model

from compositions.models import Expert, Membership
from compositions.resources import COLUMNS, CompositionResource
from compositions.selectors import (
    composition_export,
    composition_rows,
    composition_template_xlsx,
)
from compositions.services.file_import import import_composition
from nmg_registry.models import MirrorGroup
from tests import factories

pytestmark = pytest.mark.django_db

FORMULAS = ['=HYPERLINK("http://evil.example","click")', "+1", "-2", "@x", "\tfoo"]
# Every input of the registry strips surrounding spaces, so only these come back as they were.
STRIPPED_FORMULAS = FORMULAS[:-1]


def expert(country="ES", **kwargs) -> Expert:
    return factories.ExpertFactory(country=factories.country(country), **kwargs)


def seat(expert, number=None, role="expert", **kwargs) -> Membership:
    wg = factories.working_group(number) if number else None
    return Membership.objects.create(expert=expert, working_group=wg, role=role, **kwargs)


@pytest.fixture
def composition(cast):
    """Ana (ES) in WG3 and WG5, Luis (ES) with no seat, Giulia (IT) in WG9, Nikos (EL)."""
    ana = expert(
        name="Ana García",
        institution="ISCIII",
        position="Researcher",
        region="Madrid",
        email="ana@example.org",
        stakeholder_type=factories.stakeholder_type("research-university"),
    )
    seat(ana, 3, "coordinator")
    seat(ana, 5)
    expert(name="Luis Pérez", institution="CNAG", email="", gender="male")
    giulia = expert("IT", name="Giulia Rossi", institution="ISS", email="giulia@example.org")
    seat(giulia, 9)
    nikos = expert("EL", name="Nikos", institution="EKPA", email="nikos@example.org")
    seat(nikos)
    return cast


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def reimport(data: bytes, filename: str):
    return import_composition(data=data, filename=filename, replace=True)


def test_staff_export_has_one_row_per_seat_in_the_import_columns(composition):
    columns, rows = composition_rows(user=composition.staff)

    assert columns == list(COLUMNS)
    assert rows == [
        ["EL", "", "expert", "", "EKPA", "Nikos", "", "female", "", "nikos@example.org"],
        [
            "ES",
            3,
            "coordinator",
            "research-university",
            "ISCIII",
            "Ana García",
            "Researcher",
            "female",
            "Madrid",
            "ana@example.org",
        ],
        [
            "ES",
            5,
            "expert",
            "research-university",
            "ISCIII",
            "Ana García",
            "Researcher",
            "female",
            "Madrid",
            "ana@example.org",
        ],
        # An expert without a seat still gets a row.
        ["ES", "", "", "", "CNAG", "Luis Pérez", "", "male", "", ""],
        ["IT", 9, "expert", "", "ISS", "Giulia Rossi", "", "female", "", "giulia@example.org"],
    ]


def test_representative_export_excludes_other_countries_experts(composition):
    _, rows = composition_rows(user=composition.rep_it)

    assert {row[0] for row in rows} == {"IT"}


def test_a_viewer_exports_no_experts(composition):
    assert composition_rows(user=composition.viewer)[1] == []


def test_export_narrowed_to_countries_by_eu_or_iso_code(composition):
    _, rows = composition_rows(user=composition.staff, countries=["gr", composition.it])

    assert [row[5] for row in rows] == ["Nikos", "Giulia Rossi"]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_export_imports_back_without_any_change(composition, file_format):
    data = composition_export(user=composition.staff, file_format=file_format)
    history = (Expert.history.count(), Membership.history.count())

    summary = reimport(data, f"export.{file_format}")

    assert not summary.changed, summary.changes
    assert summary.counts["experts"].unchanged == 4
    assert (Expert.history.count(), Membership.history.count()) == history


def test_a_representatives_export_imports_back_without_any_change(composition):
    data = composition_export(user=composition.rep_es, file_format="csv")

    summary = import_composition(
        data=data, filename="export.csv", replace=True, user=composition.rep_es
    )

    assert not summary.changed


def test_seats_held_through_mirror_groups_export_once_and_import_back_unchanged(cast):
    ana = expert(name="Ana García", email="ana@example.org")
    core = MirrorGroup.objects.create(country=cast.es, kind="core", name="Core")
    forum = MirrorGroup.objects.create(country=cast.es, kind="forum", name="Forum")
    seat(ana, 3, "expert", mirror_group=core)
    seat(ana, 3, "coordinator", mirror_group=forum)
    seat(ana, 4, "expert", mirror_group=core)
    seat(ana, 4, "coordinator")

    _, rows = composition_rows(user=cast.staff)
    summary = reimport(composition_export(user=cast.staff, file_format="csv"), "export.csv")

    assert [(row[1], row[2]) for row in rows] == [(3, "coordinator"), (4, "coordinator")]
    assert not summary.changed
    assert Membership.objects.count() == 4


def test_csv_export_neutralises_formulas_and_imports_back_unchanged(cast):
    for i, text in enumerate(FORMULAS):
        expert(name=text, institution=text, position=text, email=f"p{i}@example.org")

    data = composition_export(user=cast.staff, file_format="csv")

    rows = read_csv(data)[1:]
    for column in (4, 5, 6):  # institution, name, position
        assert sorted(row[column] for row in rows) == sorted("'" + text for text in FORMULAS)


def test_csv_export_of_formula_like_values_imports_back_unchanged(cast):
    for i, text in enumerate(STRIPPED_FORMULAS):
        expert(name=text, institution=text, position=text, email=f"p{i}@example.org")

    data = composition_export(user=cast.staff, file_format="csv")

    assert not reimport(data, "export.csv").changed
    assert sorted(Expert.objects.values_list("name", flat=True)) == sorted(STRIPPED_FORMULAS)


def test_xlsx_export_stores_formulas_as_plain_text(cast):
    for i, text in enumerate(FORMULAS):
        expert(name=text, email=f"p{i}@example.org")

    data = composition_export(user=cast.staff, file_format="xlsx")

    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    cells = [row[5] for row in sheet.iter_rows(min_row=2)]
    assert sorted(cell.value for cell in cells) == sorted(FORMULAS)
    assert {cell.data_type for cell in cells} == {"s"}


def test_xlsx_export_of_formula_like_values_imports_back_unchanged(cast):
    for i, text in enumerate(STRIPPED_FORMULAS):
        expert(name=text, email=f"p{i}@example.org")

    data = composition_export(user=cast.staff, file_format="xlsx")

    assert not reimport(data, "export.xlsx").changed


def test_unknown_export_format_is_refused(cast):
    with pytest.raises(ValueError, match='unknown export format "pdf"'):
        composition_export(user=cast.staff, file_format="pdf")


def test_the_template_has_the_header_and_the_valid_values(db):
    workbook = openpyxl.load_workbook(io.BytesIO(composition_template_xlsx()))

    header_sheet, values_sheet = workbook.worksheets
    assert [list(row) for row in header_sheet.iter_rows(values_only=True)] == [list(COLUMNS)]
    values = list(values_sheet.iter_rows(values_only=True))
    assert values_sheet.title == "Valid values"
    assert values[0] == ("column", "value", "label")
    assert values[1] == ("working_group", 1, "Scope, stakeholders, organisation and governance")
    assert ("stakeholder_type", "research-university", "Research/University") in values
    assert ("role", "coordinator", "Coordinator") in values
    assert ("gender", "undisclosed", "Undisclosed") in values
    assert [row[0] for row in values[1:]].count("working_group") == 11
    assert [row[0] for row in values[1:]].count("stakeholder_type") == 10


def test_the_template_imports_as_an_empty_file(db):
    with pytest.raises(Exception, match="the file has a header but no data rows"):
        import_composition(data=composition_template_xlsx(), filename="template.xlsx")


# A fixed number of queries


def _experts(count: int) -> None:
    for i in range(count):
        person = expert(name=f"Person {i}", email=f"p{i}@example.org")
        seat(person, 1 + i % 11)
        seat(person)


@pytest.mark.parametrize("count", [2, 20])
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_staff_export_runs_in_a_fixed_number_of_queries(
    cast, count, file_format, django_assert_num_queries
):
    _experts(count)
    staff = get_user_model().objects.get(username="staff")
    # The user's permissions (user and group); experts, memberships, working groups.
    with django_assert_num_queries(5):
        data = composition_export(user=staff, file_format=file_format)

    assert data


@pytest.mark.parametrize("count", [2, 20])
def test_representative_export_runs_in_a_fixed_number_of_queries(
    cast, count, django_assert_num_queries
):
    _experts(count)
    rep = get_user_model().objects.get(username="rep_es")
    # Permissions (user and group), represented countries; experts, memberships, working groups.
    with django_assert_num_queries(6):
        _, rows = composition_rows(user=rep)

    assert len(rows) == 2 * count


def test_the_template_runs_in_two_queries(db, django_assert_num_queries):
    with django_assert_num_queries(2):
        composition_template_xlsx()


def test_the_resource_exports_the_file_columns_through_django_import_export(composition):
    dataset = CompositionResource().export(
        Membership.objects.select_related("expert__country", "working_group").filter(
            expert__country__code="IT"
        )
    )

    assert dataset.headers == list(COLUMNS)
    giulia = ["IT", 9, "expert", "", "ISS", "Giulia Rossi", "", "female", "", "giulia@example.org"]
    assert list(dataset[0]) == giulia
