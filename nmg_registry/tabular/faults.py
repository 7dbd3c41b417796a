"""How the readers of CSV and XLSX files say what is wrong, before `read_table` words it as
the errors of an import (`RowError`)."""

from dataclasses import dataclass


class FileRefused(Exception):
    """The whole file is refused, with one message naming the fault."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def unreadable_xlsx(reason: str) -> FileRefused:
    return FileRefused(f"the file is not a readable XLSX workbook: {reason}")


class BadCell(Exception):
    """One cell makes the whole file unreadable (e.g. it is too long to hold): `index` is its
    column, counted from 0, or None when the reader cannot tell."""

    def __init__(self, message: str, *, line: int, index: int | None = None):
        self.message, self.line, self.index = message, line, index
        super().__init__(message)


@dataclass(frozen=True)
class CellProblem:
    """A cell whose value cannot be read (a spreadsheet error, a formula with no saved
    value). It stands in the row in place of the value and is reported with its line."""

    message: str
