"""The round's report at its edges: hostile and unusual text, empty rounds, HTTP details,
the command's standard output, and a layout that prints no word over another."""

import io
import re

import pypdf
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from docx import Document

from nmg_registry.models import Country
from surveys.models import Question, Survey
from tests import factories
from tests.conftest import answer

pytestmark = pytest.mark.django_db

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def pdf_text(response) -> str:
    assert response.status_code == 200, response.content[:300]
    assert response.content.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    return re.sub(r"\s+", " ", "\n".join(page.extract_text() for page in reader.pages))


def docx_text(response) -> str:
    assert response.status_code == 200, response.content[:300]
    document = Document(io.BytesIO(response.content))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def round_with_text_answer(text: str, *, slug="hostile", title="Hostile round") -> Survey:
    survey = factories.SurveyFactory(slug=slug, title=title, status=Survey.Status.CLOSED)
    stage = factories.QuestionFactory(
        survey=survey, code="nmg_stage", kind=Question.Kind.CHOICE, order=1, text="Stage?"
    )
    factories.add_options(stage, "planning", "constructing", "operational")
    factories.QuestionFactory(
        survey=survey, code="notes", kind=Question.Kind.TEXT, order=2, text="Notes?"
    )
    survey.invited_countries.add(*Country.objects.filter(code__in=["ES", "IT"]))
    response = factories.submitted_response(survey=survey, country=factories.country("ES"))
    answer(response, "nmg_stage", "planning")
    answer(response, "notes", text)
    return survey


# --- hostile and unusual text -------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
@pytest.mark.parametrize(
    "text",
    [
        "line one\x0bline two",  # a vertical tab, as pasted from Word or a spreadsheet
        "bell\x07 and form feed\x0c",
        "escape \x1b[31m",
    ],
    ids=["vertical-tab", "bell-formfeed", "escape"],
)
def test_control_characters_in_a_text_answer_do_not_break_the_report(viewer, fmt, text):
    round_with_text_answer(text)

    response = viewer.get(f"/assessment/rounds/hostile/report.{fmt}")

    assert response.status_code == 200
    shown = pdf_text(response) if fmt == "pdf" else docx_text(response)
    assert "line two" in shown or "form feed" in shown or "escape" in shown


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script><b>bold</b>",
        '=HYPERLINK("http://evil","x")',
        "Ελληνικά, العربية, עברית, 中文 答案, 😀🇪🇸",
        "word " * 3000,
        "x" * 5000,  # one unbreakable word, very long
    ],
    ids=["html", "formula", "scripts-emoji", "long-text", "long-word"],
)
def test_unusual_text_answers_are_printed_as_given(viewer, text):
    round_with_text_answer(text)

    pdf = pdf_text(viewer.get("/assessment/rounds/hostile/report.pdf"))
    word = docx_text(viewer.get("/assessment/rounds/hostile/report.docx"))

    probe = re.sub(r"\s+", " ", text).strip()[:40]
    assert probe in word
    if text.startswith("<script>"):
        assert "<script>alert(1)</script>" in pdf


def test_a_200_character_title_and_a_country_with_an_apostrophe(viewer):
    title = ("A round with a very long title " * 10)[:200]
    round_with_text_answer("fine", title=title)
    Country.objects.filter(code="IT").update(name="Côte d'Italia & <Co>")

    pdf = pdf_text(viewer.get("/assessment/rounds/hostile/report.pdf"))
    word = docx_text(viewer.get("/assessment/rounds/hostile/report.docx"))

    assert "Côte d'Italia & <Co> (IT)" in word
    assert "Côte d'Italia & <Co> (IT)" in pdf
    assert title[:60] in word


# --- edge rounds ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_round_with_no_questions_no_invitations_no_responses(viewer, fmt):
    factories.SurveyFactory(slug="empty", title="Empty round", status=Survey.Status.CLOSED)

    response = viewer.get(f"/assessment/rounds/empty/report.{fmt}")

    shown = pdf_text(response) if fmt == "pdf" else docx_text(response)
    assert "Empty round" in shown
    assert "No country has submitted a response to this round." in shown


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_round_with_invited_countries_and_no_responses(viewer, fmt):
    survey = round_with_text_answer("x", slug="quiet")
    survey.responses.all().delete()

    response = viewer.get(f"/assessment/rounds/quiet/report.{fmt}")

    shown = pdf_text(response) if fmt == "pdf" else docx_text(response)
    assert "0 of 2 invited countries responded" in shown


