"""Hostile and malformed files through every import door: the admin's import screens, a
country's upload page and the commands. Each answers with the message naming the fault
(a page, or status 1 and stderr), never a server error or a traceback, and writes nothing."""

import html
import io
import random
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from compositions.models import Expert, Membership
from nmg_registry.models import PendingImport
from nmg_registry.tabular import MORE_ERRORS, limits
from surveys.models import Answer, Response, Survey
from tests.admin_helpers import admin_url
from tests.spreadsheet_builders import (
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    header,
    inline,
    row,
    sheet_xml,
    with_declared_size,
    workbook_rels,
    xlsx,
)

pytestmark = pytest.mark.django_db

HEADER = "country,working_group,role,stakeholder_type,institution,name,position,gender,region,email"
COLUMNS = HEADER.split(",")
ANA = "ES,3,expert,elsi,ISCIII,Ana García,Researcher,female,Madrid,ana@example.org"
TEN_MB = 10 * 1024 * 1024


def composition_sheet(*rows: str, **kwargs) -> str:
    cells = [inline(f"{chr(65 + i)}2", v) for i, v in enumerate(ANA.split(","))]
    return sheet_xml(header(*COLUMNS), row(2, *cells), *rows, **kwargs)


def one_part_for_every_sheet(count: int) -> bytes:
    """The first sheet empty, every other one naming the same part of empty cells."""
    rels = workbook_rels(count)
    for i in range(3, count + 1):
        rels = rels.replace(f'Target="worksheets/sheet{i}.xml"', 'Target="worksheets/sheet2.xml"')
    empty_cells = sheet_xml(row(1, "<c/>" * 200_000))
    return xlsx(sheet_xml(), empty_cells, names=tuple(f"S{i}" for i in range(count)), rels=rels)


BAD_LINE = "XX,99,boss,nope,i,n,p,zz,r,bad"
UNREADABLE = "the file is not a readable XLSX workbook"

# (id, file name, content, the message the user reads)
CASES = [
    (
        "one-part-named-by-250-sheets",
        "c.xlsx",
        one_part_for_every_sheet(250),
        f"{UNREADABLE}: it has 250 sheets; the limit is {limits.MAX_SHEETS}",
    ),
    (
        "one-part-named-by-many-sheets",
        "c.xlsx",
        one_part_for_every_sheet(limits.MAX_SHEETS),
        f'{UNREADABLE}: the sheets "S1" and "S2" are one and the same part',
    ),
    (
        "empty-cells-past-the-element-budget",
        "c.xlsx",
        xlsx(sheet_xml(row(1, "<c/>" * limits.MIN_XML_ELEMENTS))),
        f"{UNREADABLE}: it holds more than {limits.MIN_XML_ELEMENTS:,} XML elements",
    ),
    (
        "csv-of-delimiters-past-the-line-limit",
        "c.csv",
        b",\n" * (limits.MAX_ROWS + 1),
        f"the file has more than {limits.MAX_ROWS:,} lines (the limit)",
    ),
    (
        "csv-of-blank-lines-then-a-header",
        "c.csv",
        b"\n" * (limits.MAX_ROWS + 1) + f"{HEADER}\n{ANA}\n".encode(),
        f"the file has more than {limits.MAX_ROWS:,} lines (the limit)",
    ),
    (
        "csv-header-after-too-many-blank-lines",
        "c.csv",
        b"\n" * limits.MAX_LINES_BEFORE_HEADER + f"{HEADER}\n{ANA}\n".encode(),
        f"no header in the first {limits.MAX_LINES_BEFORE_HEADER:,} lines: they are blank",
    ),
    (
        "xxe",
        "c.xlsx",
        xlsx(composition_sheet(prolog=EXTERNAL_ENTITY)),
        "the file is not a readable XLSX workbook: it declares a document type or entities",
    ),
    (
        "billion-laughs",
        "c.xlsx",
        xlsx(composition_sheet(prolog=BILLION_LAUGHS)),
        "the file is not a readable XLSX workbook: it declares a document type or entities",
    ),
    (
        "declared-dimension",
        "c.xlsx",
        xlsx(
            composition_sheet(row(1_048_576, inline("A1048576", "ES")), dimension="A1:XFD1048576")
        ),
        f"the sheet has data on line 1,048,576; the limit is {limits.MAX_ROWS:,} lines",
    ),
    (
        "zip-bomb",
        "c.xlsx",
        with_declared_size(xlsx(composition_sheet()), "xl/worksheets/sheet1.xml", 3_000_000_000),
        "the file is not a readable XLSX workbook: it expands to more than",
    ),
    (
        "malformed-xml",
        "c.xlsx",
        xlsx(composition_sheet()[:-30]),
        "the file is not a readable XLSX workbook: xl/worksheets/sheet1.xml is not well-formed",
    ),
    (
        "csv-cell-of-10-mb",
        "c.csv",
        f"{HEADER}\n{ANA}".encode() + b"x" * TEN_MB + b"\n",
        f"line 2: a cell is longer than {limits.MAX_CELL_CHARS:,} characters",
    ),
    (
        "csv-unterminated-quote",
        "c.csv",
        f'{HEADER}\nES,3,expert,elsi,"ISCIII,Ana,x,female,,ana@example.org\n{ANA}\n'.encode(),
        "line 2: unterminated quote (a quoted cell opens on this line and is never closed)",
    ),
    (
        "formula-without-value",
        "c.xlsx",
        xlsx(
            composition_sheet().replace(
                inline("F2", "Ana García"), '<c r="F2"><f>CONCAT("Ana"," García")</f></c>'
            )
        ),
        "line 2, name: cell F2 holds a formula with no saved result; formulas are not read: "
        "paste values instead",
    ),
    (
        "data-on-the-second-sheet",
        "c.xlsx",
        xlsx(sheet_xml(), composition_sheet(), names=("Read me", "Experts")),
        'the first sheet is empty; the data is on sheet "Experts"',
    ),
]
IDS = [case[0] for case in CASES]
PARAMETERS = [case[1:] for case in CASES]


