"""Reading an XLSX workbook safely: straight from the zip archive with a streaming XML parser.

Why not a general spreadsheet library: an upload is hostile until read. This reader
- refuses any document type declaration, so no entity is ever declared, expanded or fetched
  (external entities, "billion laughs");
- never trusts the sheet's declared dimension: cells are read by their own references and
  only those that hold a value are kept, so a one-cell file claiming A1:XFD1048576 costs one
  cell;
- holds every part to the limits of `limits` (size before reading, expansion, rows, columns,
  cell length) and stops at the first one passed;
- holds the whole workbook to one budget of unpacked bytes and one of XML elements (empty
  cells and rows count like any), both in proportion to the file's own size, counted across
  every part it reads however often: the time to read a file follows its size, whatever it
  holds, and a hostile one is refused as soon as it passes either;
- names the fault in one message (`FileRefused`) for anything that is not a well-formed
  workbook, and marks a cell it cannot read as a `CellProblem` (a spreadsheet error, a
  formula without a saved value) so that the import reports it with its line and column.
It reads values only, the ones a spreadsheet program last saved: formulas are never run.
"""

import datetime
import io
import math
import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pyexpat import ExpatError, ParserCreate, errors

from nmg_registry.tabular import limits
from nmg_registry.tabular.faults import BadCell, CellProblem, FileRefused, unreadable_xlsx
from nmg_registry.tabular.text import unescape_xlsx_text

_CHUNK = 64 * 1024
_SCAN_CHUNK = 1024 * 1024
_OFFICE_DOCUMENT = "/officeDocument"
_WORKSHEET = "/worksheet"
_SHARED_STRINGS = "/sharedStrings"
_STYLES = "/styles"
_DIGITS = "0123456789"
_MAX_SHEET_ROW = 1_048_576
_MAX_SHEET_COLUMN = 16_384
# Built-in number formats that show a date or a time (ECMA-376, 18.8.30, and the East Asian
# ones Excel adds).
_DATE_FORMAT_IDS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
_FORMAT_LITERALS = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.')


def column_letters(index: int) -> str:
    """`A` for 0, `AA` for 26: a column as a spreadsheet names it."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


# Every column a sheet may have (A to XFD), by its letters.
_COLUMN_INDEX = {column_letters(index): index for index in range(_MAX_SHEET_COLUMN)}


def _local(name: str) -> str:
    """An element's name without its namespace prefix (`x:c` is `c`)."""
    return name.rpartition(":")[2]


def _refuse_declarations(*args):
    raise unreadable_xlsx(
        "it declares a document type or entities, which no spreadsheet needs (refused for safety)"
    )


