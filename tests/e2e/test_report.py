"""The round's report in a real browser: a signed-in viewer downloads the PDF and the Word
file from the links on the round's page."""

import io
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.assessment import DEMO_ROUND, load_demo
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_viewer_downloads_the_rounds_report_as_pdf_and_word(live_server, page, settings):
    load_demo(settings)
    factories.UserFactory(username="reader")
    sign_in(page, live_server, "reader")
    page.goto(f"{live_server.url}/assessment/rounds/{DEMO_ROUND}/")
    expect(
        page.get_by_role("heading", name="National Mirror Groups survey 2020", level=1)
    ).to_be_visible()

    with page.expect_download(timeout=60_000) as pdf_info:
        page.get_by_role("link", name="PDF", exact=True).click()
    with page.expect_download(timeout=60_000) as docx_info:
        page.get_by_role("link", name="Word", exact=True).click()

    pdf, docx = pdf_info.value, docx_info.value
    assert pdf.suggested_filename == f"{DEMO_ROUND}-report.pdf"
    assert Path(pdf.path()).read_bytes().startswith(b"%PDF-")
    assert docx.suggested_filename == f"{DEMO_ROUND}-report.docx"
    archive = zipfile.ZipFile(io.BytesIO(Path(docx.path()).read_bytes()))
    assert "word/document.xml" in archive.namelist()
    assert b"National Mirror Groups survey 2020" in archive.read("word/document.xml")