def stored() -> tuple[int, ...]:
    return (
        Expert.objects.count(),
        Membership.objects.count(),
        Expert.history.count(),
        Membership.history.count(),
        PendingImport.objects.count(),
        Response.objects.count(),
        Answer.objects.count(),
        Response.history.count(),
    )


def page_text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


@pytest.mark.parametrize(("filename", "content", "message"), PARAMETERS, ids=IDS)
def test_the_admin_import_answers_with_the_fault(client, cast, filename, content, message):
    client.force_login(cast.staff)
    before = stored()

    response = client.post(
        admin_url(Expert, "import"), {"file": SimpleUploadedFile(filename, content)}
    )

    assert response.status_code == 200
    assert message in page_text(response)
    assert stored() == before


@pytest.mark.parametrize(("filename", "content", "message"), PARAMETERS, ids=IDS)
def test_the_upload_page_answers_with_the_fault(client, cast, filename, content, message):
    client.force_login(cast.rep_es)
    before = stored()

    response = client.post(
        reverse("compositions:upload", args=["ES"]),
        {"file": SimpleUploadedFile(filename, content)},
    )

    # The page words the place of an error as "Line 2, column name: …".
    on_page = re.sub(
        r"^line (\d+)(, )?", lambda m: f"Line {m[1]}{', column ' if m[2] else ''}", message
    )
    assert response.status_code == 200
    assert on_page in page_text(response)
    assert stored() == before


@pytest.mark.parametrize(("filename", "content", "message"), PARAMETERS, ids=IDS)
def test_the_command_exits_1_with_the_fault_on_stderr(cast, tmp_path, filename, content, message):
    path = tmp_path / filename
    path.write_bytes(content)
    before = stored()
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(SystemExit) as exit_:
        call_command("import_composition", str(path), stdout=out, stderr=err)

    assert exit_.value.code == 1
    assert err.getvalue().splitlines() == [
        message_line(err.getvalue(), message),
        "1 error; nothing was written.",
    ]
    assert "Traceback" not in err.getvalue()
    assert stored() == before


def message_line(stderr: str, message: str) -> str:
    """The line of stderr carrying `message` (asserted to be there)."""
    [line] = [line for line in stderr.splitlines() if message in line]
    return line


def responses_file(survey: Survey, answer: str, *, prolog: str = "") -> tuple[str, bytes]:
    codes = list(survey.questions.order_by("order").values_list("code", flat=True))
    values = ["ES", *[answer if c == "nmg_composition" else "" for c in codes]]
    if prolog:
        cells = [inline(f"{chr(65 + i)}2", v) for i, v in enumerate(values) if v]
        names = ["country", *codes]
        sheet = sheet_xml(
            row(1, *(inline(f"{chr(65 + i)}1", n) for i, n in enumerate(names[:26]))),
            row(2, *cells[:1]),
            prolog=prolog,
        )
        return "responses.xlsx", xlsx(sheet)
    content = "country," + ",".join(codes) + "\n" + ",".join(values) + "\n"
    return "responses.csv", content.encode()


def import_survey_by_command_and_admin(client, staff, survey, tmp_path, filename, content):
    """The file through `import_survey` (which must exit) and the admin's import screen:
    the command's exit, its error output and the admin's page."""
    path = tmp_path / filename
    path.write_bytes(content)
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("import_survey", survey.slug, str(path), stdout=io.StringIO(), stderr=err)
    client.force_login(staff)
    response = client.post(
        admin_url(Response, "import"),
        {"survey": survey.pk, "file": SimpleUploadedFile(filename, content)},
    )
    return exit_.value, err, response


