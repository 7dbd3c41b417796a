"""Spreadsheet files in and out: reading CSV and XLSX uploads, reporting every bad cell, and
writing exports that cannot carry a formula into a user's Excel.

Both importers (survey responses and compositions) and every export go through here, so the
rules for encodings, headers, line numbers and formula neutralisation live in one place.
"""

import csv
import datetime
import hashlib
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils.exceptions import InvalidFileException

# A cell starting with one of these would be taken as a formula by a spreadsheet program.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# CSV has no cell types: the apostrophe is the prefix Excel itself uses for "text as typed".
TEXT_PREFIX = "'"

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class RowError:
    """One problem in an uploaded file, named so a person can find and fix it."""

    message: str
    line: int | None = None
    column: str | None = None

    def __str__(self):
        where = ", ".join(
            part for part in (f"line {self.line}" if self.line else "", self.column or "") if part
        )
        return f"{where}: {self.message}" if where else self.message


class ImportFailed(Exception):
    """The file has errors; nothing was written. Carries every error found."""

    def __init__(self, errors: Sequence[RowError]):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


class ErrorCollector:
    """Gathers the errors of a whole file so that they are reported at once."""

    def __init__(self):
        self.errors: list[RowError] = []

    def add(self, message: str, *, line: int | None = None, column: str | None = None):
        self.errors.append(RowError(message=message, line=line, column=column))

    def raise_if_any(self):
        if self.errors:
            raise ImportFailed(self.errors)

    def __bool__(self):
        return bool(self.errors)


@dataclass
class ModelCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0


@dataclass
class ImportSummary:
    """What an import did (or, in a dry run, would do), per model."""

    dry_run: bool = False
    counts: dict[str, ModelCounts] = field(default_factory=dict)
    changes: list["Change"] = field(default_factory=list)

    def for_model(self, name: str) -> ModelCounts:
        return self.counts.setdefault(name, ModelCounts())

    @property
    def changed(self) -> bool:
        return any(c.created or c.updated or c.removed for c in self.counts.values())

    def line(self) -> str:
        """The one-line summary the commands print."""
        parts = [
            f"{name}: {c.created} created, {c.updated} updated, {c.unchanged} unchanged, "
            f"{c.removed} removed"
            for name, c in self.counts.items()
        ]
        prefix = "Dry run, nothing written. " if self.dry_run else ""
        return prefix + "; ".join(parts)

    def fingerprint(self) -> str:
        """A digest of every change: equal digests, equal plans. The confirmation of an
        upload hands back the fingerprint of the preview the user saw."""
        digest = hashlib.sha256()
        # Sorted: the plan is the set of changes, whatever order the database listed rows in.
        for entry in sorted(
            "\x1f".join((c.action, c.model, str(c.line or ""), c.description)) for c in self.changes
        ):
            digest.update(entry.encode() + b"\x1e")
        return digest.hexdigest()


class PlanChanged(Exception):
    """The import would now make other changes than the preview the user confirmed;
    `summary` is the new preview (a dry run). Nothing was written."""

    def __init__(self, summary: ImportSummary):
        self.summary = summary
        super().__init__("The registry changed since the preview.")


def check_previewed(summary: ImportSummary, previewed: str | None) -> None:
    """Raise PlanChanged unless the plan is the one previewed (None: no preview to match)."""
    if previewed is not None and summary.fingerprint() != previewed:
        raise PlanChanged(summary)


@dataclass(frozen=True)
class Row:
    """A data row of an uploaded file: its line number as a spreadsheet shows it, and cells
    keyed by the normalised column name, stripped of surrounding spaces."""

    line: int
    cells: dict[str, str]


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[Row]


def read_table(
    data: bytes,
    *,
    filename: str,
    required: Sequence[str],
    optional: Sequence[str] = (),
    extra_allowed=None,
) -> Table:
    """Parse an uploaded CSV or XLSX file into rows, checking its header.

    `required` columns must all be present; `optional` ones may be; `extra_allowed(name)`
    may accept further columns (e.g. question codes). Raises ImportFailed naming the problem
    for an empty file, a file that is neither UTF-8 CSV nor XLSX, or a bad header.
    """
    if not data or not data.strip():
        raise ImportFailed([RowError("the file is empty")])
    raw_rows = _xlsx_rows(data) if _looks_like_xlsx(data, filename) else _csv_rows(data)
    header_line, header = _first_non_blank(raw_rows)
    if header is None:
        raise ImportFailed([RowError("the file is empty")])
    columns = [_normalise_column(name) for name in header]
    _check_header(columns, required, optional, extra_allowed)
    rows = []
    errors = ErrorCollector()
    for line, values in enumerate(raw_rows, start=header_line + 1):
        cells = [_unprefix(_clean_cell(v)) for v in values]
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            continue
        if len(cells) > len(columns):
            errors.add(
                f"the row has {len(cells)} cells but the header names {len(columns)} columns",
                line=line,
            )
            continue
        cells += [""] * (len(columns) - len(cells))
        rows.append(Row(line=line, cells=dict(zip(columns, cells, strict=True))))
    errors.raise_if_any()
    if not rows:
        raise ImportFailed([RowError("the file has a header but no data rows")])
    return Table(columns=[c for c in columns if c], rows=rows)


