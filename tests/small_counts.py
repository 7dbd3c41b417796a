"""What the permission matrices look for besides names and drafts: a count of a country's
experts by gender below NMG_MIN_CELL, shown to a reader who may not read that country's
experts. Reads every form the breakdown takes: the page's table, its CSV and XLSX download,
the JSON and its CSV, the report in Word."""

import csv
import io
import json
import re

import openpyxl
from docx import Document

GENDERS = ("female", "male", "other", "undisclosed", "unknown")
LABELS = ["Female", "Male", "Other", "Undisclosed", "Not given"]
# The countries each member of the cast reads exactly ("*": all, and the column totals).
KEPT = {"staff": {"*"}, "rep_es": {"ES"}, "rep_it": {"IT"}}


def small_counts_seen(user: str, response, threshold: int = 3) -> list[str]:
    """Where the response shows `user` a gender count below `threshold` of a country they
    may not read (or, to anyone but staff, of the totals row): e.g. ["IT male=1"]."""
    kept = KEPT.get(user, set())
    if "*" in kept:
        return []
    seen = []
    for code, counts in gender_rows(response).items():
        if code in kept:
            continue
        for gender, value in counts.items():
            if value not in (None, "") and str(value).isdigit() and int(value) < threshold:
                seen.append(f"{code} {gender}={value}")
    return seen


def gender_rows(response) -> dict[str, dict[str, object]]:
    """country code (or "All") -> gender -> what the response shows, for whichever form of
    the breakdown it holds; {} when it holds none."""
    kind = response.get("Content-Type", "")
    content = response.content
    if kind.startswith("application/json"):
        return _from_json(json.loads(content or b"null"))
    if kind.startswith("text/csv"):
        return _from_csv(list(csv.reader(io.StringIO(content.decode("utf-8-sig")))))
    if kind.startswith("text/html"):
        return _from_html(content.decode("utf-8", errors="replace"))
    if "spreadsheetml" in kind:
        sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
        return _from_csv([list(row) for row in sheet.iter_rows(values_only=True)])
    if "wordprocessingml" in kind:
        return _from_docx(Document(io.BytesIO(content)))
    return {}


def _from_json(data) -> dict:
    found = {}
    if isinstance(data, dict):
        if "country" in data and isinstance(data.get("gender"), dict):
            found[data["country"]] = data["gender"]
        for value in data.values():
            found |= _from_json(value)
    elif isinstance(data, list):
        for item in data:
            found |= _from_json(item)
    return found


def _from_csv(rows: list[list]) -> dict:
    if not rows:
        return {}
    header = [str(h) for h in rows[0]]
    if all(f"gender.{g}" in header for g in GENDERS):  # the API's CSV
        at = {g: header.index(f"gender.{g}") for g in GENDERS}
        country = header.index("country")
        return {row[country]: {g: row[i] for g, i in at.items()} for row in rows[1:]}
    if header[2:7] == LABELS:  # the page's download of the gender table
        return {(row[0] or "All"): dict(zip(GENDERS, row[2:7], strict=True)) for row in rows[1:]}
    return {}


def html_gender_cells(html: str) -> dict[str, list[str]]:
    """The page's gender table: country code (or "All") -> each count cell's HTML, the
    experts column last; {} without the table."""
    start = html.find('id="table-gender"')
    if start < 0:
        return {}
    block = html[start : html.index("</table>", start)]
    found = {}
    for row in re.findall(r"<tr>(.*?)</tr>", block, re.S):
        head = re.search(r'<th scope="row">(.*?)</th>', row, re.S)
        if head is None:
            continue
        code = re.search(r"\((\w\w)\)", head.group(1))
        found[code.group(1) if code else "All"] = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    return found


def _from_html(html: str) -> dict:
    found = {}
    for code, cells in html_gender_cells(html).items():
        # Every number in a cell: the count, its share, the screen-reader words.
        numbers = [re.findall(r"(?<![&\w])\d+", c.replace("&lt;3", "")) for c in cells[:5]]
        found[code] = {g: (n[0] if n else None) for g, n in zip(GENDERS, numbers, strict=True)}
    return found


def _from_docx(document) -> dict:
    for table in document.tables:
        rows = [[cell.text.split("\n")[0] for cell in row.cells] for row in table.rows]
        if rows and rows[0][1:6] == LABELS:
            found = {}
            for row in rows[1:]:
                code = re.search(r"\((\w\w)\)", row[0])
                found[code.group(1) if code else "All"] = dict(zip(GENDERS, row[1:6], strict=True))
            return found
    return {}
