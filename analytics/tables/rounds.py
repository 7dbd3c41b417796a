"""A round's tables (the deliverable's section 5.1): each question's answers, the open
questions, the invited countries, the stages, and the list of rounds."""

from collections.abc import Mapping, Sequence

from analytics.selectors import QuestionSummary, SurveySummary
from analytics.tables.cells import (
    DASH,
    codes,
    list_words,
    mark,
    not_applicable,
    number,
    ratio,
    ratio_column,
    share_of,
    text,
)
from analytics.tables.table import Cell, Column, Footnote, Table


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
                share_of(question.answered, summary.respondents),
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