def test_open_round_reads_the_compositions_now(viewer):
    survey = round_with_text_answer("x", slug="still-open")
    survey.status = Survey.Status.OPEN
    survey.save()

    shown = docx_text(viewer.get("/assessment/rounds/still-open/report.docx"))

    assert "as they stand now (the round has not closed)" in shown


# --- HTTP ----------------------------------------------------------------------------------


def test_http_details(viewer, demo):
    url = f"/assessment/rounds/{demo.slug}/report"
    pdf = viewer.get(url + ".pdf")
    word = viewer.get(url + ".docx", {"download": "../../etc/passwd", "format": "xlsx"})

    assert pdf["Content-Type"] == "application/pdf"
    assert word["Content-Type"] == DOCX_TYPE
    assert word["Content-Disposition"] == f'attachment; filename="{demo.slug}-report.docx"'
    assert viewer.get(url + ".xlsx").status_code == 404
    assert viewer.get(url + ".PDF").status_code == 404
    assert viewer.post(url + ".pdf").status_code == 405


# --- permissions -----------------------------------------------------------------------------


def two_rounds_with_a_changed_text_answer():
    import datetime

    earlier = round_with_text_answer("Earlier free text of Spain", slug="earlier")
    Survey.objects.filter(pk=earlier.pk).update(opens_on=datetime.date(2023, 1, 1))
    later = round_with_text_answer("Later free text of Spain", slug="later")
    Survey.objects.filter(pk=later.pk).update(opens_on=datetime.date(2024, 1, 1))
    return later


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_an_anonymous_reader_of_a_public_registry_reads_submitted_answers_as_the_policy_says(
    client, settings, fmt
):
    """Submitted responses are readable by whoever may read the aggregates (DESIGN §7:
    anonymous readers only when they are public): the annex and the comparison agree."""
    settings.NMG_PUBLIC_AGGREGATES = True
    two_rounds_with_a_changed_text_answer()

    response = client.get(f"/assessment/rounds/later/report.{fmt}")

    shown = pdf_text(response) if fmt == "pdf" else docx_text(response)
    assert "Earlier free text of Spain" in shown  # the comparison
    assert shown.count("Later free text of Spain") >= 2  # the comparison and the annex
    settings.NMG_PUBLIC_AGGREGATES = False
    assert client.get(f"/assessment/rounds/later/report.{fmt}").status_code == 302


# --- the command ---------------------------------------------------------------------------


def test_command_output_dash_writes_the_report_to_standard_output(
    demo, tmp_path, monkeypatch, capsysbinary
):
    monkeypatch.chdir(tmp_path)

    call_command("assessment_report", demo.slug, "--format", "docx", "--output", "-")

    assert capsysbinary.readouterr().out.startswith(b"PK")
    assert not (tmp_path / "-").exists()


def test_command_refuses_a_blank_output(demo):
    with pytest.raises(CommandError, match="--output"):
        call_command("assessment_report", demo.slug, "--format", "pdf", "--output", " ")


# --- PDF layout ----------------------------------------------------------------------------


def overlapping_texts(html: str) -> list[tuple[int, str, str]]:
    """Pairs of words WeasyPrint lays out on top of each other (in different table cells)."""
    from django.contrib.staticfiles import finders
    from weasyprint import CSS, HTML
    from weasyprint.formatting_structure import boxes

    from analytics.report.pdf import STYLESHEETS

    stylesheets = [CSS(filename=finders.find(path)) for path in STYLESHEETS]
    document = HTML(string=html).render(stylesheets=stylesheets)

    def texts(box, out, cell=None):
        if isinstance(box, boxes.TableCellBox):
            cell = box
        if isinstance(box, boxes.TextBox) and box.text.strip():
            out.append((box, cell))
        for child in getattr(box, "children", None) or []:
            texts(child, out, cell)

    found = []
    for number, page in enumerate(document.pages, 1):
        items = []
        texts(page._page_box, items)
        for index, (a, cell_a) in enumerate(items):
            for b, cell_b in items[index + 1 :]:
                if cell_a is cell_b:
                    continue
                if (
                    a.position_x < b.position_x + b.width - 0.5
                    and b.position_x < a.position_x + a.width - 0.5
                    and a.position_y < b.position_y + b.height - 0.5
                    and b.position_y < a.position_y + a.height - 0.5
                ):
                    found.append((number, a.text, b.text))
    return found


def test_no_table_header_word_is_printed_over_its_neighbour(demo):
    from django.template.loader import render_to_string

    from analytics.report.contents import round_report
    from analytics.report.pdf import TEMPLATE
    from nmg_registry.permissions import Viewer

    html = render_to_string(TEMPLATE, {"report": round_report(survey=demo, user=Viewer())})

    assert overlapping_texts(html) == []
