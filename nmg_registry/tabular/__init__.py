"""Spreadsheet files in and out: reading CSV and XLSX uploads, reporting every bad cell, and
writing exports that cannot carry a formula into a user's Excel.

Both importers (survey responses and compositions) and every export go through here, so the
rules for encodings, headers, line numbers and formula neutralisation live in one place:
CSV is read here, XLSX by `xlsx` (a reader that refuses entities and never trusts declared
sizes), every file is held to `limits`, and the escapes that make an export import back
unchanged are in `text`.
"""

import csv
import datetime
import hashlib
import io
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import openpyxl
from openpyxl.cell import WriteOnlyCell

from nmg_registry.tabular import limits
from nmg_registry.tabular.faults import BadCell, CellProblem, FileRefused
from nmg_registry.tabular.text import (
    FORMULA_TRIGGERS,
    TEXT_PREFIX,
    add_text_prefix,
    escape_xlsx_text,
    strip_text_prefix,
)
from nmg_registry.tabular.xlsx import Workbook, column_letters

__all__ = ["FORMULA_TRIGGERS", "TEXT_PREFIX", "limits"]

logger = logging.getLogger(__name__)

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


# What every door says after the errors it lists, when the file has more than it lists.
MORE_ERRORS = "… and more errors not listed; fix these first"


class ErrorList(list):
    """The errors an import reports: at most `limits.MAX_ERRORS` of them. `more` is the
    line that says there are more (MORE_ERRORS), or "" when these are all."""

    def __init__(self, errors: Iterable[RowError] = (), *, more: bool = False):
        more = more or bool(getattr(errors, "more", ""))
        super().__init__(errors)
        if len(self) > limits.MAX_ERRORS:
            del self[limits.MAX_ERRORS :]
            more = True
        self.more = MORE_ERRORS if more else ""

    def count_text(self) -> str:
        """How many errors the file has, as a verdict says it: "3 errors", "more than 200
        errors"."""
        count = len(self)
        plural = "s" if count != 1 or self.more else ""
        return f"{'more than ' if self.more else ''}{count} error{plural}"


class ImportFailed(Exception):
    """The file has errors; nothing was written. Carries the errors found, the first
    `limits.MAX_ERRORS` of them when there are more (then `errors.more` says so)."""

    def __init__(self, errors: Iterable[RowError], *, more: bool = False):
        self.errors = ErrorList(errors, more=more)
        lines = [str(e) for e in self.errors]
        super().__init__("\n".join([*lines, self.errors.more] if self.errors.more else lines))

    @property
    def more(self) -> bool:
        return bool(self.errors.more)


