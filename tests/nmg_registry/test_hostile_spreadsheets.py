"""Malformed and hostile files: each is refused whole with a message naming its fault, never
an exception other than ImportFailed, never a hung reader. The files are built in the test."""

import random

import pytest

from nmg_registry.tabular import MORE_ERRORS, ErrorCollector, ImportFailed, limits, read_table
from nmg_registry.tabular.xlsx import Workbook
from tests.spreadsheet_builders import (
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    header,
    inline,
    row,
    shared_strings_xml,
    sheet_xml,
    with_declared_size,
    workbook_rels,
    workbook_xml,
    xlsx,
    zip_of,
)

COLUMNS = ["name", "note"]
TEN_MB = 10 * 1024 * 1024
HEAD = header("name", "note")


def incompressible(length: int) -> str:
    """Text that does not compress, so that a big cell is not taken for a zip bomb."""
    return random.Random(length).randbytes(length // 2).hex()


def sheet(*rows, **kwargs) -> str:
    return sheet_xml(HEAD, *rows, **kwargs)


def one_sheet(*rows, **kwargs) -> bytes:
    return xlsx(sheet(*rows, **kwargs))


def cell(ref: str, value: str, type_: str | None = None, extra: str = "") -> str:
    kind = f' t="{type_}"' if type_ else ""
    return f'<c r="{ref}"{kind}{extra}><v>{value}</v></c>'


def messages_of(data: bytes, filename: str = "file.xlsx") -> list[str]:
    with pytest.raises(ImportFailed) as excinfo:
        read_table(data, filename=filename, required=COLUMNS)
    return [str(error) for error in excinfo.value.errors]


def many_members() -> bytes:
    parts = {f"junk/{i}.txt": "x" for i in range(limits.MAX_ARCHIVE_MEMBERS + 1)}
    return zip_of(parts)


def encrypted_sheet() -> bytes:
    data = bytearray(one_sheet(row(2, inline("A2", "Ana"))))
    # Set the "encrypted" flag of every entry, local and central.
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        while at != -1:
            data[at + offset] |= 1
            at = data.find(signature, at + 4)
    return bytes(data)


def shared_part_sheets(count: int, sheet_part: str) -> bytes:
    """A workbook whose first sheet is empty and whose other sheets all name one part."""
    rels = workbook_rels(count).replace(
        "".join(f'Target="worksheets/sheet{i}.xml"' for i in range(2, 3)),
        'Target="worksheets/sheet2.xml"',
    )
    for i in range(3, count + 1):
        rels = rels.replace(f'Target="worksheets/sheet{i}.xml"', 'Target="worksheets/sheet2.xml"')
    return xlsx(sheet_xml(), sheet_part, names=tuple(f"S{i}" for i in range(count)), rels=rels)


def noisy(unit: str, size: int) -> str:
    """`unit` repeated to about `size` characters with random blanks between, so that the
    part compresses like a real one (tens of times) rather than like a bomb."""
    rng = random.Random(size)
    parts, length = [], 0
    while length < size:
        part = unit * 48 + " " * rng.randint(0, 7) + "\n" * rng.randint(0, 3)
        parts.append(part)
        length += len(part)
    return "".join(parts)


def empty_cells(count: int) -> str:
    return sheet_xml(row(1, "<c/>" * count))


def empty_rows(count: int) -> str:
    return sheet_xml(noisy("<row/>", 7 * count))


def dated(serial: str, *, date1904: bool = False) -> bytes:
    """A workbook whose B2 holds `serial` in a date format."""
    styles = (
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs></styleSheet>'
    )
    rels = workbook_rels(1).replace(
        "</Relationships>",
        '<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/styles" Target="styles.xml"/></Relationships>',
    )
    workbook = workbook_xml("Sheet1")
    if date1904:
        workbook = workbook.replace("<sheets>", '<workbookPr date1904="1"/><sheets>')
    return xlsx(
        sheet(row(2, inline("A2", "Ana"), cell("B2", serial, extra=' s="1"'))),
        workbook=workbook,
        rels=rels,
        extra={"xl/styles.xml": styles},
    )


UNREADABLE = "the file is not a readable XLSX workbook"
TOO_MANY_ELEMENTS = f"{UNREADABLE}: it holds more than {limits.MIN_XML_ELEMENTS:,} XML elements"
DECLARES = f"{UNREADABLE}: it declares a document type or entities, which no spreadsheet needs"
TOO_LONG = f"the cell is longer than {limits.MAX_CELL_CHARS:,} characters"

# (id, file, file name, the one message expected)
CASES = [
    # Entities: never declared, expanded or fetched, wherever they hide.
    (
        "xxe-in-sheet",
        xlsx(sheet(row(2, inline("A2", "&xxe;")), prolog=EXTERNAL_ENTITY)),
        "f.xlsx",
        DECLARES,
    ),
    (
        "xxe-in-shared-strings",
        xlsx(
            sheet(row(2, cell("A2", "0", "s"))),
            shared=shared_strings_xml("&xxe;", prolog=EXTERNAL_ENTITY),
        ),
        "f.xlsx",
        DECLARES,
    ),
    (
        "xxe-in-workbook",
        xlsx(sheet(), workbook=workbook_xml("Sheet1", prolog=EXTERNAL_ENTITY)),
        "f.xlsx",
        DECLARES,
    ),
    (
        "xxe-in-relationships",
        xlsx(sheet(), rels=workbook_rels(1, prolog=EXTERNAL_ENTITY)),
        "f.xlsx",
        DECLARES,
    ),
    (
        "external-dtd",
        xlsx(sheet(prolog='<!DOCTYPE x SYSTEM "http://attacker.example/x.dtd">')),
        "f.xlsx",
        DECLARES,
    ),
    (
        "billion-laughs-in-sheet",
        xlsx(sheet(row(2, inline("A2", "&j;")), prolog=BILLION_LAUGHS)),
        "f.xlsx",
        DECLARES,
    ),
    (
        "billion-laughs-in-shared-strings",
        xlsx(
            sheet(row(2, cell("A2", "0", "s"))),
            shared=shared_strings_xml("&j;", prolog=BILLION_LAUGHS),
        ),
        "f.xlsx",
        DECLARES,
    ),
    (
        "undeclared-entity",
        one_sheet(row(2, inline("A2", "&nope;"))),
        "f.xlsx",
        f"{UNREADABLE}: xl/worksheets/sheet1.xml is not well-formed XML (undefined entity",
    ),
    # Broken XML.
    (
        "malformed-sheet-xml",
        xlsx(sheet(row(2, '<c r="A2" t="inlineStr"><is><t>Ana</is></c>'))),
        "f.xlsx",
        f"{UNREADABLE}: xl/worksheets/sheet1.xml is not well-formed XML (mismatched tag",
    ),
    (
        "truncated-sheet-xml",
        xlsx(sheet(row(2, inline("A2", "Ana")))[:-40]),
        "f.xlsx",
        f"{UNREADABLE}: xl/worksheets/sheet1.xml is not well-formed XML (",
    ),
    (
        "malformed-shared-strings",
        xlsx(sheet(row(2, cell("A2", "0", "s"))), shared="<sst><si><t>x</si>"),
        "f.xlsx",
        f"{UNREADABLE}: xl/sharedStrings.xml is not well-formed XML (mismatched tag",
    ),
    (
        "malformed-workbook",
        xlsx(sheet(), workbook="<workbook><sheets>"),
        "f.xlsx",
        f"{UNREADABLE}: xl/workbook.xml is not well-formed XML (",
    ),
    # Cells that point nowhere or hold what their type cannot.
    (
        "shared-string-index-out-of-range",
        xlsx(sheet(row(2, cell("A2", "7", "s"))), shared=shared_strings_xml("only one")),
        "f.xlsx",
        f"{UNREADABLE}: cell A2 points to shared text '7', but the workbook has 1",
    ),
    (
        "shared-string-index-not-a-number",
        xlsx(sheet(row(2, cell("A2", "-x", "s"))), shared=shared_strings_xml("one")),
        "f.xlsx",
        f"{UNREADABLE}: cell A2 points to shared text '-x', but the workbook has 1",
    ),
    (
        "bogus-boolean",
        one_sheet(row(2, inline("A2", "Ana"), cell("B2", "maybe", "b"))),
        "f.xlsx",
        f'{UNREADABLE}: cell B2 holds "maybe" as a true/false value',
    ),
    (
        "unknown-cell-type",
        one_sheet(row(2, inline("A2", "Ana"), cell("B2", "1", "zz"))),
        "f.xlsx",
        f'{UNREADABLE}: cell B2 has the unknown type "zz"',
    ),
    (
        "bogus-number",
        one_sheet(row(2, inline("A2", "Ana"), cell("B2", "12abc"))),
        "f.xlsx",
        f'{UNREADABLE}: cell B2 holds "12abc" as a number',
    ),
    (
        "not-a-number",
        one_sheet(row(2, inline("A2", "Ana"), cell("B2", "NaN"))),
        "f.xlsx",
        f'{UNREADABLE}: cell B2 holds "NaN" as a number',
    ),
    (
        "bogus-date",
        one_sheet(row(2, inline("A2", "Ana"), cell("B2", "yesterday", "d"))),
        "f.xlsx",
        f'{UNREADABLE}: cell B2 holds "yesterday" as a date',
    ),
    (
        "error-cell",
        one_sheet(row(2, inline("A2", "Ana"), cell("B2", "#DIV/0!", "e"))),
        "f.xlsx",
        "line 2, note: cell B2 holds the spreadsheet error #DIV/0!; type the value instead",
    ),
    (
        "formula-without-saved-value",
        one_sheet(row(2, '<c r="A2"><f>CONCAT("A","na")</f><v/></c>')),
        "f.xlsx",
        "line 2, name: cell A2 holds a formula with no saved result; formulas are not read: "
        "paste values instead",
    ),
    (
        "date-rounded-past-the-last-day",
        dated("2958465.9999999"),
        "f.xlsx",
        "line 2, note: cell B2 holds a date past 9999-12-31",
    ),
    (
        "date-past-the-last-day-in-the-1904-system",
        dated("2958000", date1904=True),
        "f.xlsx",
        "line 2, note: cell B2 holds a date past 9999-12-31",
    ),
    (
        "nul-character-escaped-in-a-cell",
        one_sheet(row(2, inline("A2", "An_x0000_a"))),
        "f.xlsx",
        "line 2, name: the cell holds a NUL character, which cannot be stored",
    ),
    # Declared dimensions and positions are never trusted; limits hold.
    (
        "dimension-of-the-whole-sheet-with-a-cell-on-its-last-line",
        one_sheet(row(1_048_576, inline("A1048576", "x")), dimension="A1:XFD1048576"),
        "f.xlsx",
        f"the sheet has data on line 1,048,576; the limit is {limits.MAX_ROWS:,} lines",
    ),
    (
        "value-in-the-last-column",
        one_sheet(row(2, inline("A2", "Ana"), inline("XFD2", "x")), dimension="A1:XFD2"),
        "f.xlsx",
        f"line 2, XFD: a value stands in column XFD; the limit is {limits.MAX_COLUMNS} columns",
    ),
    (
        "cell-reference-of-another-line",
        one_sheet(row(2, inline("A7", "Ana"))),
        "f.xlsx",
        f'{UNREADABLE}: a cell of line 2 has the reference "A7", out of place or order',
    ),
    (
        "cells-out-of-order",
        one_sheet(row(2, inline("B2", "x"), inline("A2", "Ana"))),
        "f.xlsx",
        f'{UNREADABLE}: a cell of line 2 has the reference "A2", out of place or order',
    ),
    (
        "cell-reference-beyond-the-sheet",
        one_sheet(row(2, inline("ZZZZ2", "x"))),
        "f.xlsx",
        f'{UNREADABLE}: a cell of line 2 has the reference "ZZZZ2", out of place or order',
    ),
    (
        "rows-out-of-order",
        one_sheet(row(3, inline("A3", "Ana")), row(2, inline("A2", "Bo"))),
        "f.xlsx",
        f'{UNREADABLE}: a row has the number "2", out of order or range',
    ),
    (
        "row-number-beyond-the-sheet",
        one_sheet(row(2_000_000, inline("A2000000", "x"))),
        "f.xlsx",
        f'{UNREADABLE}: a row has the number "2000000", out of order or range',
    ),
    (
        "cell-outside-a-row",
        xlsx(sheet_xml(HEAD, inline("A2", "Ana"))),
        "f.xlsx",
        f"{UNREADABLE}: a cell stands outside any row",
    ),
    (
        "inline-cell-of-10-mb",
        one_sheet(row(2, inline("A2", incompressible(TEN_MB)))),
        "f.xlsx",
        f"line 2, name: {TOO_LONG}",
    ),
    (
        "shared-string-of-10-mb",
        xlsx(
            sheet(row(2, cell("B2", "0", "s"))), shared=shared_strings_xml(incompressible(TEN_MB))
        ),
        "f.xlsx",
        f"line 2, note: {TOO_LONG}",
    ),
    # Archives that are no workbook, or bombs.
    (
        "zip-bomb-by-expansion",
        one_sheet(row(2, inline("A2", "Ana")) + " " * (8 * 1024 * 1024)),
        "f.xlsx",
        f"{UNREADABLE}: the part xl/worksheets/sheet1.xml expands",
    ),
    (
        "zip-bomb-by-declared-size",
        with_declared_size(one_sheet(), "xl/worksheets/sheet1.xml", 4_000_000_000),
        "f.xlsx",
        f"{UNREADABLE}: it expands to more than {limits.MAX_UNCOMPRESSED_BYTES // 2**20} MB",
    ),
    (
        "size-that-lies",
        with_declared_size(one_sheet(row(2, inline("A2", "Ana"))), "xl/worksheets/sheet1.xml", 90),
        "f.xlsx",
        f"{UNREADABLE}: the part xl/worksheets/sheet1.xml is damaged",
    ),
    (
        "too-many-parts",
        many_members(),
        "f.xlsx",
        f"{UNREADABLE}: the archive holds {limits.MAX_ARCHIVE_MEMBERS + 1:,} parts",
    ),
    (
        "encrypted-parts",
        encrypted_sheet(),
        "f.xlsx",
        f"{UNREADABLE}: it is encrypted; save it without a password",
    ),
    (
        "zip-that-is-no-workbook",
        zip_of({"readme.txt": "hello"}),
        "f.xlsx",
        f"{UNREADABLE}: the archive holds no workbook (xl/workbook.xml is missing)",
    ),
    (
        "empty-zip",
        zip_of({}),
        "f.xlsx",
        f"{UNREADABLE}: the archive holds no workbook (xl/workbook.xml is missing)",
    ),
    (
        "workbook-without-sheets",
        xlsx(workbook=workbook_xml()),
        "f.xlsx",
        f"{UNREADABLE}: it has no sheet",
    ),
    (
        "sheet-part-missing",
        xlsx(sheet(), omit=("xl/worksheets/sheet1.xml",)),
        "f.xlsx",
        f"{UNREADABLE}: the part xl/worksheets/sheet1.xml is missing",
    ),
    (
        "opendocument-spreadsheet",
        zip_of({"mimetype": "application/vnd.oasis.opendocument.spreadsheet"}),
        "f.ods",
        "the file is an OpenDocument spreadsheet (.ods); save it as XLSX or as CSV UTF-8",
    ),
    (
        "excel-97-workbook",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500,
        "f.xls",
        "the file is an Excel 97-2003 workbook (.xls) or a workbook saved with a password",
    ),
    (
        "not-a-zip-named-xlsx",
        b"name,note\nAna,x\n",
        "f.xlsx",
        UNREADABLE,
    ),
    # Work out of proportion to the file's size: every element counts, empty or not, in
    # every part, however often it is read.
    (
        "one-part-named-by-250-sheets",
        shared_part_sheets(250, empty_cells(1000)),
        "f.xlsx",
        f"{UNREADABLE}: it has 250 sheets; the limit is {limits.MAX_SHEETS}",
    ),
    (
        "one-part-named-by-two-sheets",
        shared_part_sheets(3, empty_cells(1000)),
        "f.xlsx",
        f'{UNREADABLE}: the sheets "S1" and "S2" are one and the same part; a workbook gives '
        "each sheet its own",
    ),
    (
        "empty-cells-past-the-element-budget",
        xlsx(empty_cells(limits.MIN_XML_ELEMENTS)),
        "f.xlsx",
        TOO_MANY_ELEMENTS,
    ),
    (
        "empty-rows-past-the-element-budget",
        xlsx(empty_rows(limits.MIN_XML_ELEMENTS)),
        "f.xlsx",
        TOO_MANY_ELEMENTS,
    ),
    (
        "empty-cells-spread-over-sheets-past-the-element-budget",
        xlsx(
            sheet_xml(),
            *[empty_cells(limits.MIN_XML_ELEMENTS // 3) for _ in range(4)],
        ),
        "f.xlsx",
        TOO_MANY_ELEMENTS,
    ),
    (
        "empty-cells-with-noise-that-compresses-like-a-real-sheet",
        xlsx(sheet_xml(row(1, noisy("<c/>", 5 * limits.MIN_XML_ELEMENTS)))),
        "f.xlsx",
        TOO_MANY_ELEMENTS,
    ),
    (
        "small-parts-expanding-past-the-ratio-together",
        xlsx(
            sheet(row(2, inline("A2", "Ana"))) + " " * 900_000,
            shared=shared_strings_xml() + " " * 900_000,
        ),
        "f.xlsx",
        f"{UNREADABLE}: it expands to more than {limits.MAX_COMPRESSION_RATIO} times its own "
        "size when unpacked, all its parts read together (the limit): a zip bomb?",
    ),
    # CSV.
    (
        "csv-of-delimiters-past-the-line-limit",
        b",\n" * (limits.MAX_ROWS + 1),
        "f.csv",
        f"the file has more than {limits.MAX_ROWS:,} lines (the limit)",
    ),
    (
        "csv-of-blank-lines-past-the-line-limit-then-a-header",
        b"\n" * (limits.MAX_ROWS + 1) + b"name,note\nAna,x\n",
        "f.csv",
        f"the file has more than {limits.MAX_ROWS:,} lines (the limit)",
    ),
    (
        "csv-of-carriage-returns-past-the-line-limit",
        b"\r" * (limits.MAX_ROWS + 1) + b"name,note\rAna,x\r",
        "f.csv",
        f"the file has more than {limits.MAX_ROWS:,} lines (the limit)",
    ),
    (
        "csv-blank-lines-before-the-header",
        b",,\n" * limits.MAX_LINES_BEFORE_HEADER + b"name,note\nAna,x\n",
        "f.csv",
        f"no header in the first {limits.MAX_LINES_BEFORE_HEADER:,} lines: they are blank",
    ),
    (
        "csv-line-of-a-million-delimiters",
        b"name,note\nAna," + b"," * 1_000_000 + b"\n",
        "f.csv",
        f"line 2 has more than {limits.MAX_COLUMNS} cells; the limit is {limits.MAX_COLUMNS} "
        "columns",
    ),
    (
        "csv-delimiters-after-a-quoted-cell",
        b'name,note\n"Ana, with, commas",' + b";," * 600 + b"\n",
        "f.csv",
        f"line 2 has more than {limits.MAX_COLUMNS} cells",
    ),
    (
        "csv-plain-cell-of-10-mb",
        b"name,note\nAna," + b"x" * TEN_MB + b"\n",
        "f.csv",
        f"line 2: a cell is longer than {limits.MAX_CELL_CHARS:,} characters",
    ),
    (
        "csv-quoted-cell-of-10-mb",
        b'name,note\nAna,"' + b"x" * TEN_MB + b'"\n',
        "f.csv",
        f"line 2: a cell is longer than {limits.MAX_CELL_CHARS:,} characters",
    ),
    (
        "csv-cell-past-the-limit",
        b"name,note\nAna," + b"x" * (limits.MAX_CELL_CHARS + 1) + b"\n",
        "f.csv",
        f"line 2, note: {TOO_LONG}",
    ),
    (
        "csv-unterminated-quote",
        b'name,note\n"Ana,x\nBo,y\n',
        "f.csv",
        "line 2: unterminated quote (a quoted cell opens on this line and is never closed)",
    ),
    (
        "csv-unterminated-quote-after-good-lines",
        b'name,note\nAna,x\nBo,"y\n\nCy,z\n',
        "f.csv",
        "line 3: unterminated quote (a quoted cell opens on this line and is never closed)",
    ),
    (
        "csv-nul-bytes",
        b"name,note\nAna,x\x00y\n",
        "f.csv",
        "the file holds NUL bytes, so it is neither CSV text nor an XLSX workbook",
    ),
    (
        "binary-file",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe",
        "f.csv",
        "the file is not UTF-8 text (byte 1 cannot be read); save it as CSV UTF-8 or as XLSX",
    ),
    (
        "csv-header-past-the-column-limit",
        (",".join(f"c{i}" for i in range(limits.MAX_COLUMNS + 1)) + "\n").encode(),
        "f.csv",
        f"line 1: the header names {limits.MAX_COLUMNS + 1} columns; the limit is "
        f"{limits.MAX_COLUMNS}",
    ),
]


@pytest.mark.parametrize(
    ("data", "filename", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_hostile_file_is_refused_with_one_message_naming_its_fault(data, filename, expected):
    [message] = messages_of(data, filename)

    assert message.startswith(expected)


def test_a_file_past_the_upload_limit_is_refused_before_it_is_read(settings):
    settings.NMG_MAX_UPLOAD_MB = 1

    [message] = messages_of(b"name,note\n" + b"Ana,x\n" * 200_000, "f.csv")

    assert message == "the file is 1.1 MB; the limit is 1 MB"


def test_a_file_past_the_row_limit_is_refused(monkeypatch):
    monkeypatch.setattr(limits, "MAX_ROWS", 3)

    assert messages_of(b"name,note\n" + b"Ana,x\n" * 3, "f.csv") == [
        "the file has more than 3 lines (the limit)"
    ]
    assert messages_of(one_sheet(row(4, inline("A4", "Ana")))) == [
        "the sheet has data on line 4; the limit is 3 lines"
    ]


def test_parts_expanding_past_the_limit_together_are_refused(monkeypatch):
    data = one_sheet(row(2, inline("A2", "Ana")))
    monkeypatch.setattr(limits, "MAX_UNCOMPRESSED_BYTES", 600)

    [message] = messages_of(data)

    assert message == f"{UNREADABLE}: it expands to more than 0 MB when unpacked (the limit)"


def read(data, filename="f.xlsx"):
    return [r.cells for r in read_table(data, filename=filename, required=COLUMNS).rows]


def test_a_sheet_declaring_the_whole_grid_is_read_by_its_cells_alone():
    data = one_sheet(row(2, inline("A2", "Ana"), inline("B2", "x")), dimension="A1:XFD1048576")

    assert read(data) == [{"name": "Ana", "note": "x"}]


def test_the_first_empty_sheet_names_the_sheet_holding_the_data():
    data = xlsx(sheet_xml(), sheet(row(2, inline("A2", "Ana"))), names=("Notes", "Experts 2021"))

    assert messages_of(data) == ['the first sheet is empty; the data is on sheet "Experts 2021"']


def test_an_empty_workbook_is_named_empty():
    assert messages_of(xlsx(sheet_xml(), sheet_xml())) == ["the file is empty"]


def test_every_cell_type_a_spreadsheet_writes_is_read_as_its_text():
    styles = (
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy hh:mm"/></numFmts>'
        '<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/></cellXfs>'
        "</styleSheet>"
    )
    rels = workbook_rels(1).replace(
        "</Relationships>",
        '<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/styles" Target="styles.xml"/></Relationships>',
    )
    data = xlsx(
        sheet(
            row(2, cell("A2", "0", "s"), cell("B2", "1", "b")),
            row(3, cell("A3", "1", "s"), cell("B3", "3.0")),
            row(4, inline("A4", "in_x000B_line"), cell("B4", "44197", extra=' s="1"')),
            row(5, '<c r="A5" t="str"><f>A4</f><v>computed</v></c>', cell("B5", "2.5")),
            row(6, inline("A6", "dated"), cell("B6", "44197.5", extra=' s="2"')),
            row(7, inline("A7", "iso"), cell("B7", "2021-01-01T00:00:00Z", "d")),
        ),
        shared=(
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            "<si><t>Ana</t></si>"
            "<si><r><t>Rich </t></r><r><rPr><b/></rPr><t>text</t></r><rPh><t>ignored</t></rPh></si>"
            "</sst>"
        ),
        rels=rels,
        extra={"xl/styles.xml": styles},
    )

    assert read(data) == [
        {"name": "Ana", "note": "yes"},
        {"name": "Rich text", "note": "3"},
        {"name": "in\x0bline", "note": "2021-01-01"},
        {"name": "computed", "note": "2.5"},
        {"name": "dated", "note": "2021-01-01T12:00:00"},
        {"name": "iso", "note": "2021-01-01"},
    ]


def test_a_sheet_with_prefixed_element_names_is_read():
    data = xlsx(
        sheet_xml(HEAD, row(2, inline("A2", "Ana")))
        .replace("<worksheet xmlns=", "<x:worksheet xmlns:x=")
        .replace("</worksheet>", "</x:worksheet>")
        .replace("<sheetData>", "<x:sheetData>")
        .replace("</sheetData>", "</x:sheetData>")
        .replace("<row ", "<x:row ")
        .replace("</row>", "</x:row>")
        .replace("<c ", "<x:c ")
        .replace("</c>", "</x:c>")
        .replace("<is>", "<x:is>")
        .replace("</is>", "</x:is>")
        .replace("<t ", "<x:t ")
        .replace("</t>", "</x:t>")
        .replace("<dimension ", "<x:dimension ")
    )

    assert read(data) == [{"name": "Ana", "note": ""}]


def test_a_fault_no_reader_foresaw_is_still_a_message(monkeypatch, caplog):
    def broken(self, sheet=0):
        raise IndexError("a fault in the reader")

    monkeypatch.setattr("nmg_registry.tabular.xlsx.Workbook.rows", broken)

    assert messages_of(one_sheet(row(2, inline("A2", "Ana")))) == [
        "the file cannot be read: it is damaged, or neither CSV nor XLSX"
    ]
    assert "IndexError" in caplog.text and "a fault in the reader" not in caplog.text


def test_a_long_column_name_is_quoted_short():
    [message] = messages_of(b"name,note," + b"x" * 5000 + b"\nAna,x,y\n", "f.csv")

    assert message == f'line 1: unknown column "{"x" * 59}…"; expected name, note'


def test_a_part_is_counted_before_it_is_parsed(monkeypatch):
    parsed = []
    chunks = Workbook._chunks

    def recording(self, stream, parser, path):
        parsed.append(path)
        return chunks(self, stream, parser, path)

    monkeypatch.setattr(Workbook, "_chunks", recording)

    data = xlsx(empty_cells(limits.MIN_XML_ELEMENTS))

    assert messages_of(data) == [
        f"{TOO_MANY_ELEMENTS} (cells, rows and others, empty ones included), more than a real "
        f"workbook of {len(data) // 1024} KB holds (refused for safety)"
    ]
    assert "xl/workbook.xml" in parsed and "xl/worksheets/sheet1.xml" not in parsed


def test_the_element_budget_follows_the_size_of_the_file():
    """A big real file gets a budget of its size; past it, only the cap."""
    small, large = (
        Workbook(xlsx(sheet())),
        Workbook(xlsx(sheet(), extra={"pad": incompressible(2_000_000)})),
    )

    assert small.element_budget == limits.MIN_XML_ELEMENTS
    assert large.element_budget == limits.XML_ELEMENTS_PER_BYTE * large.size
    assert limits.MIN_XML_ELEMENTS < large.element_budget < limits.MAX_XML_ELEMENTS


def test_a_workbook_of_many_real_rows_fits_its_budgets():
    rows = [
        row(n, inline(f"A{n}", f"Person {n}"), inline(f"B{n}", f"note {n % 7}"))
        for n in range(2, 20_002)
    ]

    assert len(read(xlsx(sheet(*rows)))) == 20_000


def test_a_header_after_blank_lines_within_the_limit_is_found():
    data = b"\n" * (limits.MAX_LINES_BEFORE_HEADER - 1) + b"name,note\nAna,x\n"

    assert read(data, "f.csv") == [{"name": "Ana", "note": "x"}]


def test_commas_inside_quotes_are_not_cells():
    note = ",".join(["x"] * (limits.MAX_COLUMNS + 10))
    data = f'name,note\nAna,"{note}"\nBo,"a\n{note}"\n'.encode()

    assert read(data, "f.csv") == [
        {"name": "Ana", "note": note},
        {"name": "Bo", "note": f"a\n{note}"},
    ]


def test_the_reader_stops_at_the_error_limit_and_says_there_are_more():
    bad = "".join(row(n, inline(f"A{n}", "Ana"), cell(f"B{n}", "#N/A", "e")) for n in range(2, 302))
    # Line 400 is past what a reader that stops at the limit ever reaches.
    fatal = row(400, inline("A400", "x" * (limits.MAX_CELL_CHARS + 1)))

    with pytest.raises(ImportFailed) as excinfo:
        read_table(xlsx(sheet(bad, fatal)), filename="f.xlsx", required=COLUMNS)

    errors = excinfo.value.errors
    assert len(errors) == limits.MAX_ERRORS
    assert [e.line for e in errors] == list(range(2, 2 + limits.MAX_ERRORS))
    assert errors.more == MORE_ERRORS
    assert errors.count_text() == f"more than {limits.MAX_ERRORS} errors"
    assert str(excinfo.value).endswith(MORE_ERRORS)


def test_the_error_collector_stops_at_the_limit():
    errors = ErrorCollector()
    for line in range(limits.MAX_ERRORS):
        errors.add("bad", line=line)

    with pytest.raises(ImportFailed) as excinfo:
        errors.add("one too many", line=999)

    assert len(excinfo.value.errors) == limits.MAX_ERRORS and excinfo.value.more
    assert "one too many" not in str(excinfo.value)


def test_errors_found_in_other_order_are_cut_after_sorting_by_line():
    errors = ErrorCollector(by_line=True)
    for line in range(limits.MAX_ERRORS, 0, -1):
        errors.add("bad", line=line)

    with pytest.raises(ImportFailed) as excinfo:
        errors.add("late", line=0)

    assert [e.line for e in excinfo.value.errors][:3] == [1, 2, 3]


def test_exactly_the_limit_of_errors_is_all_of_them():
    with pytest.raises(ImportFailed) as excinfo:
        errors = ErrorCollector()
        for line in range(limits.MAX_ERRORS):
            errors.add("bad", line=line)
        errors.raise_if_any()

    assert not excinfo.value.more
    assert excinfo.value.errors.count_text() == f"{limits.MAX_ERRORS} errors"


def test_the_last_day_a_date_can_have_is_read():
    assert read(dated("2958465")) == [{"name": "Ana", "note": "9999-12-31"}]
