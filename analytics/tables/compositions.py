"""The mirror groups' composition (the deliverable's section 5.2): working groups,
stakeholder types, sizes and gender per country, and the findings written from them."""

from collections.abc import Sequence

from analytics.charts import format_percent, heat_class
from analytics.selectors import CompositionSummary
from analytics.tables.cells import (
    COUNTRY_COLUMN,
    DASH,
    codes,
    country_cell,
    list_words,
    mark,
    number,
    percent,
    quoted,
    share_of,
    text,
)
from analytics.tables.table import Cell, Column, Table
from nmg_registry import disclosure


def working_group_numbers(summary: CompositionSummary) -> list[int]:
    """The matrix's columns: every active working group and any other a country covers."""
    covered = (c.working_groups for c in summary.countries)
    return sorted(set(summary.active_working_groups).union(*covered))


def working_group_table(summary: CompositionSummary, numbers: Sequence[int]) -> Table:
    """Country by working group: a tick where the country has an expert in the group."""
    rows = []
    for c in summary.countries:
        covered = set(c.working_groups)
        if c.working_group_info_missing:
            marks = [
                Cell(DASH, export=("not given",), hidden="not given", css="mark") for _ in numbers
            ]
        else:
            marks = [mark(n in covered) for n in numbers]
        rows.append(
            [country_cell(c.country_name, c.country), *marks, mark(c.covers_all_working_groups)]
        )
    return Table(
        "working_groups",
        "Working groups with at least one expert, per country",
        [COUNTRY_COLUMN, *(Column(f"WG{n}") for n in numbers), Column("All active")],
        rows,
    )


def stakeholder_table(summary: CompositionSummary, types: Sequence[tuple[str, str]]) -> Table:
    """Stakeholder type by country (a heatmap): the share of the country's experts of known
    type, written as text, with a shade that only reinforces it. Types are the rows so that
    the country codes fit as columns."""
    countries = summary.countries
    rows = []
    for slug, label in types:
        cells = [text(label)]
        for c in countries:
            count = c.stakeholder_counts.get(slug, 0)
            share = c.stakeholder_shares.get(slug, 0.0)
            typed = sum(c.stakeholder_counts.values())
            if c.stakeholder_info_missing:
                cells.append(Cell(DASH, export=("", ""), hidden="not given", css="num heat-none"))
            else:
                cells.append(
                    Cell(
                        format_percent(share),
                        export=(count, share),
                        note=f"{count} of {typed}",
                        css=f"num {heat_class(share)}",
                    )
                )
        having = summary.countries_by_stakeholder_type.get(slug, [])
        cells.append(number(len(having)))
        rows.append(cells)
    return Table(
        "stakeholders",
        "Stakeholder types: share of each country's experts whose type is known",
        [
            Column("Stakeholder type"),
            *(
                Column(
                    c.country,
                    export=(f"{c.country} (experts)", f"{c.country} (share)"),
                    numeric=True,
                )
                for c in countries
            ),
            Column("Countries", export=("Countries with this type",), numeric=True),
        ],
        rows,
    )


def most_represented_table(summary: CompositionSummary, types: Sequence[tuple[str, str]]) -> Table:
    """Each country's most represented stakeholder type(s), ties all listed."""
    labels = dict(types)
    rows = []
    for c in summary.countries:
        if c.stakeholder_info_missing:
            rows.append([country_cell(c.country_name, c.country), text("not given"), percent(None)])
            continue
        names = "; ".join(labels.get(slug, slug) for slug in c.most_represented)
        top = c.stakeholder_shares.get(c.most_represented[0]) if c.most_represented else None
        rows.append([country_cell(c.country_name, c.country), text(names), percent(top)])
    return Table(
        "most_represented",
        "Most represented stakeholder type in each country",
        [COUNTRY_COLUMN, Column("Most represented"), Column("Share", numeric=True)],
        rows,
    )


def size_table(summary: CompositionSummary) -> Table:
    band_of = {code: band.label for band in summary.size_distribution for code in band.countries}
    return Table(
        "sizes",
        "Size of each country's mirror groups",
        [
            COUNTRY_COLUMN,
            Column("Experts", numeric=True),
            Column("Seats (memberships)", numeric=True),
            Column("Size band"),
        ],
        [
            [
                country_cell(c.country_name, c.country),
                number(c.experts),
                number(c.memberships),
                text(band_of.get(c.country, "")),
            ]
            for c in summary.countries
        ],
    )


def size_band_table(summary: CompositionSummary) -> Table:
    return Table(
        "size_bands",
        "Countries by number of experts",
        [Column("Experts"), Column("Countries", numeric=True), Column("Which countries")],
        [
            [text(band.label), number(len(band.countries)), codes(band.countries)]
            for band in summary.size_distribution
        ],
    )


GENDER_LABELS = (
    ("female", "Female"),
    ("male", "Male"),
    ("other", "Other"),
    ("undisclosed", "Undisclosed"),
    ("unknown", "Not given"),
)


