"""Two rounds compared: the answers that changed and who responded to which round."""

from analytics.selectors import RoundComparison
from analytics.tables.cells import mark, text
from analytics.tables.table import Cell, Column, Table


def changes_table(comparison: RoundComparison, *, before_title: str, after_title: str) -> Table:
    """Every answer that differs between the two rounds, country by country."""
    return Table(
        "changes",
        f"Answers changed from {before_title} to {after_title}",
        [
            Column("Country"),
            Column("Question"),
            Column("Before", export=("Before", "Before (value)")),
            Column("After", export=("After", "After (value)")),
        ],
        [
            [
                text(change.country),
                text(change.question),
                Cell(
                    change.before_label or "not answered",
                    export=(change.before_label, change.before),
                ),
                Cell(
                    change.after_label or "not answered", export=(change.after_label, change.after)
                ),
            ]
            for change in comparison.changes
        ],
    )


def participation_table(comparison: RoundComparison) -> Table:
    """Which countries responded to the earlier round, the later one, or both."""
    before, after = set(comparison.only_before), set(comparison.only_after)
    countries = sorted(before | after | set(comparison.both))
    return Table(
        "participation",
        "Countries that responded to each round",
        [Column("Country"), Column("Earlier round"), Column("Later round")],
        [[text(c), mark(c not in after), mark(c not in before)] for c in countries],
    )
