"""The assessment's results as tables: what a page shows and what its CSV/XLSX downloads hold.

A `Table` is a caption, columns and rows of `Cell`s; the page renders the cells' text (with
a second line, screen-reader text, a shade or a link where they have one) and the download
writes their `export` values, numbers as numbers, through `nmg_registry.tabular`, which
neutralises any text a spreadsheet would run as a formula. The builders below take the
selectors' dataclasses; nothing here queries the database.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from analytics.charts import format_percent, heat_class
from analytics.selectors import (
    CONFIGURATION_MODELS,
    CompositionSummary,
    ConfigurationModels,
    CrossTab,
    QuestionSummary,
    RoundComparison,
    SurveySummary,
    TargetMeasurement,
    TargetProgress,
)
from nmg_registry.models import HealthSystem
from nmg_registry.tabular import write_csv, write_xlsx

DASH = "\N{EN DASH}"
CHECK = "\N{CHECK MARK}"


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


# --- cells -------------------------------------------------------------------------------


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


# --- a round (section 5.1) ---------------------------------------------------------------


def _blocks(questions: Sequence[QuestionSummary]) -> list[list[QuestionSummary]]:
    """Consecutive questions of a section whose options line up in one table: each new
    question's options extend or repeat the block's (yes/no after yes/no/same), as in the
    deliverable; a different set starts a new table."""
    blocks: list[list[QuestionSummary]] = []
    for question in questions:
        values = [o.value for o in question.options]
        if blocks and blocks[-1][0].section == question.section:
            block_values = _block_options(blocks[-1])
            shorter, longer = sorted((values, [v for v, _ in block_values]), key=len)
            if longer[: len(shorter)] == shorter:
                blocks[-1].append(question)
                continue
        blocks.append([question])
    return blocks


def _block_options(block: Sequence[QuestionSummary]) -> list[tuple[str, str]]:
    longest = max(block, key=lambda q: len(q.options))
    return [(o.value, o.label) for o in longest.options]


def not_answered_note(question: QuestionSummary) -> str:
    """The deliverable's footnote: '18 answers because UK did not answer this question'."""
    missing = question.not_answered
    verb = "answer" if question.answered == 1 else "answers"
    return (
        f"{question.text}: {question.answered} {verb} because {list_words(missing)} "
        f"did not answer this question."
    )


def survey_tables(summary: SurveySummary) -> list[Table]:
    """The section 5.1 table of a round, one table per section (or per run of questions
    sharing their options): each option as `3/19` with its share; footnotes name the
    respondents that left a question blank."""
    with_options = [q for q in summary.questions if q.options]
    blocks = _blocks(with_options)
    per_section: dict[str, int] = {}
    for block in blocks:
        per_section[block[0].section] = per_section.get(block[0].section, 0) + 1
    seen: dict[str, int] = {}
    footnote = 0
    tables = []
    for block in blocks:
        section = block[0].section
        seen[section] = seen.get(section, 0) + 1
        table_id = section if per_section[section] == 1 else f"{section}_{seen[section]}"
        options = _block_options(block)
        columns = [
            Column("Question"),
            *(ratio_column(label) for _, label in options),
            Column("Answered", numeric=True),
            Column("Question code", on_page=False),
            Column("Did not answer", on_page=False),
        ]
        rows, notes = [], []
        for question in block:
            counts = {o.value: o for o in question.options}
            marker = None
            if question.not_answered:
                footnote += 1
                marker = footnote
                notes.append(Footnote(footnote, not_answered_note(question)))
            cells = [text(question.text, footnote=marker)]
            for value, _ in options:
                option = counts.get(value)
                cells.append(
                    ratio(option.count, question.answered, option.share)
                    if option
                    else not_applicable(2)
                )
            cells += [
                number(question.answered),
                text(question.code),
                codes(question.not_answered),
            ]
            rows.append(cells)
        caption = block[0].section_title
        if per_section[section] > 1:
            caption += f" ({seen[section]} of {per_section[section]})"
        tables.append(Table(table_id, caption, columns, rows, notes=notes))
    return tables


