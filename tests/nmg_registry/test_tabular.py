"""Reading uploads and writing exports: the rules shared by every import and export."""

import csv
import io

import openpyxl
import pytest

from nmg_registry.tabular import (
    ImportFailed,
    ImportSummary,
    neutralise,
    read_table,
    write_csv,
    write_xlsx,
)

COLUMNS = ["name", "note"]


def csv_cells(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def read(data, filename="file.csv", **kwargs):
    return read_table(data, filename=filename, required=COLUMNS, **kwargs)


def errors_of(data, filename="file.csv", **kwargs):
    with pytest.raises(ImportFailed) as excinfo:
        read(data, filename, **kwargs)
    return [str(e) for e in excinfo.value.errors]


def test_rows_carry_the_line_number_a_spreadsheet_shows():
    table = read(b"name,note\nAna,first\n\nBo,second\n")

    assert [(r.line, r.cells["name"]) for r in table.rows] == [(2, "Ana"), (4, "Bo")]


def test_header_and_cells_are_trimmed_and_the_header_case_ignored():
    table = read(b"\xef\xbb\xbf Name , NOTE \n  Ana  , x \n")

    assert table.rows[0].cells == {"name": "Ana", "note": "x"}


def test_semicolon_separated_csv_from_a_european_excel():
    assert read(b"name;note\nAna;a, b\n").rows[0].cells == {"name": "Ana", "note": "a, b"}


def test_an_empty_file_is_named_as_such():
    assert errors_of(b"") == ["the file is empty"]
    assert errors_of(b"\n \n") == ["the file is empty"]


def test_a_header_without_rows_is_named_as_such():
    assert errors_of(b"name,note\n") == ["the file has a header but no data rows"]


def test_a_file_that_is_not_utf8_is_named_as_such_without_a_traceback():
    [message] = errors_of("name,note\nJosé,x\n".encode("latin-1"))

    assert message.startswith("the file is not UTF-8 text")


def test_a_broken_xlsx_is_named_as_such():
    assert errors_of(b"PK\x03\x04 not really a zip", "file.xlsx") == [
        "the file is not a readable XLSX workbook"
    ]


def test_every_header_problem_is_reported_at_once():
    messages = errors_of(b"name,colour,colour\nA,b,c\n")

    assert messages == [
        'line 1: unknown column "colour"; expected name, note',
        'line 1: column "colour" appears twice in the header row',
        'line 1: missing column "note"',
    ]


def test_extra_columns_may_be_allowed_by_the_caller():
    table = read(b"name,note,q1\nA,b,c\n", extra_allowed=lambda name: name.startswith("q"))

    assert table.columns == ["name", "note", "q1"]


def test_a_row_longer_than_the_header_is_reported_with_its_line():
    assert errors_of(b"name,note\nA,b\nC,d,e\n") == [
        "line 3: the row has 3 cells but the header names 2 columns"
    ]


def test_xlsx_values_not_formulas_and_whole_numbers_without_decimals():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["name", "note"])
    sheet.append(["Ana", 3.0])
    sheet.append(["Bo", "=1+2"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    # A formula is never run; without a saved result there is no value, and the file says so.
    assert errors_of(buffer.getvalue(), "file.xlsx") == [
        "line 3, note: cell B3 holds a formula with no saved result; formulas are not read: "
        "paste values instead"
    ]
    sheet.delete_rows(3)
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert read(buffer.getvalue(), "file.xlsx").rows[0].cells["note"] == "3"


@pytest.mark.parametrize("value", ['=HYPERLINK("x")', "+1", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_csv_export_neutralises_formula_triggers(value):
    assert neutralise(value) == "'" + value
    assert csv_cells(write_csv(["name"], [[value]]))[1] == ["'" + value]


def test_csv_export_leaves_plain_text_alone_and_starts_with_a_bom():
    content = write_csv(["name"], [["Ana"], [None], [3]])

    assert content.startswith(b"\xef\xbb\xbf")
    assert csv_cells(content) == [["name"], ["Ana"], [""], ["3"]]


def test_a_neutralised_csv_export_imports_back_unchanged():
    table = read(write_csv(COLUMNS, [["=cmd|' /C calc'!A0", "-5"]]))

    assert table.rows[0].cells == {"name": "=cmd|' /C calc'!A0", "note": "-5"}


def test_xlsx_export_stores_formula_like_text_as_text():
    content = write_xlsx([("Experts", COLUMNS, [["=1+2", 7], ["@x", "plain"]])])

    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert (sheet["A2"].value, sheet["A2"].data_type) == ("=1+2", "s")
    assert sheet["A2"].quotePrefix
    assert (sheet["B2"].value, sheet["B2"].data_type) == (7, "n")
    assert not sheet["B3"].quotePrefix


def test_the_summary_line_names_each_model():
    summary = ImportSummary(dry_run=True)
    summary.for_model("experts").created = 2
    summary.for_model("memberships").unchanged = 5

    assert summary.line() == (
        "Dry run, nothing written. experts: 2 created, 0 updated, 0 unchanged, 0 removed; "
        "memberships: 0 created, 0 updated, 5 unchanged, 0 removed"
    )
    assert summary.changed


@pytest.mark.parametrize(
    "value", ["'=1+1", "''=1+1", "'-", "'", "''", "'plain", "'\tx", "=1", "a'=b", "_x0041_"]
)
def test_a_csv_export_of_a_value_starting_with_an_apostrophe_imports_back_unchanged(value):
    table = read(write_csv(COLUMNS, [[value, "x"]]))

    assert table.rows[0].cells["name"] == value


@pytest.mark.parametrize(
    "value", ["'=1+1", "''x", "'", "=1+1", "a\x0bb\x01", "x\ry", "_x0041_", "_x0041\x0bz", "\ufffe"]
)
def test_an_xlsx_export_of_any_text_imports_back_unchanged(value):
    table = read(write_xlsx([("Sheet", COLUMNS, [[value, "x"]])]), "file.xlsx")

    assert table.rows[0].cells["name"] == value


def test_an_xlsx_import_keeps_a_typed_apostrophe():
    """Excel stores the apostrophe typed before a formula as a style, never in the value: an
    apostrophe in an XLSX value is part of the text."""
    workbook = openpyxl.Workbook()
    workbook.active.append(["name", "note"])
    workbook.active.append(["'=1+1", "'x"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    assert read(buffer.getvalue(), "file.xlsx").rows[0].cells == {"name": "'=1+1", "note": "'x"}
