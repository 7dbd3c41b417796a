"""The deliverable's recommendations (section 7) applied to a round: the country by
recommendation matrix with each mark's evidence, and how many countries each applies to."""

from analytics.charts import format_percent
from analytics.recommendations import AppliedRecommendation, RoundRecommendations
from analytics.tables.cells import (
    CHECK,
    COUNTRY_COLUMN,
    DASH,
    codes,
    country_cell,
    share_of,
    yes_no,
)
from analytics.tables.table import Cell, Column, Table

EVIDENCE_SEPARATOR = "; "
APPLIES, DOES_NOT_APPLY, UNDETERMINED = "yes", "no", "not judged"


def recommendations_table(result: RoundRecommendations) -> Table:
    """One row per invited or responding country, one column per rule: a tick where the
    rule applies, a question mark where a blank or unasked question left it undecided, each
    with its evidence beneath (and as the cell's tooltip); a dash for a country that did not
    respond."""
    columns = [
        COUNTRY_COLUMN,
        Column("Responded"),
        *(Column(rule.title, export=(rule.code, f"{rule.code} evidence")) for rule in result.rules),
    ]
    rows = []
    for country in result.countries:
        row = [
            country_cell(country.country_name, country.country),
            yes_no(country.responded),
        ]
        for rule in result.rules:
            if not country.responded:
                row.append(Cell(DASH, export=("", ""), hidden="did not respond", css="mark"))
            elif applied := country.applied(rule.code):
                row.append(_evidence_cell(CHECK, APPLIES, "applies", applied))
            elif undecided := country.undetermined_by(rule.code):
                row.append(_evidence_cell("?", UNDETERMINED, "not judged", undecided))
            else:
                row.append(
                    Cell("", export=(DOES_NOT_APPLY, ""), hidden="does not apply", css="mark")
                )
        rows.append(row)
    return Table(
        "recommendations",
        f"Recommendations of the deliverable applied to each country: {result.survey.title}",
        columns,
        rows,
        description=(
            f"{CHECK} the recommendation applies; ? it does not apply, but a question it reads "
            f"was not answered or not asked; {DASH} the country did not respond. The evidence "
            "is under each mark: the answers given (question code and answer) and the "
            f"composition as of {result.composition_date.isoformat()}."
        ),
    )


def _evidence_cell(mark: str, exported: str, said: str, applied: AppliedRecommendation) -> Cell:
    evidence = EVIDENCE_SEPARATOR.join(applied.evidence)
    return Cell(
        mark,
        export=(exported, evidence),
        note=evidence,
        hidden=said,
        css="mark evidence",
        title=evidence,
    )


def recommendation_counts_table(result: RoundRecommendations) -> Table:
    """Each rule with the number of responding countries it applies to ("13 of 19
    countries"), which they are, and which it could not judge."""
    responding = len(result.responding())
    rows = []
    for rule in result.rules:
        applied = result.applied_to(rule.code)
        undecided = [c.country for c in result.countries if c.undetermined_by(rule.code)]
        share = share_of(len(applied), responding)
        rows.append(
            [
                Cell(rule.title, export=(rule.title,)),
                Cell(rule.code, export=(rule.code,)),
                Cell(
                    f"{len(applied)} of {responding} countries",
                    export=(len(applied), responding, share),
                    note=format_percent(share),
                    css="num",
                ),
                codes(applied),
                codes(undecided),
            ]
        )
    return Table(
        "recommendation_counts",
        f"Countries each recommendation applies to: {result.survey.title}",
        [
            Column("Recommendation"),
            Column("Code", on_page=False),
            Column(
                "Countries",
                export=("Countries", "Responding countries", "Share"),
                numeric=True,
            ),
            Column("Which countries"),
            Column("Not judged (a question not answered or not asked)"),
        ],
        rows,
        description=f"Over the {responding} countries that submitted a response.",
    )