def text_questions_table(summary: SurveySummary) -> Table:
    """Open questions (text and web address): how many respondents answered each."""
    rows = [
        [
            text(question.text),
            text(question.section_title),
            ratio(
                question.answered,
                summary.respondents,
                _share(question.answered, summary.respondents),
            ),
            codes(question.not_answered),
            text(question.code),
        ]
        for question in summary.questions
        if not question.options
    ]
    return Table(
        "open_questions",
        "Open questions: respondents that answered",
        [
            Column("Question"),
            Column("Section"),
            ratio_column("Answered"),
            Column("Did not answer"),
            Column("Question code", on_page=False),
        ],
        rows,
    )


def invited_table(summary: SurveySummary) -> Table:
    """Every invited country and whether it submitted a response."""
    responded = set(summary.respondent_countries)
    invited = sorted(responded | set(summary.non_respondent_countries))
    return Table(
        "invited",
        f"Invited countries ({summary.respondents} of {summary.invited} responded)",
        [Column("Country"), Column("Responded")],
        [[text(code), mark(code in responded)] for code in invited],
    )


def stage_table(
    summary: SurveySummary, question: QuestionSummary, answers: Mapping[str, str]
) -> Table:
    """The stage distribution with the countries of each stage (the numbers of the bar
    chart and of the map), then who gave no stage. `answers` maps each respondent that
    answered to its option value."""
    blank = Cell(DASH, export=("", ""), css="num")
    rows = [
        [
            text(f"{index}: {option.label}"),
            ratio(option.count, question.answered, option.share),
            codes(sorted(code for code, value in answers.items() if value == option.value)),
        ]
        for index, option in enumerate(question.options, start=1)
    ]
    rows.append([text("Responded, stage not given"), blank, codes(question.not_answered)])
    rows.append([text("Invited, no response"), blank, codes(summary.non_respondent_countries)])
    return Table(
        "stages",
        f"{question.text} ({summary.title})",
        [Column("Stage"), ratio_column("Countries"), Column("Which countries")],
        rows,
    )


def rounds_table(rounds: Sequence, *, url_of) -> Table:
    """Survey rounds with their response counts; `url_of(slug)` links each to its page."""
    return Table(
        "rounds",
        "Survey rounds",
        [
            Column("Round"),
            Column("Status"),
            Column("Opens"),
            Column("Closes"),
            Column("Responded", export=("Responded", "Invited"), numeric=True),
            Column("Slug", on_page=False),
        ],
        [
            [
                text(r.title, url=url_of(r.slug)),
                text(r.status_label),
                text(r.opens_on),
                text(r.closes_on),
                Cell(f"{r.submitted} of {r.invited}", export=(r.submitted, r.invited), css="num"),
                text(r.slug),
            ]
            for r in rounds
        ],
    )


# --- roadmap targets (section 7) -----------------------------------------------------------


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
        [_measurement_row(m.title, m) for m in target.rounds],
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
                _quoted(labels.get((target.question_code, value), value))
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


# --- compositions (section 5.2) ----------------------------------------------------------


def _country(name: str, code: str) -> Cell:
    return Cell(f"{name} ({code})", export=(code, name))


