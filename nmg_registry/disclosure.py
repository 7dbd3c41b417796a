"""Small counts that identify no one: the one rule for publishing a breakdown of people by a
personal attribute (a country's experts by gender) to a reader who may not read all of them.

A count below `settings.NMG_MIN_CELL` (the threshold, t; 0 turns the rule off) is hidden: `<3`
on pages, null in JSON. The table's totals stay public (a country's experts; each column's
total over every country, where the table shows one; the grand total), so a hidden count must
not be recoverable from them. Each row, each column with a shown total and the row of column
totals is a *line* whose total the reader knows; a line is safe when its hidden counts
together hold at least t people and none of them can be worked out exactly from the line's
total, the counts shown and what the marks say (a `<3` count lies between 0 and t-1; a count
hidden beside one is at least t). An unsafe line hides its next smallest count too
(secondary suppression) until it is safe; a column with nothing left to hide hides its total
instead (a hidden total shows the neutral mark, `hidden`, never `<3`); a row whose every count
is hidden and still pinned down shows them all with the neutral mark, which says nothing
about their size. A column stays safe for a reader who also
knows one row exactly (a representative knows their own country's counts).

The pattern is computed once for every reader who may not read a row, and each reader then
sees the rows they may read exactly: two readers' views never combine into more than the
pattern plus what each already knows.
"""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from django.conf import settings

BELOW = "below"  # under the threshold: `<3`
WITHHELD = "withheld"  # hidden so that a total cannot reveal a count beside it; no size said


def min_cell() -> int:
    """The threshold: the smallest count shown to a reader who may not read its row."""
    return settings.NMG_MIN_CELL


def mark(reason: str) -> str:
    """What a page shows in place of a hidden count."""
    return f"<{min_cell()}" if reason == BELOW else "hidden"


def mark_words(reason: str) -> str:
    """What a screen reader reads, and a download's note, for a hidden count."""
    if reason == BELOW:
        return f"fewer than {min_cell()}, not shown"
    return "not shown, so that a total cannot reveal a small count"


@dataclass(frozen=True)
class Breakdown:
    """Counts by row and column as one reader may see them: None where hidden, with why."""

    rows: dict[str, dict[str, int | None]]
    totals: dict[str, int | None]  # each column's total over every row
    hidden: dict[tuple[str, str], str] = field(default_factory=dict)  # (row, column) -> why
    hidden_totals: dict[str, str] = field(default_factory=dict)  # column -> why

    def reasons(self, row: str) -> dict[str, str]:
        """The row's hidden counts: column -> BELOW or WITHHELD."""
        return {c: why for (r, c), why in self.hidden.items() if r == row}


def protect(
    counts: Mapping[str, Mapping[str, int]],
    columns: Sequence[str],
    *,
    readable: Collection[str] | None,
) -> Breakdown:
    """`counts` (row -> column -> count) as a reader sees them who may read the rows in
    `readable` exactly (None: every row, e.g. staff)."""
    rows = {r: {c: counts[r].get(c, 0) for c in columns} for r in counts}
    totals = {c: sum(row[c] for row in rows.values()) for c in columns}
    threshold = min_cell()
    if threshold <= 0 or readable is None or set(rows) <= set(readable):
        return Breakdown(rows, totals)
    hidden, hidden_totals = _Pattern(rows, columns, threshold).solve()
    shown_rows = {
        r: {c: None if (r, c) in hidden and r not in readable else n for c, n in row.items()}
        for r, row in rows.items()
    }
    return Breakdown(
        rows=shown_rows,
        totals={c: None if c in hidden_totals else n for c, n in totals.items()},
        hidden={cell: why for cell, why in hidden.items() if cell[0] not in readable},
        hidden_totals=hidden_totals,
    )


