"""The cells and columns the sections' tables are made of, and the words they share."""

from collections.abc import Iterable, Sequence

from analytics.charts import format_percent
from analytics.tables.table import Cell, Column

DASH = "\N{EN DASH}"
CHECK = "\N{CHECK MARK}"


def text(value, *, url: str = "", footnote: int | None = None) -> Cell:
    value = "" if value is None else str(value)
    return Cell(value or DASH, export=(value,), url=url, footnote=footnote)


def number(value: int | float | None) -> Cell:
    if value is None:
        return Cell(DASH, export=("",), css="num")
    return Cell(str(value), export=(value,), css="num")


def ratio(count: int, total: int, share: float, *, footnote: int | None = None) -> Cell:
    """`3/19` with its share beneath, as the deliverable's tables print it."""
    return Cell(
        f"{count}/{total}",
        export=(count, share),
        note=format_percent(share),
        css="num",
        footnote=footnote,
    )


def ratio_column(label: str) -> Column:
    return Column(label, export=(label, f"{label} (share)"), numeric=True)


def not_applicable(width: int = 1) -> Cell:
    return Cell(DASH, export=("",) * width, hidden="not an option of this question", css="num")


def percent(share: float | None) -> Cell:
    if share is None:
        return Cell(DASH, export=("",), css="num")
    return Cell(format_percent(share), export=(share,), css="num")


def mark(value: bool, *, yes: str = "yes", no: str = "no") -> Cell:
    """A tick for yes and nothing for no, with words for screen readers and downloads."""
    return Cell(
        CHECK if value else "",
        export=(yes if value else no,),
        hidden=yes if value else no,
        css="mark",
    )


def yes_no(value: bool) -> Cell:
    return Cell("Yes" if value else "No", export=("yes" if value else "no",))


def codes(values: Iterable[str]) -> Cell:
    joined = ", ".join(values)
    return Cell(joined or DASH, export=(joined,))


def list_words(values: Sequence[str], *, conjunction: str = "and") -> str:
    """`BE`, `BE and UK`, `BE, CY and UK`."""
    values = list(values)
    if len(values) <= 1:
        return "".join(values)
    return f"{', '.join(values[:-1])} {conjunction} {values[-1]}"


def quoted(label: str) -> str:
    return f"\N{LEFT SINGLE QUOTATION MARK}{label}\N{RIGHT SINGLE QUOTATION MARK}"


def country_cell(name: str, code: str) -> Cell:
    return Cell(f"{name} ({code})", export=(code, name))


COUNTRY_COLUMN = Column("Country", export=("Country", "Country name"))


def share_of(count: int, total: int) -> float:
    return round(count / total, 4) if total else 0.0