def _looks_like_xlsx(data: bytes, filename: str) -> bool:
    return filename.lower().endswith(".xlsx") or data[:4] == b"PK\x03\x04"


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed(
            [
                RowError(
                    f"the file is not UTF-8 text (byte {exc.start + 1} cannot be read); "
                    "save it as CSV UTF-8 or as XLSX"
                )
            ]
        ) from exc
    if "\x00" in text:
        raise ImportFailed([RowError("the file is not a CSV or XLSX file")])
    return iter(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))


def _delimiter(text: str) -> str:
    """Comma, or the semicolon or tab a European Excel writes, judged on the header line."""
    header = text.split("\n", 1)[0]
    return max(",;\t", key=header.count) if any(d in header for d in ",;\t") else ","


def _xlsx_rows(data: bytes) -> Iterator[list]:
    try:
        # data_only: the values a spreadsheet last computed, never the formulas.
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportFailed([RowError("the file is not a readable XLSX workbook")]) from exc
    return workbook.worksheets[0].iter_rows(values_only=True)


def _first_non_blank(rows: Iterator[list]) -> tuple[int, list[str] | None]:
    for line, values in enumerate(rows, start=1):
        cells = [_clean_cell(v) for v in values]
        if any(cells):
            while cells and not cells[-1]:
                cells.pop()
            return line, cells
    return 0, None


def _clean_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def _unprefix(value: str) -> str:
    """Undo the export's formula neutralisation, so that an export imports back unchanged."""
    if len(value) > 1 and value[0] == TEXT_PREFIX and value[1] in FORMULA_TRIGGERS:
        return value[1:]
    return value


def _normalise_column(name: str) -> str:
    return name.strip().lower().replace(" ", "_")


def _check_header(columns, required, optional, extra_allowed):
    errors = ErrorCollector()
    known = set(required) | set(optional)
    seen = set()
    for name in columns:
        if not name:
            errors.add("a column has no name in the header row", line=1)
        elif name in seen:
            errors.add(f'column "{name}" appears twice in the header row', line=1)
        elif name not in known and not (extra_allowed and extra_allowed(name)):
            errors.add(
                f'unknown column "{name}"; expected {", ".join([*required, *optional])}'
                + (" and the question codes" if extra_allowed else ""),
                line=1,
            )
        seen.add(name)
    for name in required:
        if name not in seen:
            errors.add(f'missing column "{name}"', line=1)
    errors.raise_if_any()


# Exports


def neutralise(value) -> str:
    """A cell value as CSV text that no spreadsheet runs as a formula."""
    text = _export_text(value)
    if text.startswith(FORMULA_TRIGGERS):
        return TEXT_PREFIX + text
    return text


def _export_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def write_csv(columns: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """UTF-8 CSV with a BOM, so that Excel reads accents right; every cell neutralised."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow([neutralise(c) for c in columns])
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_xlsx(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence]]]) -> bytes:
    """An XLSX workbook, one (title, columns, rows) per sheet.

    Every text cell is stored as a string with Excel's quote prefix, so a value starting
    with '=' shows as the text it is and stays text when edited; numbers stay numbers.
    """
    workbook = openpyxl.Workbook(write_only=True)
    for title, columns, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        sheet.append([_xlsx_cell(sheet, c) for c in columns])
        for row in rows:
            sheet.append([_xlsx_cell(sheet, v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet, value) -> WriteOnlyCell:
    if isinstance(value, bool):
        value = "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return WriteOnlyCell(sheet, value=value)
    text = _export_text(value)
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # never "f": openpyxl would otherwise store "=..." as a formula
    if text.startswith(FORMULA_TRIGGERS):
        cell.quotePrefix = True
    return cell


@dataclass(frozen=True)
class Change:
    """One line of an import preview: what will be (or was) created, updated or removed."""

    action: str  # "create", "update" or "remove"
    model: str  # e.g. "expert", "membership", "response", "answer"
    description: str
    line: int | None = None
