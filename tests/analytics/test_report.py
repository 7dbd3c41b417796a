"""A round's assessment report as PDF and Word: the same figures as the round's JSON, in the
deliverable's order, with Word's heading styles and repeating header rows; who may download
it; a fixed number of queries."""

import io
import re
import subprocess
import sys
import zipfile

import pypdf
import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from docx import Document
from docx.oxml.ns import qn

from analytics.charts import format_percent
from nmg_registry.models import Country
from surveys.models import Survey
from tests import factories
from tests.analytics.test_views import populate
from tests.assessment import DEMO_ROUND
from tests.conftest import DRAFTS, OPEN_ROUND, PERSONAL, SUBMITTED_TEXT

pytestmark = pytest.mark.django_db

PDF_URL = f"/assessment/rounds/{DEMO_ROUND}/report.pdf"
DOCX_URL = f"/assessment/rounds/{DEMO_ROUND}/report.docx"
# Questions of every kind of table: three options, four stages (with a footnote), a scale.
QUESTIONS = ["scientific_coordinator", "nmg_stage", "funding", "member_activity"]
# An answer of the demo data only a signed-in reader may see in the annex.
BELGIUM_ANSWER = "Demo WG1 representative (Belgium)"


def pdf_pages(response) -> list[str]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    return [page.extract_text() for page in reader.pages]


def flat(text: str) -> str:
    """The text with every run of whitespace (line ends included) as one space."""
    return re.sub(r"\s+", " ", text)


def word(response) -> Document:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    return Document(io.BytesIO(response.content))