class _Pattern:
    """The cells every reader without the row's rights finds hidden (see the module)."""

    def __init__(self, rows: dict[str, dict[str, int]], columns: Sequence[str], t: int):
        self.rows, self.columns, self.t = rows, list(columns), t
        self.row_total = {r: sum(row.values()) for r, row in rows.items()}
        self.col_total = {c: sum(row[c] for row in rows.values()) for c in self.columns}
        self.grand = sum(self.row_total.values())
        self.hidden = {(r, c): BELOW for r, row in rows.items() for c, n in row.items() if n < t}
        # A hidden column total says nothing about its size, not even "<3": read with one
        # known row, a bound on the column's sum would pin the others' counts down.
        self.hidden_totals = {c: WITHHELD for c, n in self.col_total.items() if n < t}
        self.neutral: set = set()  # hidden cells whose mark says no size

    def solve(self) -> tuple[dict, dict]:
        while True:
            changed = True
            while changed:
                changed = False
                for r in self.rows:
                    changed |= self._settle_row(r)
                for c in self.columns:
                    changed |= self._settle_column(c)
                changed |= self._settle_totals()
            # Each line is safe by itself; now all of them read together.
            pinned = self._first_pinned()
            if pinned is None or not self._unpin(pinned):
                break
        for cell in self.neutral:
            self.hidden[cell] = WITHHELD
        return self.hidden, self.hidden_totals

    # A line is a list of (value, lowest, highest) of its hidden counts, whose sum is known.

    def _bounds(self, cell) -> tuple[int, int]:
        r, c = cell
        highest = self.row_total[r]
        if c not in self.hidden_totals:
            highest = min(highest, self.col_total[c])
        if cell in self.neutral:
            return 0, highest
        if self.hidden[cell] == BELOW:
            return 0, min(self.t - 1, highest)
        return self.t, highest

    def _item(self, cell) -> tuple[int, int, int]:
        return (self.rows[cell[0]][cell[1]], *self._bounds(cell))

    def _total_item(self, c) -> tuple[int, int, int]:
        """A hidden column total, bounded by its column's shown and hidden counts."""
        cells = [(r, c) for r in self.rows]
        shown = sum(self.rows[r][c] for r, _ in cells if (r, c) not in self.hidden)
        inside = [self._bounds(cell) for cell in cells if cell in self.hidden]
        lowest = shown + sum(lo for lo, _ in inside)
        highest = shown + sum(hi for _, hi in inside)
        return self.col_total[c], lowest, highest

    def _settle_row(self, r) -> bool:
        cells = [(r, c) for c in self.columns]
        line = [self._item(cell) for cell in cells if cell in self.hidden]
        if _safe(line, self.t):
            return False
        return self._hide_next(cells) or self._neutralise(cells, line)

    def _settle_column(self, c) -> bool:
        if c in self.hidden_totals:
            return False  # no total to work from
        cells = [(r, c) for r in self.rows]
        hidden = [cell for cell in cells if cell in self.hidden]
        line = [self._item(cell) for cell in hidden]
        # Safe as published, and for a reader who knows one of the rows.
        if _safe(line, self.t) and all(
            _safe([self._item(other) for other in hidden if other != known], self.t)
            for known in hidden
        ):
            return False
        if self._hide_next(cells):
            return True
        self.hidden_totals[c] = WITHHELD
        return True

    def _settle_totals(self) -> bool:
        line = [self._total_item(c) for c in self.columns if c in self.hidden_totals]
        if _safe(line, self.t):
            return False
        shown = [c for c in self.columns if c not in self.hidden_totals]
        if shown:
            smallest = min(shown, key=lambda c: (self.col_total[c], self.columns.index(c)))
            self.hidden_totals[smallest] = WITHHELD
            return True
        return False

    def _first_pinned(self):
        """A hidden count that the lines read together pin down (bounds propagated through
        every row, column and the totals), for a reader who knows no row or any one row."""
        for known in (None, *self.rows):
            bounds = self._propagate(known)
            for cell in self.hidden:
                if cell[0] != known and bounds[cell][0] == bounds[cell][1]:
                    return cell
        return None

    def _unpin(self, cell) -> bool:
        r, c = cell
        if self._hide_next([(r, other) for other in self.columns]):
            return True
        if self._hide_next([(row, c) for row in self.rows]):
            return True
        if c not in self.hidden_totals:
            self.hidden_totals[c] = WITHHELD
            return True
        return self._neutralise([(r, other) for other in self.columns], [self._item(cell)], True)

    def _propagate(self, known) -> dict:
        """The bounds a reader can derive for each hidden count and hidden column total."""
        bounds = {cell: list(self._bounds(cell)) for cell in self.hidden}
        for cell in bounds:
            if cell[0] == known:
                bounds[cell] = [self.rows[known][cell[1]]] * 2
        for c in self.hidden_totals:
            bounds["total", c] = [0, self.grand]
        # Each line: (terms as (sign, variable), the constant its terms add up to).
        lines = []
        for r, row in self.rows.items():
            cells = [(r, c) for c in self.columns]
            shown = sum(row[c] for c in self.columns if (r, c) not in self.hidden)
            lines.append(([(1, x) for x in cells if x in self.hidden], self.row_total[r] - shown))
        for c in self.columns:
            cells = [(r, c) for r in self.rows]
            shown = sum(self.rows[r][c] for r, _ in cells if (r, c) not in self.hidden)
            terms = [(1, x) for x in cells if x in self.hidden]
            if c in self.hidden_totals:
                lines.append(([*terms, (-1, ("total", c))], -shown))
            else:
                lines.append((terms, self.col_total[c] - shown))
        shown_totals = sum(n for c, n in self.col_total.items() if c not in self.hidden_totals)
        lines.append(([(1, ("total", c)) for c in self.hidden_totals], self.grand - shown_totals))
        changed = True
        while changed:
            changed = False
            for terms, constant in lines:
                for sign, x in terms:
                    others = [(a, y) for a, y in terms if y != x]
                    low = constant - sum(
                        bounds[y][1] if a > 0 else -bounds[y][0] for a, y in others
                    )
                    high = constant - sum(
                        bounds[y][0] if a > 0 else -bounds[y][1] for a, y in others
                    )
                    if sign < 0:
                        low, high = -high, -low
                    lo, hi = bounds[x]
                    if low > lo or high < hi:
                        bounds[x] = [max(lo, low), min(hi, high)]
                        changed = bounds[x] != [lo, hi] or changed
        return bounds

    def _hide_next(self, cells) -> bool:
        """Hide the line's smallest shown count (ties: the first); False if none is left."""
        shown = [cell for cell in cells if cell not in self.hidden]
        if not shown:
            return False
        smallest = min(shown, key=lambda cell: self.rows[cell[0]][cell[1]])
        self.hidden[smallest] = WITHHELD
        return True

    def _neutralise(self, cells, line, pinned: bool = False) -> bool:
        """Every count of the line is hidden: if one is still pinned down by the marks, show
        them all with the mark that says no size. Fewer than t people in a whole row (a
        small country) stays as it is: its total is public."""
        if not (pinned or _pinned(line)):
            return False
        added = {cell for cell in cells if cell in self.hidden} - self.neutral
        self.neutral |= added
        return bool(added)


def _pinned(line: list[tuple[int, int, int]]) -> bool:
    """Whether some hidden count of the line follows exactly from the line's known sum and
    the others' bounds."""
    total = sum(v for v, _, _ in line)
    lowest = sum(lo for _, lo, _ in line)
    highest = sum(hi for _, _, hi in line)
    for _value, lo, hi in line:
        least = max(lo, total - (highest - hi))
        most = min(hi, total - (lowest - lo))
        if least >= most:
            return True
    return False


def _safe(line: list[tuple[int, int, int]], t: int) -> bool:
    """No hidden count, or hidden counts that hold at least t people together and of which
    none can be worked out."""
    if not line:
        return True
    return sum(v for v, _, _ in line) >= t and not _pinned(line)