def gender_table(summary: CompositionSummary) -> Table:
    """Experts by gender per country, each with its share of the country's experts, as the
    reader may see them: a count hidden by the small-count rule shows its mark, never the
    count nor its share (`analytics.small_counts`)."""

    def cells(gender: dict, hidden: dict[str, str], total: int) -> list[Cell]:
        return [
            _hidden_count(hidden[key])
            if key in hidden
            else Cell(
                str(gender.get(key, 0)),
                export=(gender.get(key, 0),),
                note=format_percent(share_of(gender.get(key, 0), total)),
                css="num",
            )
            for key, _ in GENDER_LABELS
        ] + [number(total)]

    all_experts = sum(c.experts for c in summary.countries)
    hides = summary.gender_totals_hidden or any(c.gender_hidden for c in summary.countries)
    return Table(
        "gender",
        "Gender balance: experts per country",
        [
            COUNTRY_COLUMN,
            *(Column(label, numeric=True) for _, label in GENDER_LABELS),
            Column("Experts", numeric=True),
        ],
        [
            [
                country_cell(c.country_name, c.country),
                *cells(c.gender, c.gender_hidden, c.experts),
            ]
            for c in summary.countries
        ],
        totals=[
            Cell("All countries", export=("", "All countries")),
            *cells(summary.gender_totals, summary.gender_totals_hidden, all_experts),
        ]
        if summary.countries
        else None,
        description=_SMALL_COUNTS.format(
            below=disclosure.mark(disclosure.BELOW), n=disclosure.min_cell()
        )
        if hides
        else "",
    )


_SMALL_COUNTS = (
    "To protect the experts, a count of fewer than {n} experts shows as {below}, and "
    "\N{LEFT DOUBLE QUOTATION MARK}hidden\N{RIGHT DOUBLE QUOTATION MARK} marks a count left out "
    "so that the totals cannot reveal a smaller one. Staff and each country's "
    "representatives see their countries' counts in full."
)


def _hidden_count(reason: str) -> Cell:
    shown = disclosure.mark(reason)
    return Cell(shown, export=(shown,), hidden=disclosure.mark_words(reason), css="num")


def composition_facts(
    summary: CompositionSummary, types: Sequence[tuple[str, str]], numbers: Sequence[int]
) -> list[str]:
    """Section 5.2's findings, written from the data."""
    submitted = summary.countries_submitted
    if not submitted:
        return []
    labels = dict(types)
    total = len(submitted)
    facts = [
        f"{_count(total, 'country has', 'countries have')} submitted the composition of "
        f"their mirror groups: {list_words(submitted)}."
    ]
    complete = summary.countries_with_all_working_groups
    groups = len(numbers)
    if complete:
        facts.append(
            f"{_only(len(complete), total)} ({list_words(complete)}) of the {total} "
            f"{'has' if len(complete) == 1 else 'have'} experts in all the initiative's "
            f"{groups} working groups."
        )
    else:
        facts.append(f"No country has experts in all the initiative's {groups} working groups.")
    missing = [c.country for c in summary.countries if c.working_group_info_missing]
    if missing:
        facts.append(
            f"{list_words(missing)} {'has' if len(missing) == 1 else 'have'} not said which "
            "working group their experts belong to."
        )
    bands = [band for band in summary.size_distribution if band.countries]
    if bands:
        common = max(bands, key=lambda band: len(band.countries))
        facts.append(
            f"The most common size is {common.label} experts "
            f"({_count(len(common.countries), 'country', 'countries')})."
        )
    with_types = [c for c in summary.countries if not c.stakeholder_info_missing]
    untyped = [c.country for c in summary.countries if c.stakeholder_info_missing]
    if with_types:
        leaders: dict[str, int] = {}
        for c in with_types:
            for slug in c.most_represented:
                leaders[slug] = leaders.get(slug, 0) + 1
        order = {slug: index for index, (slug, _) in enumerate(types)}
        usual = min(leaders, key=lambda slug: (-leaders[slug], order.get(slug, len(order))))
        facts.append(
            f"The most represented group is {quoted(labels.get(usual, usual))} in "
            f"{leaders[usual]} of the {len(with_types)} countries that gave stakeholder types."
        )
        for c in with_types:
            if usual not in c.most_represented or len(c.most_represented) > 1:
                tops = [
                    f"{quoted(labels.get(slug, slug))} "
                    f"({format_percent(c.stakeholder_shares[slug])})"
                    for slug in c.most_represented
                ]
                facts.append(
                    f"In {c.country} the most represented "
                    f"{'group is' if len(tops) == 1 else 'groups are'} {list_words(tops)}."
                )
    if untyped:
        facts.append(
            f"{list_words(untyped)} {'has' if len(untyped) == 1 else 'have'} not said which "
            "type of stakeholder their experts are."
        )
    by_type = summary.countries_by_stakeholder_type
    for slug, label in sorted(types, key=lambda t: len(by_type.get(t[0], []))):
        having = by_type.get(slug, [])
        if not having:
            facts.append(f"No country has representatives of {quoted(label)}.")
        elif len(having) == 1:
            facts.append(f"Only one country ({having[0]}) has representatives of {quoted(label)}.")
        else:
            facts.append(
                f"{len(having)} countries ({list_words(having)}) have representatives of "
                f"{quoted(label)}."
            )
    everything = summary.countries_with_all_stakeholder_types
    if everything:
        facts.append(
            f"{_count(len(everything), 'country', 'countries')} ({list_words(everything)}) "
            f"{'has' if len(everything) == 1 else 'have'} representatives of all types of "
            "stakeholders."
        )
    else:
        facts.append("No country has representatives of all types of stakeholders.")
    return facts


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _only(n: int, total: int) -> str:
    return f"Only {n}" if n < total / 2 else str(n)