class ErrorCollector:
    """Gathers the errors of a whole file so that they are reported at once, up to
    `limits.MAX_ERRORS`: at the next one it stops the import with those, saying there are
    more, so a file with an error on each of its lines costs no more than that to report.
    `by_line` reports them in the order of the file's lines, else in the order found."""

    def __init__(self, *, by_line: bool = False):
        self.errors: list[RowError] = []
        self.by_line = by_line

    def add(self, message: str, *, line: int | None = None, column: str | None = None):
        if len(self.errors) >= limits.MAX_ERRORS:
            raise ImportFailed(self._ordered(), more=True)
        self.errors.append(RowError(message=message, line=line, column=column))

    def _ordered(self) -> list[RowError]:
        if self.by_line:
            return sorted(self.errors, key=lambda error: error.line or 0)
        return self.errors

    def raise_if_any(self):
        if self.errors:
            raise ImportFailed(self._ordered())

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
    for an empty file, a file that is neither UTF-8 CSV nor XLSX, a damaged or hostile one,
    a file past the limits of `limits`, a bad header, or bad cells (every one at once).
    """
    try:
        return _read_table(data, filename, required, optional, extra_allowed)
    except FileRefused as refused:
        raise ImportFailed([RowError(refused.message)]) from None
    except (ArithmeticError, LookupError, ValueError, EOFError, OSError, RuntimeError) as exc:
        # A damaged file in a way the readers did not foresee: refused all the same, never a
        # server error. The log names the kind of fault only: a message may quote the file.
        logger.warning("unforeseen fault reading an upload: %s", type(exc).__name__)
        raise ImportFailed(
            [RowError("the file cannot be read: it is damaged, or neither CSV nor XLSX")]
        ) from None


def cell_texts(data: bytes, filename: str) -> Iterator[str]:
    """Every cell's text of a stored upload (first sheet of a workbook), header included, for
    looking a value up in it; a file that cannot be read gives its bytes as text instead."""
    try:
        workbook = _open_workbook(data, filename)
        raw_rows = workbook.rows() if workbook else _csv_rows(data)
        for _line, values in raw_rows:
            yield from (value for value in values if isinstance(value, str))
    except (FileRefused, BadCell, ArithmeticError, LookupError, ValueError, EOFError, OSError):
        yield data.decode("utf-8", errors="replace")


def _read_table(data, filename, required, optional, extra_allowed) -> Table:
    if len(data) > limits.max_upload_bytes():
        raise FileRefused(
            f"the file is {len(data) / 2**20:.1f} MB; the limit is "
            f"{limits.max_upload_bytes() // 2**20} MB"
        )
    if not data or not data.strip():
        raise FileRefused("the file is empty")
    workbook = _open_workbook(data, filename)
    raw_rows = workbook.rows() if workbook else _csv_rows(data)
    columns: list[str] = []
    try:
        header_line, header = _first_non_blank(raw_rows)
        if header is None:
            other = workbook.sheet_with_data() if workbook else None
            if other is not None:
                raise FileRefused(f'the first sheet is empty; the data is on sheet "{other}"')
            raise FileRefused("the file is empty")
        columns = [_normalise_column(name) for name in header]
        _check_header(columns, required, optional, extra_allowed, line=header_line)
        rows, errors = _read_rows(raw_rows, columns, unprefix=workbook is None)
    except BadCell as bad:
        column = _name(columns, bad.index)
        raise ImportFailed([RowError(bad.message, line=bad.line, column=column)]) from None
    errors.raise_if_any()
    if not rows:
        raise FileRefused("the file has a header but no data rows")
    return Table(columns=[c for c in columns if c], rows=rows)


def _read_rows(raw_rows, columns, *, unprefix: bool) -> tuple[list[Row], ErrorCollector]:
    rows = []
    errors = ErrorCollector()
    for line, values in raw_rows:
        if line > limits.MAX_ROWS:
            raise FileRefused(f"the file has more than {limits.MAX_ROWS:,} lines (the limit)")
        cells = [
            _cell(v, line=line, index=i, columns=columns, errors=errors)
            for i, v in enumerate(values)
        ]
        if unprefix:
            cells = [strip_text_prefix(c) for c in cells]
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
    return rows, errors


def _cell(value, *, line: int, index: int, columns, errors: ErrorCollector) -> str:
    """A cell's text, stripped; a cell that cannot be read is reported and read as blank."""
    if isinstance(value, CellProblem):
        errors.add(value.message, line=line, column=_name(columns, index))
        return ""
    if len(value) > limits.MAX_CELL_CHARS:
        raise BadCell(
            f"the cell is longer than {limits.MAX_CELL_CHARS:,} characters", line=line, index=index
        )
    if "\x00" in value:
        errors.add(
            "the cell holds a NUL character, which cannot be stored",
            line=line,
            column=_name(columns, index),
        )
        return ""
    return value.strip()


def _name(columns: Sequence[str], index: int | None) -> str | None:
    """How an error names a column: by the header's name, else as a spreadsheet does."""
    if index is None:
        return None
    if index < len(columns) and columns[index]:
        return columns[index]
    return column_letters(index)


# Excel 97-2003 workbooks, and XLSX files saved with a password, are OLE2 compound files.
_OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _open_workbook(data: bytes, filename: str) -> Workbook | None:
    """The XLSX workbook the file is, or None for a CSV file."""
    if data.startswith(_OLE2_SIGNATURE):
        raise FileRefused(
            "the file is an Excel 97-2003 workbook (.xls) or a workbook saved with a password; "
            "save it as XLSX without a password, or as CSV UTF-8"
        )
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")) or filename.lower().endswith(
        (".xlsx", ".xlsm")
    ):
        return Workbook(data)
    return None


class _Lines:
    """The lines of a CSV text as the csv module asks for them, noting whether it asked for
    more while a record was still open: the only way it does so is inside a quoted cell, so
    an open record at the end of the text is a quote that is never closed."""

    def __init__(self, text: str, delimiter: str):
        self.lines = iter(io.StringIO(text, newline=""))
        self.delimiter = delimiter
        self.asked = 0  # lines asked for since the last complete record
        self.number = 0  # lines read, as a text editor numbers them
        self.unterminated = False

    def __iter__(self):
        return self

    def __next__(self) -> str:
        try:
            line = next(self.lines)
        except StopIteration:
            self.unterminated = self.asked > 0
            raise
        self.asked += 1
        self.number += 1
        if line.count(self.delimiter) > limits.MAX_COLUMNS:
            self._check_cells(line)
        return line

    def _check_cells(self, line: str) -> None:
        """Refuse a line of more cells than a file may have columns before the csv module
        makes a list of them (a line of millions of commas would be millions of cells).
        Delimiters inside quotes do not count: the quote marks split the line into parts
        alternately outside and inside quotes, starting inside when a quoted cell goes on
        from the line before (the only reason the module asks for a line within a record)."""
        outside = line.split('"')[1 if self.asked > 1 else 0 :: 2]
        cells = 1 + sum(part.count(self.delimiter) for part in outside)
        if cells > limits.MAX_COLUMNS:
            raise FileRefused(
                f"line {self.number:,} has more than {limits.MAX_COLUMNS} cells; the limit is "
                f"{limits.MAX_COLUMNS} columns"
            )


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    # Counted at the speed of bytes before any line is read, blank ones included: a line
    # break inside a quoted cell counts as a line too.
    if max(data.count(b"\n"), data.count(b"\r")) > limits.MAX_ROWS:
        raise FileRefused(f"the file has more than {limits.MAX_ROWS:,} lines (the limit)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileRefused(
            f"the file is not UTF-8 text (byte {exc.start + 1} cannot be read); "
            "save it as CSV UTF-8 or as XLSX"
        ) from exc
    if "\x00" in text:
        raise FileRefused(
            "the file holds NUL bytes, so it is neither CSV text nor an XLSX workbook; "
            "save it as CSV UTF-8 or as XLSX"
        )
    return _csv_records(text)


