"""The small-count rule (`nmg_registry.disclosure`): counts below NMG_MIN_CELL hidden from a
reader who may not read their row, and the counts beside them when a total would reveal
them; checked against every table a reader could rebuild from what is published."""

import itertools
import random

import pytest

from nmg_registry.disclosure import BELOW, WITHHELD, protect

GENDERS = ("female", "male", "other", "undisclosed", "unknown")


def breakdown(rows: dict[str, tuple], readable=frozenset(), columns=GENDERS):
    counts = {r: dict(zip(columns, values, strict=True)) for r, values in rows.items()}
    return protect(counts, columns, readable=readable)


def test_a_count_below_the_threshold_is_hidden_and_says_so():
    shown = breakdown({"ES": (10, 12, 2, 4, 3)})

    assert shown.rows["ES"]["other"] is None
    assert shown.hidden[("ES", "other")] == BELOW


def test_the_count_beside_a_lone_small_count_is_hidden_too():
    # The example: female 5, male 1, no other: the total (6) gives male away unless
    # female is hidden as well; hidden together the small counts hold fewer than 3 people,
    # so the next smallest (female) joins them.
    shown = breakdown({"ES": (5, 1, 0, 0, 0)})

    assert shown.rows["ES"] == dict.fromkeys(GENDERS)
    assert shown.hidden[("ES", "female")] == WITHHELD
    assert {shown.hidden[("ES", g)] for g in GENDERS[1:]} == {BELOW}


def test_counts_that_protect_each_other_hide_nothing_more():
    shown = breakdown({"ES": (10, 12, 2, 1, 1)})

    assert shown.rows["ES"] == {
        "female": 10,
        "male": 12,
        "other": None,
        "undisclosed": None,
        "unknown": None,
    }


def test_the_rows_a_reader_may_read_are_exact_and_staff_read_everything():
    rows = {"ES": (5, 1, 0, 0, 0), "IT": (1, 0, 0, 0, 0)}

    representative = breakdown(rows, readable={"ES"})
    staff = breakdown(rows, readable=None)

    assert representative.rows["ES"] == dict(zip(GENDERS, (5, 1, 0, 0, 0), strict=True))
    assert representative.rows["IT"] == dict.fromkeys(GENDERS)
    assert not representative.reasons("ES")
    assert staff.rows["IT"]["female"] == 1
    assert staff.totals == {"female": 6, "male": 1, "other": 0, "undisclosed": 0, "unknown": 0}
    assert not staff.hidden and not staff.hidden_totals


def test_a_column_total_that_would_give_a_hidden_count_away_is_hidden(settings):
    # Only IT's "other" is small and hidden: the column's total minus ES and DE would be it.
    shown = breakdown({"ES": (10, 10, 4, 3, 3), "DE": (9, 9, 3, 4, 5), "IT": (8, 9, 1, 3, 4)})

    assert shown.rows["IT"]["other"] is None
    assert (
        shown.totals["other"] is None
        or sum(1 for r in shown.rows.values() if r["other"] is None) >= 2
    )


def test_no_threshold_hides_nothing(settings):
    settings.NMG_MIN_CELL = 0

    shown = breakdown({"ES": (5, 1, 0, 0, 0)})

    assert shown.rows["ES"]["male"] == 1
    assert not shown.hidden


# --- what a reader can work out ---------------------------------------------------------------


def published(shown, counts, columns, known_row=None):
    """What a reader has: each row's cells (None where hidden, with the mark's bounds), each
    row's total, the shown column totals and, for a representative, one row exactly."""
    rows = {}
    for r, values in counts.items():
        cells = []
        for c, value in zip(columns, values, strict=True):
            if r == known_row or shown.rows[r][c] is not None:
                cells.append((value, value))
            elif shown.hidden[(r, c)] == BELOW:
                cells.append((0, 2))
            else:
                cells.append((0, sum(values)))  # "hidden" says nothing about its size
        rows[r] = (cells, sum(values))
    return rows


def tables_consistent_with(rows, shown, columns):
    """Every table whose rows fit the published cells and totals and whose columns add up
    to the shown column totals (a hidden total says nothing)."""

    def fillings(cells, total):
        ranges = [range(lo, hi + 1) for lo, hi in cells]
        return [combo for combo in itertools.product(*ranges) if sum(combo) == total]

    options = [fillings(cells, total) for cells, total in rows.values()]
    for table in itertools.product(*options):
        sums = [sum(row[i] for row in table) for i in range(len(columns))]
        if all(shown.totals[c] in (None, s) for c, s in zip(columns, sums, strict=True)):
            yield dict(zip(rows, table, strict=True))


def random_tables(seed, count):
    generator = random.Random(seed)
    made = 0
    while made < count:
        table = {
            code: tuple(generator.choice((0, 0, 1, 1, 2, 3, 4, 6)) for _ in range(3))
            for code in ("AT", "BE", "CY")[: generator.choice((2, 3))]
        }
        if all(sum(row) for row in table.values()):  # a country listed has experts
            made += 1
            yield table


@pytest.mark.parametrize("seed", range(4))
def test_no_hidden_count_can_be_worked_out_from_what_is_published(seed):
    """Every table a reader could rebuild from the published cells, marks and totals, also
    knowing one row exactly as its representative does, leaves each hidden count open."""
    columns = ("female", "male", "other")
    for counts in random_tables(seed, 60):
        shown = breakdown(counts, columns=columns)
        for known in (None, *counts):
            rebuilt = list(
                tables_consistent_with(published(shown, counts, columns, known), shown, columns)
            )
            assert rebuilt, counts  # the true table is always among them
            for r, c in shown.hidden:
                if r == known:
                    continue
                i = columns.index(c)
                values = {table[r][i] for table in rebuilt}
                assert len(values) > 1, f"{counts}: {r} {c} = {values} (knowing {known})"
