"""The roadmap targets (the deliverable's section 7): each target round by round, and the
targets as one round measures them."""

from collections.abc import Sequence
from dataclasses import dataclass

from analytics.charts import format_percent
from analytics.selectors import SurveySummary, TargetMeasurement, TargetProgress
from analytics.tables.cells import list_words, number, percent, quoted, text, yes_no
from analytics.tables.table import Cell, Column, Table


def target_table(target: TargetProgress) -> Table:
    """A target's measurement on every round."""
    return Table(
        f"target_{_identifier(target.slug)}",
        f"{target.name}: round by round",
        [
            Column("Round"),
            Column("Opened"),
            Column("Invited", numeric=True),
            Column("Answered", numeric=True),
            Column("Counted", numeric=True),
            Column("Share of answering", numeric=True),
            Column("Share of invited", numeric=True),
            Column(f"Met ({format_percent(target.threshold)} of invited)"),
        ],
        [_measurement_row(m.label, m) for m in target.rounds],
        description=_target_description(target),
    )


def _measurement_row(header: str, m: TargetMeasurement) -> list[Cell]:
    return [
        text(header),
        text(m.opens_on),
        number(m.invited),
        number(m.answered),
        number(m.count),
        percent(m.share_of_answered),
        percent(m.share_of_invited),
        yes_no(m.met),
    ]


def _target_description(target: TargetProgress) -> str:
    return (
        f"Counted: the answers {list_words(target.answer_values, conjunction='or')} to the "
        f"question {target.question_code}; threshold {format_percent(target.threshold)} of "
        f"the invited countries, due {target.due_on.isoformat()}."
    )


@dataclass(frozen=True)
class TargetOnRound:
    """A target as one round measures it, in words for the dashboard's key figures."""

    target: TargetProgress
    measurement: TargetMeasurement
    answers: str  # the counted answers' labels in quotes, joined with "or"
    of_answered: str  # "4 of 18 (22.22%)"
    of_invited: str  # "4 of 24 (16.67%)"
    threshold: str  # "75%"


def targets_on_round(
    targets: Sequence[TargetProgress], summary: SurveySummary
) -> list[TargetOnRound]:
    """The targets measured on the round of `summary`, each with its measurement there."""
    labels = {(q.code, o.value): o.label for q in summary.questions for o in q.options}
    found = []
    for target in targets:
        for m in target.rounds:
            if m.survey != summary.survey:
                continue
            answers = [
                quoted(labels.get((target.question_code, value), value))
                for value in target.answer_values
            ]
            found.append(
                TargetOnRound(
                    target=target,
                    measurement=m,
                    answers=list_words(answers, conjunction="or"),
                    of_answered=f"{m.count} of {m.answered} "
                    f"({format_percent(m.share_of_answered)})",
                    of_invited=f"{m.count} of {m.invited} ({format_percent(m.share_of_invited)})",
                    threshold=format_percent(target.threshold),
                )
            )
    return found


def round_targets_table(measured: Sequence[TargetOnRound]) -> Table:
    """Each target as measured on one round (the dashboard's latest)."""
    return Table(
        "targets",
        "Roadmap targets measured on this round",
        [
            Column("Target"),
            Column("Threshold", numeric=True),
            Column("Due"),
            Column("Invited", numeric=True),
            Column("Answered", numeric=True),
            Column("Counted", numeric=True),
            Column("Share of answering", numeric=True),
            Column("Share of invited", numeric=True),
            Column("Met"),
        ],
        [
            [
                text(item.target.name),
                percent(float(item.target.threshold)),
                text(item.target.due_on),
                *_measurement_row("", item.measurement)[2:],
            ]
            for item in measured
        ],
    )


def _identifier(value: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in value)
