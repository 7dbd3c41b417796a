"""One country as a round's report shows it in its annex: its answers to the round, and its
composition figures as the round closed."""

from collections.abc import Sequence

from analytics.charts import format_percent
from analytics.selectors import CountryComposition
from analytics.tables.cells import number, text
from analytics.tables.table import Cell, Column, Table


def country_answers_table(code: str, name: str, answers: Sequence) -> Table:
    """The country's submitted answers, question by question, as its profile shows them to
    a signed-in reader (`surveys.selectors.AnswerRow`: the option's label or the text)."""
    return Table(
        f"answers_{code}",
        f"{name}'s answers",
        [
            Column("Question"),
            Column("Answer"),
            Column("Question code", on_page=False),
        ],
        [[text(row.question), text(row.answer), text(row.code)] for row in answers],
    )


def country_composition_table(
    country: CountryComposition, types: Sequence[tuple[str, str]], active: Sequence[int]
) -> Table:
    """The country's figures of section 5.2: experts, seats, working groups covered and its
    experts by stakeholder type (each with its share of the experts whose type is known)."""
    covered = country.working_groups
    groups = ", ".join(f"WG{n}" for n in covered) if covered else "not given"
    typed = sum(country.stakeholder_counts.values())
    rows = [
        [text("Experts"), number(country.experts)],
        [text("Seats (memberships)"), number(country.memberships)],
        [
            text("Working groups covered"),
            Cell(
                groups,
                export=(groups,),
                note=f"{sum(n in covered for n in active)} of the {len(active)} active",
            ),
        ],
    ]
    for slug, label in types:
        count = country.stakeholder_counts.get(slug, 0)
        if country.stakeholder_info_missing:
            rows.append([text(label), Cell("not given", export=("",))])
            continue
        share = country.stakeholder_shares.get(slug, 0.0)
        rows.append(
            [
                text(label),
                Cell(
                    str(count),
                    export=(count,),
                    note=f"{format_percent(share)} of {typed}",
                    css="num",
                ),
            ]
        )
    return Table(
        f"composition_{country.country}",
        f"{country.country_name}'s mirror groups as the round closed",
        [Column("Figure"), Column("Value")],
        rows,
    )