@pytest.mark.parametrize(
    ("answer", "prolog", "message"),
    [
        (
            random.Random(1).randbytes(TEN_MB // 2).hex(),
            "",
            f"line 2: a cell is longer than {limits.MAX_CELL_CHARS:,} characters",
        ),
        (
            "x" * (limits.MAX_CELL_CHARS + 1),
            "",
            f"line 2, nmg_composition: the cell is longer than {limits.MAX_CELL_CHARS:,} "
            "characters",
        ),
        ("fine", EXTERNAL_ENTITY, "it declares a document type or entities"),
    ],
    ids=["answer-of-10-mb", "answer-past-the-limit", "xxe"],
)
def test_a_hostile_responses_file_is_refused_by_the_survey_command_and_the_admin(
    client, cast, tmp_path, answer, prolog, message
):
    survey = Survey.objects.get(slug="nmg-survey-2020")
    filename, content = responses_file(survey, answer, prolog=prolog)
    before = stored()

    exit_, err, response = import_survey_by_command_and_admin(
        client, cast.staff, survey, tmp_path, filename, content
    )

    assert exit_.code == 1
    assert message in err.getvalue() and "Traceback" not in err.getvalue()
    assert response.status_code == 200 and message in page_text(response)
    assert stored() == before


def test_the_command_refuses_a_file_past_the_upload_limit_before_reading_it(
    cast, tmp_path, settings
):
    settings.NMG_MAX_UPLOAD_MB = 1
    path = tmp_path / "big.csv"
    path.write_bytes(f"{HEADER}\n".encode() + f"{ANA}\n".encode() * 20_000)
    err = io.StringIO()

    with pytest.raises(SystemExit) as exit_:
        call_command("import_composition", str(path), stdout=io.StringIO(), stderr=err)

    assert exit_.value.code == 1
    assert err.getvalue().splitlines() == [
        "the file is 1.5 MB; the limit is 1 MB",
        "1 error; nothing was written.",
    ]
    assert not Expert.objects.exists()


def bad_lines(count: int) -> bytes:
    """A composition file within every limit whose every line has six bad cells."""
    return f"{HEADER}\n".encode() + f"{BAD_LINE}\n".encode() * count


def listed_errors(text: str) -> int:
    return len(re.findall(r"<li>Line \d+|<li>line \d+", text))


def test_the_admin_lists_the_first_errors_and_says_there_are_more(client, cast):
    client.force_login(cast.staff)
    before = stored()

    response = client.post(
        admin_url(Expert, "import"), {"file": SimpleUploadedFile("c.csv", bad_lines(2_000))}
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert f"The file has more than {limits.MAX_ERRORS} errors." in page_text(response)
    assert listed_errors(text) == limits.MAX_ERRORS
    assert MORE_ERRORS in html.unescape(text)
    assert stored() == before


def test_the_upload_page_lists_the_first_errors_and_says_there_are_more(client, cast):
    client.force_login(cast.rep_es)
    before = stored()

    response = client.post(
        reverse("compositions:upload", args=["ES"]),
        {"file": SimpleUploadedFile("c.csv", bad_lines(2_000))},
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert f"c.csv has more than {limits.MAX_ERRORS} errors" in page_text(response)
    assert listed_errors(text) == limits.MAX_ERRORS
    assert MORE_ERRORS in html.unescape(text)
    assert stored() == before


def test_the_command_prints_the_first_errors_and_says_there_are_more(cast, tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes(bad_lines(2_000))
    err = io.StringIO()

    with pytest.raises(SystemExit) as exit_:
        call_command("import_composition", str(path), stdout=io.StringIO(), stderr=err)

    lines = err.getvalue().splitlines()
    assert exit_.value.code == 1
    assert len(lines) == limits.MAX_ERRORS + 2
    assert lines[0].startswith("line 2, ")
    assert lines[-2:] == [
        MORE_ERRORS,
        f"more than {limits.MAX_ERRORS} errors; nothing was written.",
    ]
    assert not Expert.objects.exists()


def test_a_file_within_the_limit_of_errors_lists_them_all(cast, tmp_path):
    path = tmp_path / "c.csv"
    # Six bad cells a line: 198 errors.
    path.write_bytes(bad_lines(limits.MAX_ERRORS // 6))
    err = io.StringIO()

    with pytest.raises(SystemExit):
        call_command("import_composition", str(path), stdout=io.StringIO(), stderr=err)

    lines = err.getvalue().splitlines()
    assert len(lines) == limits.MAX_ERRORS // 6 * 6 + 1
    assert MORE_ERRORS not in lines
    assert lines[-1] == f"{limits.MAX_ERRORS // 6 * 6} errors; nothing was written."


def test_the_survey_doors_list_the_first_errors_and_say_there_are_more(client, cast, tmp_path):
    survey = Survey.objects.get(slug="nmg-survey-2020")
    codes = list(survey.questions.order_by("order").values_list("code", flat=True))
    content = ("country," + ",".join(codes) + "\n").encode() + b"".join(
        f"Q{i}\n".encode() for i in range(2_000)
    )
    before = stored()

    exit_, err, response = import_survey_by_command_and_admin(
        client, cast.staff, survey, tmp_path, "responses.csv", content
    )

    lines = err.getvalue().splitlines()
    assert exit_.code == 1
    assert lines[-2:] == [
        MORE_ERRORS,
        f"more than {limits.MAX_ERRORS} errors; nothing was written.",
    ]
    assert len(lines) == limits.MAX_ERRORS + 2
    assert response.status_code == 200
    assert f"more than {limits.MAX_ERRORS} errors" in page_text(response)
    assert MORE_ERRORS in page_text(response)
    assert stored() == before
