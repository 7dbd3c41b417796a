"""Two rounds compared: the answers that changed, the questions compared and what each
counts, and who responded to which round."""

from analytics.round_comparison import ComparedQuestion, RoundComparison
from analytics.tables.cells import mark, number, text
from analytics.tables.table import Cell, Column, Table


def changes_table(comparison: RoundComparison, *, before_title: str, after_title: str) -> Table:
    """Every answer that differs between the two rounds, country by country."""
    return Table(
        "changes",
        f"Answers changed from {before_title} to {after_title}",
        [
            Column("Country"),
            Column("Question", export=("Question", "Question (code)")),
            Column("Before", export=("Before", "Before (value)")),
            Column("After", export=("After", "After (value)")),
        ],
        [
            [
                text(change.country),
                Cell(
                    comparison.question_text(change.question),
                    export=(comparison.question_text(change.question), change.question),
                ),
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


COUNTED = ("Changed", "Unchanged", "Improved", "Went back")


def compared_questions_table(comparison: RoundComparison) -> Table:
    """Every question both rounds ask: what is compared, which answers count as an
    improvement, and the countries' answers counted for it."""
    return Table(
        "questions",
        "The questions compared and what each one counts",
        [
            Column("Question", export=("Question", "Question (code)")),
            Column("What is compared"),
            Column("Counts as an improvement"),
            *(Column(label, numeric=True) for label in COUNTED),
        ],
        [
            [
                Cell(question.text, export=(question.text, question.code)),
                text(what_is_compared(question)),
                text(what_counts_as_improvement(question)),
                number(question.changed),
                number(question.unchanged),
                number(question.improved if question.targets else None),
                number(question.worsened if question.targets else None),
            ]
            for question in comparison.questions
        ],
        description=(
            "An answer counts when the country submitted both rounds: unchanged when it is "
            "the same in both, changed otherwise; a question left blank in both rounds is "
            "not counted. A change improves when it moves into the answers a roadmap target "
            "counts, and goes back when it moves out of them."
        ),
    )


def what_is_compared(question: ComparedQuestion) -> str:
    """The answer each country gives, in words: its option among the later round's, or
    its text."""
    if question.options:
        return "The option chosen, one of: " + " · ".join(question.options)
    return "The text as written: any edit counts as a change"


def what_counts_as_improvement(question: ComparedQuestion) -> str:
    """The answers each roadmap target measured on the question counts, target by target."""
    if not question.targets:
        return "Nothing: no roadmap target is measured on this question"
    return "; ".join(
        "A move to {} (target “{}”)".format(
            " or ".join(f"“{label}”" for label in target.answers) or "none of its answers",
            target.name,
        )
        for target in question.targets
    )
