"""Small gender counts on every door of the composition summary (page, its downloads, JSON,
CSV, the report) for each kind of reader: staff and the country's representatives read them
exactly; viewers, other countries' representatives and anonymous readers of public
aggregates find every count below NMG_MIN_CELL hidden, and the counts a total would give
away hidden with them."""

import csv
import io
import re

import openpyxl
import pytest
from django.utils import timezone
from docx import Document

from surveys.models import Survey
from tests import factories
from tests.small_counts import html_gender_cells

pytestmark = pytest.mark.django_db

GENDERS = ("female", "male", "other", "undisclosed", "unknown")
LABELS = ("Female", "Male", "Other", "Undisclosed", "Not given")
# The issue's example: female 5, male 1, nobody else; the total (6) is public.
ES = (5, 1, 0, 0, 0)
IT = (6, 4, 0, 3, 0)
EXACT = {"rep_es": {"ES"}, "rep_it": {"IT"}, "staff": {"ES", "IT"}}
READERS = ["anonymous", "viewer", "rep_es", "rep_it", "staff"]


@pytest.fixture
def compositions(cast, settings):
    settings.NMG_PUBLIC_AGGREGATES = True
    for country, counts in ((cast.es, ES), (cast.it, IT)):
        for gender, n in zip(GENDERS, counts, strict=True):
            for _ in range(n):
                factories.ExpertFactory(
                    country=country, gender="" if gender == "unknown" else gender
                )
    return cast


def exact(user: str, code: str) -> bool:
    """Whether the reader reads the row exactly ("All": the totals row, staff's alone)."""
    return user == "staff" or code in EXACT.get(user, set())


def expected_row(user: str, code: str, counts) -> list[str]:
    """A row as the reader must see it: exact, or for ES (whose hidden counts hold only one
    person) every count hidden."""
    if exact(user, code):
        return [str(n) for n in counts]
    assert code == "ES"
    return ["hidden", "<3", "<3", "<3", "<3"]


def assert_no_small_count(values: list, where: str):
    """No count a reader without the row's rights is shown may be below 3."""
    small = [v for v in values if isinstance(v, int) and v < 3]
    small += [v for v in values if isinstance(v, str) and v.isdigit() and int(v) < 3]
    assert not small, f"{where} shows {small}"


# --- the page and its downloads ---------------------------------------------------------------


def page_gender_rows(html: str) -> dict[str, list[str]]:
    """The gender table's rows on the page: code -> what each cell shows (the visible text,
    screen-reader text and notes, separated by "|"), and "All" for the totals row."""
    return {
        code: [re.sub(r"<[^>]+>", "|", cell) for cell in cells]
        for code, cells in html_gender_cells(html).items()
    }


def shown_text(cell: str) -> str:
    """The cell's first visible piece: the count or its mark."""
    return next(part for part in cell.split("|") if part).replace("&lt;", "<")


@pytest.mark.parametrize("user", READERS)
def test_the_page_shows_small_counts_only_to_those_who_may_read_the_experts(
    as_user, compositions, user
):
    html = as_user(user).get("/assessment/composition/").content.decode()

    rows = page_gender_rows(html)
    assert [shown_text(c) for c in rows["ES"][:5]] == expected_row(user, "ES", ES)
    assert shown_text(rows["ES"][5]) == "6"  # a country's total experts stay
    if exact(user, "IT"):
        assert [shown_text(c) for c in rows["IT"][:5]] == [str(n) for n in IT]
    for code in ("ES", "IT", "All"):
        if not exact(user, code):
            cells = " ".join(rows[code][:5])
            # Neither the visible text, the screen-reader words nor a share gives one away.
            assert_no_small_count(re.findall(r"\d+", cells.replace("&lt;3", "")), code)
            assert "%" not in " ".join(c for c in rows[code][:5] if "hidden" in c or "&lt;" in c)
    if user not in EXACT:
        assert "a count of fewer than 3 experts shows as &lt;3" in html


@pytest.mark.parametrize("user", READERS)
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_pages_downloads_hide_what_the_page_hides(as_user, compositions, user, file_format):
    response = as_user(user).get(
        "/assessment/composition/", {"download": "gender", "format": file_format}
    )

    assert response.status_code == 200
    if file_format == "csv":
        table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
        table = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert table[0][2:7] == list(LABELS)
    by_code = {row[0]: [str(v) for v in row[2:8]] for row in table[1:]}
    assert by_code["ES"][:5] == expected_row(user, "ES", ES)
    assert by_code["ES"][5] == "6"
    for row in table[1:]:
        if not exact(user, row[0] or "All"):
            assert_no_small_count(row[2:7], f"{user} {file_format} {row[0]}")


# --- the JSON and its CSV ---------------------------------------------------------------------


