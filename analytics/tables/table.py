"""The table model: a caption, columns and rows of cells, and its CSV/XLSX output.

The page renders each cell's text (with a second line, screen-reader text, a shade or a
link where it has one) and the download writes the cells' `export` values, numbers as
numbers, through `nmg_registry.tabular`, which neutralises any text a spreadsheet would run
as a formula.
"""

from dataclasses import dataclass, field

from nmg_registry.tabular import write_csv, write_xlsx


@dataclass(frozen=True)
class Cell:
    """One cell: `text` as the page shows it, `export` as the download writes it (one value
    per export column of its column)."""

    text: str
    export: tuple = ()
    note: str = ""  # a second, smaller line, e.g. the share under a count
    hidden: str = ""  # read by screen readers in place of a visual mark
    css: str = ""
    url: str = ""
    footnote: int | None = None
    title: str = ""  # shown on hover; what it says must also be on the page (e.g. `note`)


@dataclass(frozen=True)
class Column:
    label: str
    export: tuple[str, ...] = ()  # the download's column names; default: the label
    numeric: bool = False
    on_page: bool = True  # False: in the downloads only

    @property
    def export_labels(self) -> tuple[str, ...]:
        return self.export or (self.label,)


@dataclass(frozen=True)
class Footnote:
    number: int
    text: str


@dataclass(frozen=True)
class Table:
    """A captioned table whose first cell in each row is that row's header."""

    id: str  # in download links and file names: letters, digits, underscores
    caption: str
    columns: list[Column]
    rows: list[list[Cell]]
    totals: list[Cell] | None = None
    notes: list[Footnote] = field(default_factory=list)
    description: str = ""

    @property
    def page_columns(self) -> list[Column]:
        return [c for c in self.columns if c.on_page]

    @property
    def page_rows(self) -> list[list[Cell]]:
        return [self._page_cells(row) for row in self.rows]

    @property
    def page_totals(self) -> list[Cell] | None:
        return self._page_cells(self.totals) if self.totals else None

    def _page_cells(self, row: list[Cell]) -> list[Cell]:
        return [cell for column, cell in zip(self.columns, row, strict=True) if column.on_page]

    def export_columns(self) -> list[str]:
        return [label for column in self.columns for label in column.export_labels]

    def export_rows(self) -> list[list]:
        rows = [*self.rows, self.totals] if self.totals else self.rows
        exported = []
        for row in rows:
            values = []
            for column, cell in zip(self.columns, row, strict=True):
                export = cell.export if cell.export else (cell.text,)
                if len(export) != len(column.export_labels):
                    raise ValueError(f"{self.id}: a cell of {column.label} exports {export!r}")
                values.extend(export)
            exported.append(values)
        return exported

    def csv(self) -> bytes:
        return write_csv(self.export_columns(), self.export_rows())

    def xlsx(self) -> bytes:
        return write_xlsx([(self.id, self.export_columns(), self.export_rows())])
