"""Exporting a round's responses: `response_rows` and `response_export`."""

import csv
import io

import openpyxl
import pytest

from surveys.models import Survey
from surveys.selectors import response_export, response_rows
from surveys.services.file_import import import_survey
from tests import factories
from tests.surveys.test_import import TWENTY_INVITED, answer_rows, csv_file, header

pytestmark = pytest.mark.django_db

FORMULAS = {
    "wg1_representative": "=cmd|' /C calc'!A0",
    "nmg_composition": "+33 1 23 45 67",
    "roadmap_implementation": "-2 groups",
    "engagement_how": "@SUM(1+1)",
}


@pytest.fixture
def survey(db):
    return Survey.objects.get(slug="nmg-survey-2020")


def imported(survey, *rows):
    import_survey(survey=survey, data=csv_file(survey, *rows), filename="responses.csv")


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def read_xlsx(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]


def test_rows_follow_the_import_layout_sorted_by_eu_code_with_option_values(survey, cast):
    imported(
        survey,
        {"country": "IT", "nmg_stage": "Planning/preparing"},
        {"country": "gr", "engagement": "YES", "member_activity": "4"},
        {"country": "ES", "health_genomics_plan_url": "https://example.org/plan"},
    )

    columns, rows = response_rows(survey=survey, user=cast.viewer)

    assert columns == header(survey)
    assert [row[0] for row in rows] == ["EL", "ES", "IT"]
    el = dict(zip(columns, rows[0], strict=True))
    assert el["engagement"] == "yes"
    assert el["member_activity"] == 4  # a number, so that a spreadsheet can average it
    assert el["nmg_stage"] == ""
    assert dict(zip(columns, rows[2], strict=True))["nmg_stage"] == "planning"


@pytest.mark.parametrize("who", ["viewer", "rep_it", "staff"])
def test_an_export_holds_only_submitted_responses(survey, cast, who):
    imported(survey, {"country": "ES", "nmg_stage": "operational"})
    draft = factories.ResponseFactory(survey=survey, country=cast.it)
    factories.AnswerFactory(
        response=draft, question=survey.questions.get(code="wg1_representative"), text="Draft"
    )

    _, rows = response_rows(survey=survey, user=getattr(cast, who))

    assert [row[0] for row in rows] == ["ES"]


def test_an_anonymous_reader_gets_no_rows_unless_aggregates_are_public(survey, cast, settings):
    imported(survey, {"country": "ES", "nmg_stage": "operational"})

    assert response_rows(survey=survey, user=cast.anonymous).rows == []
    settings.NMG_PUBLIC_AGGREGATES = True
    assert [row[0] for row in response_rows(survey=survey, user=cast.anonymous).rows] == ["ES"]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_export_imports_back_unchanged(survey, cast, file_format):
    imported(
        survey,
        {
            "country": "ES",
            "scientific_coordinator": "Same as WG1 representative",
            "health_genomics_plan_url": "https://example.org/plan?lang=es&v=2",
            "nmg_stage": "Constructing/starting up",
            "member_activity": "5 (very active)",
            "engagement_how": "Más reuniones, “mejor” comunicación\nand a second line",
        },
        {"country": "GR", **FORMULAS},
        {"country": "IT", "funding": "No"},
    )
    exported = response_export(survey=survey, user=cast.staff, file_format=file_format)

    summary = import_survey(survey=survey, data=exported, filename=f"export.{file_format}")

    assert not summary.changed
    assert summary.counts["responses"].unchanged == 3
    assert summary.counts["answers"].unchanged == 10


def test_csv_export_prefixes_formula_like_text_with_an_apostrophe(survey, cast):
    imported(survey, {"country": "ES", **FORMULAS})

    columns, *rows = read_csv(response_export(survey=survey, user=cast.viewer, file_format="csv"))

    es = dict(zip(columns, rows[0], strict=True))
    assert {code: es[code] for code in FORMULAS} == {
        code: "'" + text for code, text in FORMULAS.items()
    }


def test_xlsx_export_stores_formula_like_text_as_text(survey, cast):
    imported(survey, {"country": "ES", "member_activity": "3", **FORMULAS})

    sheet = read_xlsx(response_export(survey=survey, user=cast.viewer, file_format="xlsx"))

    columns = [cell.value for cell in sheet[1]]
    cells = dict(zip(columns, sheet[2], strict=True))
    for code, text in FORMULAS.items():
        assert cells[code].data_type == "s"
        assert cells[code].value == text
    assert cells["member_activity"].data_type == "n"
    assert cells["member_activity"].value == 3
    assert sheet.title == "nmg-survey-2020"


def test_an_unknown_format_is_refused(survey, cast):
    with pytest.raises(ValueError, match='unknown file format "pdf"; use csv or xlsx'):
        response_export(survey=survey, user=cast.viewer, file_format="pdf")


@pytest.mark.parametrize("countries", [2, 20])
@pytest.mark.parametrize(("who", "queries"), [("viewer", 7), ("staff", 6)])
def test_export_queries_do_not_grow_with_the_number_of_countries(
    survey, cast, countries, who, queries, django_assert_num_queries
):
    imported(survey, *answer_rows(TWENTY_INVITED[:countries]))
    user = type(cast.viewer).objects.get(username=who)  # nothing of the policy cached yet

    # questions, options, responses with their countries, answers; the policy's reads:
    # the user's permissions, their groups' permissions and, for a non-staff user,
    # the countries they represent
    with django_assert_num_queries(queries):
        response_export(survey=survey, user=user, file_format="xlsx")