class Workbook:
    """An XLSX file opened for reading its sheets' values; see the module's docstring."""

    def __init__(self, data: bytes):
        try:
            self.archive = zipfile.ZipFile(io.BytesIO(data))
            members = self.archive.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
            raise FileRefused("the file is not a readable XLSX workbook") from exc
        if len(members) > limits.MAX_ARCHIVE_MEMBERS:
            raise unreadable_xlsx(
                f"the archive holds {len(members):,} parts; a workbook has a few dozen at most"
            )
        self.members = {info.filename.lower(): info for info in members}
        self.budget = limits.MAX_UNCOMPRESSED_BYTES
        # The bytes and elements the file may unpack to, for its size (see `limits`).
        self.expansion_budget = max(
            limits.RATIO_CHECKED_FROM_BYTES, limits.MAX_COMPRESSION_RATIO * len(data)
        )
        self.element_budget = min(
            limits.MAX_XML_ELEMENTS,
            max(limits.MIN_XML_ELEMENTS, limits.XML_ELEMENTS_PER_BYTE * len(data)),
        )
        self.elements = 0
        self.size = len(data)
        self.date1904 = False
        self.sheets = self._read_sheets()  # [(name, part path)], in the workbook's order
        self._strings: list[str] | None = None
        self._date_styles: frozenset[int] | None = None

    # The workbook's structure

    def _read_sheets(self) -> list[tuple[str, str]]:
        workbook_path = self._office_document()
        names_and_ids: list[tuple[str, str]] = []

        def start(name, attrs):
            tag = _local(name)
            if tag == "sheet":
                rid = next((v for k, v in attrs.items() if _local(k) == "id"), "")
                names_and_ids.append((attrs.get("name", ""), rid))
            elif tag == "workbookPr":
                self.date1904 = attrs.get("date1904", "").lower() in ("1", "true")

        self._parse(workbook_path, start)
        relations = self._relations(workbook_path)
        self.parts = {
            kind: target
            for kind in (_SHARED_STRINGS, _STYLES)
            for rel_type, target in relations.values()
            if rel_type.endswith(kind)
        }
        if not names_and_ids:
            raise unreadable_xlsx("it has no sheet")
        if len(names_and_ids) > limits.MAX_SHEETS:
            raise unreadable_xlsx(
                f"it has {len(names_and_ids):,} sheets; the limit is {limits.MAX_SHEETS}"
            )
        sheets = []
        names_by_part: dict[str, str] = {}
        for name, rid in names_and_ids:
            rel_type, target = relations.get(rid, ("", ""))
            if not target or not rel_type.endswith(_WORKSHEET):
                # A chart sheet or a dialog sheet holds no cells; a lost link is damage.
                if rel_type and not rel_type.endswith(_WORKSHEET):
                    continue
                raise unreadable_xlsx(f'the sheet "{name}" has no part in the file')
            other = names_by_part.setdefault(target.lower(), name)
            if other is not name:
                # No spreadsheet program writes this; read once per sheet, it multiplies the
                # work a small file asks for.
                raise unreadable_xlsx(
                    f'the sheets "{other[:40]}" and "{name[:40]}" are one and the same part; '
                    "a workbook gives each sheet its own"
                )
            sheets.append((name, target))
        if not sheets:
            raise unreadable_xlsx("it has no worksheet")
        return sheets

    def _office_document(self) -> str:
        if self._member("_rels/.rels") is not None:
            for rel_type, target in self._relations("").values():
                if rel_type.endswith(_OFFICE_DOCUMENT):
                    return target
        if self._member("xl/workbook.xml") is not None:
            return "xl/workbook.xml"
        mimetype = self._member("mimetype")
        if (
            mimetype is not None
            and mimetype.file_size < 200
            and b"opendocument" in self.archive.read(mimetype)
        ):
            raise FileRefused(
                "the file is an OpenDocument spreadsheet (.ods); save it as XLSX or as CSV UTF-8"
            )
        raise unreadable_xlsx("the archive holds no workbook (xl/workbook.xml is missing)")

    def _relations(self, source: str) -> dict[str, tuple[str, str]]:
        """The relationships of a part: id → (type, path of the target part)."""
        folder, name = posixpath.split(source)
        rels_path = posixpath.join(folder, "_rels", f"{name}.rels")
        if self._member(rels_path) is None:
            return {}
        relations = {}

        def start(tag, attrs):
            if _local(tag) == "Relationship" and attrs.get("TargetMode") != "External":
                target = attrs.get("Target", "")
                path = (
                    target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
                )
                relations[attrs.get("Id", "")] = (attrs.get("Type", ""), posixpath.normpath(path))

        self._parse(rels_path, start)
        return relations

    # The sheets' contents

    def rows(self, sheet: int = 0) -> Iterator[tuple[int, list]]:
        """(line, values) of each line of a sheet holding a value, in order. A value is a
        string, or a CellProblem; a blank cell inside the line is ""."""
        path = self.sheets[sheet][1]
        reader = _SheetReader(
            strings=self.shared_strings(),
            date_styles=self.date_styles(),
            date1904=self.date1904,
        )
        return self._parse(path, reader.start, reader.end, reader.text, reader.ready)

    def sheet_with_data(self) -> str | None:
        """The name of the first sheet after the first that holds a value, if any."""
        for index in range(1, len(self.sheets)):
            for _line, values in self.rows(index):
                if any(v for v in values):
                    return self.sheets[index][0]
        return None

    def shared_strings(self) -> list[str]:
        if self._strings is None:
            self._strings = []
            path = self.parts.get(_SHARED_STRINGS)
            if path and self._member(path) is not None:
                reader = _SharedStringsReader(self._strings)
                self._parse(path, reader.start, reader.end, reader.text)
        return self._strings

    def date_styles(self) -> frozenset[int]:
        """The cell styles (their index) whose number format shows a date or a time."""
        if self._date_styles is None:
            formats: dict[int, str] = {}
            style_formats: list[int] = []
            in_cell_formats = [False]

            def start(name, attrs):
                tag = _local(name)
                if tag == "numFmt":
                    formats[_int(attrs.get("numFmtId"))] = attrs.get("formatCode", "")
                elif tag == "cellXfs":
                    in_cell_formats[0] = True
                elif tag == "xf" and in_cell_formats[0]:
                    style_formats.append(_int(attrs.get("numFmtId")))

            def end(name):
                if _local(name) == "cellXfs":
                    in_cell_formats[0] = False

            path = self.parts.get(_STYLES)
            if path and self._member(path) is not None:
                self._parse(path, start, end)
            self._date_styles = frozenset(
                index
                for index, format_id in enumerate(style_formats)
                if format_id in _DATE_FORMAT_IDS
                or (format_id in formats and _is_date_format(formats[format_id]))
            )
        return self._date_styles

    # Reading a part

    def _member(self, path: str) -> zipfile.ZipInfo | None:
        return self.members.get(path.lower())

    def _open(self, path: str):
        info = self._member(path)
        if info is None:
            raise unreadable_xlsx(f"the part {path} is missing")
        if info.flag_bits & 0x1:
            raise unreadable_xlsx("it is encrypted; save it without a password")
        if info.file_size > self.budget:
            raise unreadable_xlsx(
                f"it expands to more than {limits.MAX_UNCOMPRESSED_BYTES // 2**20} MB "
                "when unpacked (the limit)"
            )
        ratio = info.file_size // max(info.compress_size, 1)
        if (
            info.file_size >= limits.RATIO_CHECKED_FROM_BYTES
            and ratio > limits.MAX_COMPRESSION_RATIO
        ):
            raise unreadable_xlsx(
                f"the part {info.filename} expands {ratio:,} "
                f"times when unpacked (the limit is {limits.MAX_COMPRESSION_RATIO}): a zip bomb?"
            )
        self.budget -= info.file_size
        self.expansion_budget -= info.file_size
        if self.expansion_budget < 0:
            raise unreadable_xlsx(
                f"it expands to more than {limits.MAX_COMPRESSION_RATIO} times its own size "
                f"when unpacked, all its parts read together (the limit): a zip bomb?"
            )
        try:
            self._count_elements(info)
            return self.archive.open(info)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise unreadable_xlsx(f"the part {info.filename} is damaged ({exc})") from exc
        except (NotImplementedError, RuntimeError, ValueError) as exc:
            raise unreadable_xlsx(f"the part {info.filename} cannot be unpacked ({exc})") from exc

    def _parse(
        self,
        path: str,
        start: Callable,
        end: Callable | None = None,
        text: Callable | None = None,
        ready: list | None = None,
    ):
        """Stream a part through the XML parser; with `ready`, a generator of what the
        handlers put there as they go (the rows of a sheet), else run to the end."""
        stream = self._open(path)
        parser = ParserCreate()
        parser.buffer_text = True
        parser.buffer_size = _CHUNK
        parser.StartDoctypeDeclHandler = _refuse_declarations
        parser.EntityDeclHandler = _refuse_declarations
        parser.ExternalEntityRefHandler = _refuse_declarations
        parser.StartElementHandler = start
        if end is not None:
            parser.EndElementHandler = end
        if text is not None:
            parser.CharacterDataHandler = text
        chunks = self._chunks(stream, parser, path)
        if ready is None:
            for _ in chunks:
                pass
            return None
        return _drain(chunks, ready)

    def _count_elements(self, info: zipfile.ZipInfo) -> None:
        """Count the part's elements against the workbook's budget before it is parsed, at
        the speed of unpacking: the parser calls Python for every element, so a file full of
        empty cells is refused before that costs more than its size allows. Every `<` that
        does not close an element opens one (or a comment, counted too): text cannot hold it."""
        with self.archive.open(info) as stream:
            while chunk := stream.read(_SCAN_CHUNK):
                self.elements += chunk.count(b"<") - chunk.count(b"</")
                if self.elements > self.element_budget:
                    raise unreadable_xlsx(
                        f"it holds more than {self.element_budget:,} XML elements (cells, rows "
                        f"and others, empty ones included), more than a real workbook of "
                        f"{_size(self.size)} holds (refused for safety)"
                    )

    def _chunks(self, stream, parser, path) -> Iterator[None]:
        with stream:
            try:
                while chunk := stream.read(_CHUNK):
                    parser.Parse(chunk, False)
                    yield
                parser.Parse(b"", True)
                yield
            except ExpatError as exc:
                raise unreadable_xlsx(
                    f"{path} is not well-formed XML ({errors.messages[exc.code]}, "
                    f"line {exc.lineno}, column {exc.offset + 1})"
                ) from exc
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
                raise unreadable_xlsx(f"the part {path} is damaged ({exc})") from exc