COUNTRY_COLUMN = Column("Country", export=("Country", "Country name"))


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
            [_country(c.country_name, c.country), *marks, mark(c.covers_all_working_groups)]
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
            rows.append([_country(c.country_name, c.country), text("not given"), percent(None)])
            continue
        names = "; ".join(labels.get(slug, slug) for slug in c.most_represented)
        top = c.stakeholder_shares.get(c.most_represented[0]) if c.most_represented else None
        rows.append([_country(c.country_name, c.country), text(names), percent(top)])
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
                _country(c.country_name, c.country),
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
    """Experts by gender per country, each with its share of the country's experts."""

    def cells(gender: dict[str, int], total: int) -> list[Cell]:
        return [
            Cell(
                str(gender.get(key, 0)),
                export=(gender.get(key, 0),),
                note=format_percent(_share(gender.get(key, 0), total)),
                css="num",
            )
            for key, _ in GENDER_LABELS
        ] + [number(total)]

    totals: dict[str, int] = {}
    for c in summary.countries:
        for key, n in c.gender.items():
            totals[key] = totals.get(key, 0) + n
    all_experts = sum(c.experts for c in summary.countries)
    return Table(
        "gender",
        "Gender balance: experts per country",
        [
            COUNTRY_COLUMN,
            *(Column(label, numeric=True) for _, label in GENDER_LABELS),
            Column("Experts", numeric=True),
        ],
        [
            [_country(c.country_name, c.country), *cells(c.gender, c.experts)]
            for c in summary.countries
        ],
        totals=[Cell("All countries", export=("", "All countries")), *cells(totals, all_experts)]
        if summary.countries
        else None,
    )


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
            f"The most represented group is {_quoted(labels.get(usual, usual))} in "
            f"{leaders[usual]} of the {len(with_types)} countries that gave stakeholder types."
        )
        for c in with_types:
            if usual not in c.most_represented or len(c.most_represented) > 1:
                tops = [
                    f"{_quoted(labels.get(slug, slug))} "
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
            facts.append(f"No country has representatives of {_quoted(label)}.")
        elif len(having) == 1:
            facts.append(f"Only one country ({having[0]}) has representatives of {_quoted(label)}.")
        else:
            facts.append(
                f"{len(having)} countries ({list_words(having)}) have representatives of "
                f"{_quoted(label)}."
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


def _quoted(label: str) -> str:
    return f"\N{LEFT SINGLE QUOTATION MARK}{label}\N{RIGHT SINGLE QUOTATION MARK}"


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _only(n: int, total: int) -> str:
    return f"Only {n}" if n < total / 2 else str(n)


# --- configuration models (section 6) ----------------------------------------------------

HEALTH_SYSTEM_LABELS = {**dict(HealthSystem.choices), "unknown": "Not recorded", "": "Not recorded"}


def models_table(models: ConfigurationModels) -> Table:
    return Table(
        "models",
        "Configuration model of each country's mirror groups",
        [
            COUNTRY_COLUMN,
            Column("Configuration model"),
            Column("Groups", numeric=True),
            Column("Health system"),
            Column("Population (millions)", numeric=True),
            Column("Population band"),
        ],
        [
            [
                _country(c.country_name, c.country),
                Cell(c.model_label, export=(c.model_label,)),
                number(c.groups),
                text(HEALTH_SYSTEM_LABELS.get(c.health_system, c.health_system)),
                number(c.population_millions),
                text(c.population_band),
            ]
            for c in models.countries
        ],
    )


def cross_tab_table(
    cross_tab: CrossTab, *, table_id: str, caption: str, column_labels: dict[str, str]
) -> Table:
    """Countries counted by model (rows) and an attribute (columns), naming the countries."""
    rows = []
    for model in cross_tab.rows:
        cells = [text(CONFIGURATION_MODELS.get(model, model))]
        for column in cross_tab.columns:
            countries = cross_tab.counts.get(model, {}).get(column, [])
            cells.append(
                Cell(
                    str(len(countries)),
                    export=(len(countries), ", ".join(countries)),
                    note=", ".join(countries),
                    css="num",
                )
            )
        total = sum(len(v) for v in cross_tab.counts.get(model, {}).values())
        cells.append(number(total))
        rows.append(cells)
    columns = [
        Column("Configuration model"),
        *(
            Column(
                column_labels.get(c, c),
                export=(column_labels.get(c, c), f"{column_labels.get(c, c)} (countries)"),
                numeric=True,
            )
            for c in cross_tab.columns
        ),
        Column("All", numeric=True),
    ]
    return Table(table_id, caption, columns, rows)


# --- round comparison ----------------------------------------------------------------------


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


def _identifier(value: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in value)


def _share(count: int, total: int) -> float:
    return round(count / total, 4) if total else 0.0