def rows_of(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def cells_text(document) -> str:
    """Every cell of every table of the Word document, one a line."""
    return "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)


def table_headed(document, *labels) -> list[list[str]]:
    """The rows of the Word table whose header row starts with `labels`."""
    for table in document.tables:
        rows = rows_of(table)
        if rows and rows[0][: len(labels)] == list(labels):
            return rows
    raise AssertionError(f"no table headed {labels}")


def summary_json(client, slug=DEMO_ROUND) -> dict:
    response = client.get(f"/api/v1/surveys/{slug}/summary/")
    assert response.status_code == 200
    return response.json()


def compositions_json(client, slug=DEMO_ROUND) -> dict:
    response = client.get("/api/v1/compositions/summary/", {"round": slug})
    assert response.status_code == 200
    return response.json()


def option_cells(question: dict) -> list[str]:
    """A question's options as its row of a section 5.1 table writes them."""
    answered = question["answered"]
    return [f"{o['count']}/{answered}\n{format_percent(o['share'])}" for o in question["options"]]


# --- the figures, as the JSON gives them ---------------------------------------------------


def test_pdf_gives_the_figures_of_the_summary_and_compositions_json(viewer, demo):
    pages = pdf_pages(viewer.get(PDF_URL))
    text = flat("\n".join(pages))
    summary = summary_json(viewer)
    countries = compositions_json(viewer)["countries"]
    names = dict(Country.objects.values_list("code", "name"))

    # 5.1: each question's row, its footnote's number if it has one, then every option.
    questions = {q["code"]: q for q in summary["questions"]}
    for code in QUESTIONS:
        question = questions[code]
        cells = " ".join(flat(cell) for cell in option_cells(question))
        row = re.escape(question["text"]) + r"(?: \d+)? " + re.escape(cells)
        assert re.search(row, text), (code, cells)
    stage = questions["nmg_stage"]
    assert stage["not_answered"] == ["UK"]
    assert (
        f"{stage['text']}: {stage['answered']} answers because UK did not answer this question."
        in text
    )
    assert f"{summary['respondents']} of {summary['invited']} invited countries responded" in text
    # 5.2: each country's experts and seats in the size table, and in the working group
    # matrix a tick per group covered and one more for all of them.
    assert len(countries) == 12
    lines = "\n".join(pages).splitlines()
    matrix = lines[lines.index("Working groups with at least one expert, per country") :]
    for country in countries:
        code = country["country"]
        label = re.escape(f"{names[code]} ({code})")
        assert re.search(rf"{label} {country['experts']} {country['memberships']} \d", text), code
        matrix_row = next(line for line in matrix if line.startswith(f"{names[code]} ({code})"))
        ticks = len(country["working_groups"]) + country["covers_all_working_groups"]
        assert matrix_row.count("\N{CHECK MARK}") == ticks, code
    # The annex: the answers, to a signed-in reader.
    assert BELGIUM_ANSWER in text
    assert "Austria was invited and did not respond." in text


def test_word_tables_give_the_figures_of_the_summary_and_compositions_json(viewer, demo):
    document = word(viewer.get(DOCX_URL))
    questions = {q["code"]: q for q in summary_json(viewer)["questions"]}
    countries = compositions_json(viewer)["countries"]

    rows = [row for table in document.tables for row in rows_of(table)]
    for code in QUESTIONS:
        question = questions[code]
        row = next(r for r in rows if r[0].startswith(question["text"]))
        assert row[1 : 1 + len(question["options"])] == option_cells(question), code
        assert row[len(question["options"]) + 1] == str(question["answered"])

    sizes = table_headed(document, "Country", "Experts", "Seats (memberships)")
    assert [(r[0][-3:-1], r[1], r[2]) for r in sizes[1:]] == [
        (c["country"], str(c["experts"]), str(c["memberships"])) for c in countries
    ]

    matrix = table_headed(document, "Country", "WG1")
    groups = [int(label[2:]) for label in matrix[0][1:-1]]
    assert groups == list(range(1, 12))
    for row, country in zip(matrix[1:], countries, strict=True):
        assert row[0].endswith(f"({country['country']})")
        if country["working_group_info_missing"]:
            assert set(row[1:-1]) == {"\N{EN DASH}"}
            continue
        ticked = [n for n, cell in zip(groups, row[1:-1], strict=True) if cell]
        assert ticked == country["working_groups"], country["country"]
        assert bool(row[-1]) == country["covers_all_working_groups"]


def test_word_lists_the_sections_in_heading_styles_in_the_deliverables_order(viewer, demo):
    document = word(viewer.get(DOCX_URL))

    headings = [
        (p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")
    ]
    top = [text for style, text in headings if style == "Heading 1"]
    assert top == [
        "Survey results",
        "Composition of the mirror groups",
        "Configuration models",
        "Roadmap targets",
        "Recommendations",
        "Annex: the countries",
    ]
    second = [text for style, text in headings if style == "Heading 2"]
    assert second[:4] == [
        "Stage in establishing the mirror groups",
        "Answers by section",
        "Open questions",
        "Invited countries",
    ]
    # One page per invited country in the annex.
    invited = demo.invited_countries.order_by("code")
    assert second[-len(invited) :] == [f"{c.name} ({c.code})" for c in invited]
    assert [p.text for p in document.paragraphs if p.style.name == "Title"] == [demo.title]


def test_word_tables_repeat_their_header_row_and_keep_rows_whole(viewer, demo):
    document = word(viewer.get(DOCX_URL))

    assert len(document.tables) > 30
    for table in document.tables:
        first, *others = table.rows
        header = first._tr.trPr.find(qn("w:tblHeader"))
        assert header is not None and header.get(qn("w:val")) == "true"
        assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in others)
        assert all(row._tr.trPr.find(qn("w:tblHeader")) is None for row in others)


def test_pdf_has_a_title_page_contents_page_numbers_and_bookmarks(viewer, demo):
    response = viewer.get(PDF_URL)
    pages = pdf_pages(response)
    reader = pypdf.PdfReader(io.BytesIO(response.content))

    title = flat(pages[0])
    assert demo.title in title
    assert "Demo data. Synthetic demo data" in title
    assert "opened 1 October 2020, closed 31 March 2021" in title
    assert "Invited countries 24: AT, BE, BG" in title
    assert "Responding countries 19: BE, BG, CY" in title
    assert "Generated by the NMG Registry on" in title
    contents = flat(pages[1])
    assert contents.startswith("Contents Survey results")
    # Each entry with the page it starts on.
    survey_page = next(i for i, page in enumerate(pages) if page.startswith("Survey results")) + 1
    assert re.search(rf"Survey results \.*\s*{survey_page}\b", contents)
    assert f"Page 3 of {len(pages)}" in pages[2]
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    assert outline[:3] == [
        "Survey results",
        "Composition of the mirror groups",
        "Configuration models",
    ]
    assert response["Content-Disposition"] == f'attachment; filename="{DEMO_ROUND}-report.pdf"'


def test_word_title_page_warns_of_demo_data_when_the_registry_holds_it(viewer, demo):
    first_paragraphs = [p.text for p in word(viewer.get(DOCX_URL)).paragraphs[:6]]

    assert any(text.startswith("Demo data. Synthetic demo data") for text in first_paragraphs)


def test_title_page_has_no_demo_warning_without_demo_data(viewer):
    survey = factories.SurveyFactory(slug="real-round", title="A real round")
    factories.QuestionFactory(survey=survey, code="notes", kind="text", text="Notes?")

    title = flat(pdf_pages(viewer.get("/assessment/rounds/real-round/report.pdf"))[0])
    document = word(viewer.get("/assessment/rounds/real-round/report.docx"))

    assert "A real round" in title
    assert "Demo data" not in title
    assert not any("Demo data" in p.text for p in document.paragraphs)


def test_annex_gives_each_countrys_answers_to_a_signed_in_reader(viewer, demo):
    document = word(viewer.get(DOCX_URL))

    answers = table_headed(document, "Question", "Answer")  # the first country's: BE
    assert ["Who represents the country in 1+MG Working Group 1?", BELGIUM_ANSWER] in answers
    assert any(p.text == "Austria was invited and did not respond." for p in document.paragraphs)


def test_annex_gives_an_anonymous_reader_of_a_public_registry_the_submitted_answers(
    client, demo, settings
):
    settings.NMG_PUBLIC_AGGREGATES = True

    text = flat("\n".join(pdf_pages(client.get(PDF_URL))))
    document = word(client.get(DOCX_URL))

    assert BELGIUM_ANSWER in text
    assert BELGIUM_ANSWER in cells_text(document)


def test_report_compares_the_round_with_the_previous_one(viewer):
    populate(3)

    document = word(viewer.get("/assessment/rounds/nmg-survey-2022/report.docx"))
    first = word(viewer.get(DOCX_URL))

    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert "Comparison with National Mirror Groups survey 2020" in headings
    participation = table_headed(document, "Country", "Earlier round", "Later round")
    assert len(participation) == 4
    assert not any(p.text.startswith("Comparison") for p in first.paragraphs)


def test_word_recommendations_matrix_and_annex_give_the_recommendations_json(viewer, demo):
    document = word(viewer.get(DOCX_URL))
    response = viewer.get(f"/api/v1/surveys/{DEMO_ROUND}/recommendations/")
    assert response.status_code == 200
    result = response.json()

    titles = {rule["code"]: rule["title"] for rule in result["rules"]}
    matrix = table_headed(document, "Country", "Responded", *titles.values())
    assert len(matrix) == len(result["countries"]) + 1
    for row, country in zip(matrix[1:], result["countries"], strict=True):
        assert row[0].endswith(f"({country['country']})")
        assert row[1] == ("Yes" if country["responded"] else "No")
        applied = {item["code"]: item["evidence"] for item in country["recommendations"]}
        for code, cell in zip(titles, row[2:], strict=True):
            if code in applied:
                assert cell == "\N{CHECK MARK}\n" + "; ".join(applied[code]), (country, code)
            else:
                assert not cell.startswith("\N{CHECK MARK}"), (country, code)
    counts = table_headed(document, "Recommendation", "Countries")
    responding = sum(c["responded"] for c in result["countries"])
    for code, title in titles.items():
        applied_to = sum(
            code in {item["code"] for item in c["recommendations"]} for c in result["countries"]
        )
        row = next(r for r in counts if r[0] == title)
        assert row[1].startswith(f"{applied_to} of {responding} countries"), code
    # Belgium's page of the annex: each recommendation that applies, with its evidence.
    belgium = next(c for c in result["countries"] if c["country"] == "BE")
    bullets = [p.text for p in document.paragraphs if p.style.name == "List Bullet"]
    for item in belgium["recommendations"]:
        assert f"{titles[item['code']]}: {'; '.join(item['evidence'])}" in bullets


# --- who may download it --------------------------------------------------------------------


@pytest.mark.parametrize("user", ["viewer", "rep_es", "staff"])
def test_report_gives_submitted_answers_never_drafts_or_personal_data(client, registry, user):
    client.force_login(getattr(registry.cast, user))

    document = word(client.get(f"/assessment/rounds/{OPEN_ROUND}/report.docx"))

    text = cells_text(document) + "\n".join(p.text for p in document.paragraphs)
    assert SUBMITTED_TEXT in text
    for secret in [*DRAFTS.values(), *(item for items in PERSONAL.values() for item in items)]:
        assert secret not in text, secret


@pytest.mark.parametrize("url", [PDF_URL, DOCX_URL])
def test_anonymous_visitors_are_sent_to_sign_in(client, demo, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_draft_rounds_report_is_staffs_alone(client, cast, demo, settings):
    demo.status = Survey.Status.DRAFT
    demo.save()
    settings.DEBUG = False  # the site's own 404 page, as in production

    client.force_login(cast.viewer)
    hidden = client.get(PDF_URL)
    client.force_login(cast.staff)
    shown = client.get(DOCX_URL)

    assert hidden.status_code == 404
    assert f"unknown survey round &quot;{DEMO_ROUND}&quot;" in hidden.content.decode()
    document = word(shown)
    assert BELGIUM_ANSWER in cells_text(document)


def test_command_writes_a_draft_rounds_report_without_the_countries_answers(demo, tmp_path):
    demo.status = Survey.Status.DRAFT
    demo.save()
    output = tmp_path / "draft.docx"

    options = {"file_format": "docx", "output": output, "stdout": io.StringIO()}
    call_command("assessment_report", DEMO_ROUND, **options)

    document = Document(output)
    assert any(
        p.text == "The countries' answers to a draft round are shown to WP6 staff only."
        for p in document.paragraphs
    )
    assert BELGIUM_ANSWER not in cells_text(document)


def test_an_unknown_round_is_a_404_naming_it(viewer, demo, settings):
    settings.DEBUG = False
    response = viewer.get("/assessment/rounds/nmg-survey-1999/report.docx")

    assert response.status_code == 404
    assert "unknown survey round &quot;nmg-survey-1999&quot;" in response.content.decode()
    assert DEMO_ROUND in response.content.decode()


def test_round_page_links_both_downloads(viewer, demo):
    page = viewer.get(f"/assessment/rounds/{DEMO_ROUND}/").content.decode()

    assert f'href="{PDF_URL}" id="report-pdf"' in page
    assert f'href="{DOCX_URL}" id="report-docx"' in page


# --- the command ----------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", ["pdf", "docx"])
def test_command_writes_the_report_as_a_signed_in_reader_sees_it(demo, tmp_path, file_format):
    output = tmp_path / f"report.{file_format}"
    stdout = io.StringIO()

    call_command(
        "assessment_report", DEMO_ROUND, "--format", file_format, "--output", output, stdout=stdout
    )

    content = output.read_bytes()
    if file_format == "pdf":
        assert content.startswith(b"%PDF-")
        text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)
    else:
        assert "word/document.xml" in zipfile.ZipFile(io.BytesIO(content)).namelist()
        text = cells_text(Document(io.BytesIO(content)))
    assert BELGIUM_ANSWER in text
    assert f"is written to {output}" in stdout.getvalue()


def test_command_refuses_an_unknown_round_naming_the_rounds(demo, tmp_path):
    refusal = r'unknown survey round "nope"; the rounds are: nmg-survey-2020'
    with pytest.raises(CommandError, match=refusal):
        call_command("assessment_report", "nope", "--format", "pdf", "--output", tmp_path / "r.pdf")

    assert not (tmp_path / "r.pdf").exists()


def test_command_refuses_an_unknown_format(demo, tmp_path):
    with pytest.raises(CommandError, match=r'unknown report format "odt"; use pdf or docx'):
        call_command(
            "assessment_report", DEMO_ROUND, "--format", "odt", "--output", tmp_path / "r.odt"
        )


def test_command_refusal_is_exit_status_1_with_the_message_and_no_traceback(tmp_path):
    command = ["manage.py", "assessment_report", DEMO_ROUND, "--format", "odt", "--output"]
    result = subprocess.run(
        [sys.executable, *command, str(tmp_path / "r.odt")],
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 1
    assert result.stderr.strip() == 'CommandError: unknown report format "odt"; use pdf or docx'


def test_command_refuses_an_output_it_cannot_write(demo, tmp_path):
    missing = tmp_path / "no-such-folder" / "r.docx"

    with pytest.raises(CommandError, match=r'cannot write the report to ".*r.docx": No such file'):
        call_command("assessment_report", DEMO_ROUND, "--format", "docx", "--output", missing)


# --- fixed queries ---------------------------------------------------------------------------

# The session and the user (2), the round (1), its summary (4), the compositions as of its
# close (4), the configuration models (1), the targets (3), the previous round (1), the
# recommendations (5), the annex's country names (1), whose experts the reader may read, for
# the gender counts (1), the policy on the reader (their permissions directly and through
# groups, the countries they represent: 3) and the answers (1), the demo-data notice (1), the
# comparison (3).
REPORT_QUERIES = 31


# Both formats read the same contents; the PDF, slower to print, once, at the larger size.
@pytest.mark.parametrize(("countries", "file_format"), [(2, "docx"), (30, "docx"), (30, "pdf")])
def test_a_report_costs_the_same_queries_for_2_and_30_countries(
    viewer, django_assert_num_queries, countries, file_format
):
    codes = populate(countries)

    with django_assert_num_queries(REPORT_QUERIES):
        response = viewer.get(f"/assessment/rounds/nmg-survey-2022/report.{file_format}")

    assert response.status_code == 200
    if file_format == "docx":
        sizes = table_headed(word(response), "Country", "Experts", "Seats (memberships)")
        assert [row[0][-3:-1] for row in sizes[1:]] == codes
    else:
        assert response.content.startswith(b"%PDF-")