def _size(size: int) -> str:
    return f"{size / 2**20:.1f} MB" if size >= 2**20 else f"{max(size // 1024, 1)} KB"


def _drain(chunks: Iterator[None], ready: list) -> Iterator[tuple[int, list]]:
    for _ in chunks:
        yield from ready
        ready.clear()


def _int(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        return -1


def _is_date_format(code: str) -> bool:
    """A custom number format shows a date or time when it holds d, m, y, h or s outside its
    literal text and brackets."""
    plain = _FORMAT_LITERALS.sub("", code).lower()
    return plain != "general" and any(letter in plain for letter in "dmyhs")


class _SharedStringsReader:
    """The workbook's table of texts, each cell of type "s" pointing into it by index.
    A text longer than a cell may be is cut just past the limit: the cell that uses it is
    then refused as too long, naming its line."""

    def __init__(self, strings: list[str]):
        self.strings = strings
        self.parts: list[str] = []
        self.length = 0
        self.collecting = False
        self.phonetic = 0

    def start(self, name, attrs):
        tag = _local(name)
        if tag == "t" and not self.phonetic:
            self.collecting = True
        elif tag == "rPh":
            self.phonetic += 1
        elif tag == "si":
            self.parts, self.length = [], 0

    def end(self, name):
        tag = _local(name)
        if tag == "t":
            self.collecting = False
        elif tag == "rPh":
            self.phonetic -= 1
        elif tag == "si":
            self.strings.append(unescape_xlsx_text("".join(self.parts)))

    def text(self, data):
        if self.collecting and self.length <= limits.MAX_CELL_CHARS:
            self.parts.append(data[: limits.MAX_CELL_CHARS + 1 - self.length])
            self.length += len(data)


class _SheetReader:
    """The XML handlers of one worksheet: they collect each line's values, sparsely by cell
    reference, into `ready` as each line ends."""

    def __init__(self, *, strings: list[str], date_styles: frozenset[int], date1904: bool):
        self.strings = strings
        self.date_styles = date_styles
        self.epoch = datetime.datetime(1904, 1, 1) if date1904 else None
        self.ready: list[tuple[int, list]] = []
        self.line = 0  # the current line's number
        self.values: dict[int, object] = {}
        self.in_row = False
        self.in_inline = False
        self.phonetic = 0
        self.column = -1
        self.collecting = False
        self.parts: list[str] = []
        self.length = 0

    def start(self, name, attrs):
        tag = name if ":" not in name else _local(name)
        if tag == "c":
            # The cell's start, inline: it runs for every cell of the file.
            if not self.in_row:
                raise unreadable_xlsx("a cell stands outside any row")
            self.given_reference = reference = attrs.get("r")
            if reference is None:
                self.column += 1
            else:
                letters = reference.rstrip(_DIGITS)
                column = _COLUMN_INDEX.get(letters, -1)
                if reference[len(letters) :] != self.line_text or column <= self.column:
                    raise unreadable_xlsx(
                        f'a cell of line {self.line:,} has the reference "{reference[:20]}", '
                        "out of place or order"
                    )
                self.column = column
            self.type = attrs.get("t", "n")
            self.style = attrs.get("s")
            self.has_formula = False
            self.parts, self.length = [], 0
        elif tag == "t":
            if self.in_inline and not self.phonetic:
                self.collecting = True
        elif tag == "v":
            self.collecting = True
        elif tag == "f":
            self.has_formula = True
        elif tag == "is":
            self.in_inline = True
        elif tag == "rPh":
            self.phonetic += 1
        elif tag == "row":
            self._start_row(attrs)

    def end(self, name):
        tag = name if ":" not in name else _local(name)
        if tag == "t" or tag == "v":
            self.collecting = False
        elif tag == "c":
            self._end_cell()
        elif tag == "is":
            self.in_inline = False
        elif tag == "rPh":
            self.phonetic -= 1
        elif tag == "row":
            self._end_row()

    def text(self, data):
        # A cell past the limit is kept just past it: the import refuses it, naming its
        # line and column, and memory holds no more than the limit.
        if self.collecting and self.length <= limits.MAX_CELL_CHARS:
            self.parts.append(data[: limits.MAX_CELL_CHARS + 1 - self.length])
            self.length += len(data)

    def _start_row(self, attrs):
        number = attrs.get("r")
        if number is None:
            self.line += 1
        else:
            line = _int(number)
            if not 0 < line <= _MAX_SHEET_ROW or line <= self.line:
                raise unreadable_xlsx(f'a row has the number "{number}", out of order or range')
            self.line = line
        self.line_text = str(self.line)
        self.in_row, self.values, self.column = True, {}, -1

    def _end_row(self):
        self.in_row = False
        if not self.values:
            return
        if self.line > limits.MAX_ROWS:
            raise FileRefused(
                f"the sheet has data on line {self.line:,}; the limit is {limits.MAX_ROWS:,} lines"
            )
        values = [""] * (max(self.values) + 1)
        for index, value in self.values.items():
            values[index] = value
        self.ready.append((self.line, values))

    @property
    def reference(self) -> str:
        """The current cell as a spreadsheet names it (B3), for messages."""
        return self.given_reference or f"{column_letters(self.column)}{self.line}"

    def _end_cell(self):
        text = "".join(self.parts)
        kind = self.type
        self.parts = []
        if kind == "inlineStr" and not self.has_formula:
            # The common case first: text as a program writes it.
            value = unescape_xlsx_text(text) if "_x" in text else text
        else:
            value = self._cell_value(text)
        if not value:
            return
        if self.column >= limits.MAX_COLUMNS:
            raise BadCell(
                f"a value stands in column {column_letters(self.column)}; the limit is "
                f"{limits.MAX_COLUMNS} columns",
                line=self.line,
                index=self.column,
            )
        self.values[self.column] = value

    def _cell_value(self, text: str):
        kind = self.type
        # A formula whose result was never saved (a file written by a program rather than
        # by a spreadsheet), or whose result is empty: either way there is no value to read.
        if self.has_formula and not text.strip():
            return CellProblem(
                f"cell {self.reference} holds a formula with no saved result; formulas are "
                "not read: paste values instead"
            )
        if kind == "s":
            index = _int(text.strip())
            if not 0 <= index < len(self.strings):
                raise unreadable_xlsx(
                    f"cell {self.reference} points to shared text {text.strip()[:20]!r}, "
                    f"but the workbook has {len(self.strings):,}"
                )
            return self.strings[index]
        if kind in ("inlineStr", "str"):
            return unescape_xlsx_text(text)
        if kind == "n":
            return self._number(text.strip())
        if kind == "b":
            if text.strip() not in ("0", "1"):
                raise unreadable_xlsx(
                    f'cell {self.reference} holds "{text[:20]}" as a true/false value'
                )
            return "yes" if text.strip() == "1" else "no"
        if kind == "e":
            return CellProblem(
                f"cell {self.reference} holds the spreadsheet error {text.strip()[:20] or '#N/A'}; "
                "type the value instead"
            )
        if kind == "d":
            return _iso_date(text.strip(), self.reference)
        raise unreadable_xlsx(f'cell {self.reference} has the unknown type "{kind[:20]}"')

    def _number(self, text: str) -> str | CellProblem:
        if not text:
            return ""
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise unreadable_xlsx(f'cell {self.reference} holds "{text[:20]}" as a number')
        if self.style is not None and _int(self.style) in self.date_styles:
            shown = self._date(number)
            if shown is not None:
                return shown
        if number.is_integer() and abs(number) < 1e16:
            return str(int(number))
        return repr(number)

    def _date(self, serial: float) -> str | CellProblem | None:
        """A date cell as ISO text (its time too, unless midnight), as the spreadsheet
        shows it; None when the number is no date a spreadsheet can show; a CellProblem
        when it falls past the last day a date can have (rounded, or in the 1904 system)."""
        if not 0 <= serial < 2_958_466:
            return None
        if self.epoch is not None:
            epoch = self.epoch
        else:
            # Excel counts 29 February 1900, a day that never was.
            epoch = datetime.datetime(1899, 12, 30 if serial >= 60 else 31)
        try:
            moment = epoch + datetime.timedelta(seconds=round(serial * 86_400))
        except OverflowError:
            return CellProblem(f"cell {self.reference} holds a date past 9999-12-31")
        if moment.time() == datetime.time():
            return moment.date().isoformat()
        return moment.isoformat()


def _iso_date(text: str, reference: str) -> str:
    try:
        moment = datetime.datetime.fromisoformat(text.removesuffix("Z"))
    except ValueError:
        raise unreadable_xlsx(f'cell {reference} holds "{text[:30]}" as a date') from None
    if moment.time() == datetime.time():
        return moment.date().isoformat()
    return moment.isoformat()