def _csv_records(text: str) -> Iterator[tuple[int, list[str]]]:
    delimiter = _delimiter(text)
    lines = _Lines(text, delimiter)
    reader = csv.reader(lines, delimiter=delimiter)
    line = 0
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field limit" in str(exc):
                raise BadCell(
                    f"a cell is longer than {limits.MAX_CELL_CHARS:,} characters"
                    + (" (is a quote left open?)" if lines.asked > 1 else ""),
                    line=line + 1,
                ) from None
            raise BadCell(f"the CSV cannot be read ({exc})", line=line + 1) from None
        line += 1
        if lines.unterminated:
            raise BadCell(
                "unterminated quote (a quoted cell opens on this line and is never closed)",
                line=line,
            )
        lines.asked = 0
        yield line, values


def _delimiter(text: str) -> str:
    """Comma, or the semicolon or tab a European Excel writes, judged on the header line."""
    end = text.find("\n")
    header = text if end < 0 else text[:end]
    return max(",;\t", key=header.count) if any(d in header for d in ",;\t") else ","


def _first_non_blank(rows: Iterator[tuple[int, list]]) -> tuple[int, list[str] | None]:
    for line, values in rows:
        if line > limits.MAX_LINES_BEFORE_HEADER:
            raise FileRefused(
                f"no header in the first {limits.MAX_LINES_BEFORE_HEADER:,} lines: they are "
                "blank; the header names the columns on the first line"
            )
        problems = [(i, v) for i, v in enumerate(values) if isinstance(v, CellProblem)]
        if problems:
            index, problem = problems[0]
            raise BadCell(problem.message, line=line, index=index)
        if any(len(v) > limits.MAX_CELL_CHARS for v in values):
            index = next(i for i, v in enumerate(values) if len(v) > limits.MAX_CELL_CHARS)
            raise BadCell(
                f"the cell is longer than {limits.MAX_CELL_CHARS:,} characters",
                line=line,
                index=index,
            )
        cells = [v.strip() for v in values]
        if any(cells):
            if len(cells) > limits.MAX_COLUMNS:
                raise FileRefused(
                    f"line {line}: the header names {len(cells):,} columns; the limit is "
                    f"{limits.MAX_COLUMNS}"
                )
            while cells and not cells[-1]:
                cells.pop()
            return line, cells
    return 0, None


def _normalise_column(name: str) -> str:
    return name.strip().lower().replace(" ", "_")


def _shown(name: str, length: int = 60) -> str:
    """A typed name as a message quotes it: whole, unless it is long."""
    return name if len(name) <= length else name[: length - 1] + "…"


def _check_header(columns, required, optional, extra_allowed, *, line=1):
    errors = ErrorCollector()
    known = set(required) | set(optional)
    seen = set()
    for name in columns:
        if not name:
            errors.add("a column has no name in the header row", line=line)
        elif name in seen:
            errors.add(f'column "{_shown(name)}" appears twice in the header row', line=line)
        elif name not in known and not (extra_allowed and extra_allowed(name)):
            errors.add(
                f'unknown column "{_shown(name)}"; expected {", ".join([*required, *optional])}'
                + (" and the question codes" if extra_allowed else ""),
                line=line,
            )
        seen.add(name)
    for name in required:
        if name not in seen:
            errors.add(f'missing column "{name}"', line=line)
    errors.raise_if_any()


# Exports


def neutralise(value) -> str:
    """A cell value as CSV text that no spreadsheet runs as a formula (see `text`)."""
    return add_text_prefix(_export_text(value))


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

    Every text cell is stored as a string, with Excel's quote prefix when it starts like a
    formula, so that it shows as the text it is and stays text when edited; numbers stay
    numbers. Characters XLSX cannot hold are escaped as Excel escapes them (see `text`).
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
    cell = WriteOnlyCell(sheet, value=escape_xlsx_text(text))
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