@pytest.mark.parametrize("user", READERS)
def test_the_json_gives_null_for_a_hidden_count_and_says_it_is_suppressed(
    as_user, compositions, user
):
    body = as_user(user).get("/api/v1/compositions/summary/").json()

    countries = {c["country"]: c for c in body["countries"]}
    es = countries["ES"]
    assert es["experts"] == 6
    if exact(user, "ES"):
        assert es["gender"] == dict(zip(GENDERS, ES, strict=True))
        assert es["gender_suppressed"] is False
    else:
        assert es["gender"] == dict.fromkeys(GENDERS)
        assert es["gender_suppressed"] is True
    for code, country in countries.items():
        if not exact(user, code):
            assert_no_small_count(list(country["gender"].values()), f"{user} JSON {code}")
            assert country["gender_suppressed"] is True


@pytest.mark.parametrize("user", READERS)
def test_the_csv_leaves_a_hidden_count_blank(as_user, compositions, user):
    response = as_user(user).get("/api/v1/compositions/summary/", {"format": "csv"})

    rows = {r["country"]: r for r in csv.DictReader(io.StringIO(response.text.lstrip("\ufeff")))}
    es = [rows["ES"][f"gender.{g}"] for g in GENDERS]
    if exact(user, "ES"):
        assert es == [str(n) for n in ES]
        assert rows["ES"]["gender_suppressed"] == "false"
    else:
        assert es == [""] * 5
        assert rows["ES"]["gender_suppressed"] == "true"
    for code, row in rows.items():
        if not exact(user, code):
            assert_no_small_count([row[f"gender.{g}"] for g in GENDERS], f"{user} CSV {code}")


@pytest.mark.parametrize("query", ["as_of", "round"])
def test_a_past_moment_hides_the_same_counts(as_user, compositions, query):
    round_ = factories.SurveyFactory(
        slug="closed-round", status=Survey.Status.CLOSED, closes_on=timezone.localdate()
    )
    value = timezone.now().isoformat() if query == "as_of" else round_.slug
    viewer, staff = as_user("viewer"), None

    body = viewer.get("/api/v1/compositions/summary/", {query: value}).json()
    page = viewer.get("/assessment/composition/", {query: value}).content.decode()

    es = next(c for c in body["countries"] if c["country"] == "ES")
    assert es["gender"] == dict.fromkeys(GENDERS)
    rows = page_gender_rows(page)
    assert [shown_text(c) for c in rows["ES"][:5]] == expected_row("viewer", "ES", ES)
    staff = as_user("staff").get("/api/v1/compositions/summary/", {query: value}).json()
    es = next(c for c in staff["countries"] if c["country"] == "ES")
    assert es["gender"] == dict(zip(GENDERS, ES, strict=True))


def test_no_threshold_shows_every_count_to_every_reader(as_user, compositions, settings):
    settings.NMG_MIN_CELL = 0

    body = as_user("viewer").get("/api/v1/compositions/summary/").json()
    html = as_user("viewer").get("/assessment/composition/").content.decode()

    es = next(c for c in body["countries"] if c["country"] == "ES")
    assert es["gender"] == dict(zip(GENDERS, ES, strict=True))
    assert es["gender_suppressed"] is False
    assert [shown_text(c) for c in page_gender_rows(html)["ES"][:5]] == ["5", "1", "0", "0", "0"]


# --- the report -----------------------------------------------------------------------------


@pytest.mark.parametrize("user", READERS)
def test_the_report_gives_the_gender_table_as_its_reader_may_read_it(as_user, compositions, user):
    survey = factories.SurveyFactory(slug="open-round", status=Survey.Status.OPEN)

    response = as_user(user).get(f"/assessment/rounds/{survey.slug}/report.docx")

    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    table = next(
        [[cell.text for cell in row.cells] for row in t.rows]
        for t in document.tables
        if [cell.text for cell in t.rows[0].cells][:3] == ["Country", "Female", "Male"]
    )
    by_code = {re.search(r"\((\w\w)\)", row[0]).group(1): row for row in table[1:-1]}
    # A Word cell holds the count and, under a shown one, its share.
    assert [cell.split("\n")[0] for cell in by_code["ES"][1:6]] == expected_row(user, "ES", ES)
    for code, row in [*by_code.items(), ("All", table[-1])]:
        if not exact(user, code):
            counts = [cell.split("\n")[0] for cell in row[1:6]]
            assert_no_small_count(counts, f"{user} report {code}")


# --- shares where no expert has a type ---------------------------------------------------------


def test_a_country_without_stakeholder_types_has_null_shares_not_zero(as_user, compositions):
    # No expert of the fixture has a type: the shares are unknown, not 0 %.
    client = as_user("viewer")

    body = client.get("/api/v1/compositions/summary/").json()
    response = client.get("/api/v1/compositions/summary/", {"format": "csv"})

    es = next(c for c in body["countries"] if c["country"] == "ES")
    assert es["stakeholder_info_missing"] is True
    assert set(es["stakeholder_shares"].values()) == {None}
    assert set(es["stakeholder_counts"].values()) == {0}
    row = next(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    shares = [value for key, value in row.items() if key.startswith("stakeholder_shares.")]
    assert shares and set(shares) == {""}
