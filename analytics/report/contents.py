"""What a round's assessment report says, written once: a title page and a list of sections
(heading, level, paragraphs, `analytics.tables.Table`s, server-drawn charts) in the
deliverable's order. The PDF and the Word renderer both read this; neither computes a
figure of its own.

Every figure comes from the selectors the pages and the JSON API call, for the same round:
`survey_summary` (5.1), `composition_summary` as of the round's close (5.2), the
configuration models (6), the targets (7), the comparison with the previous round, the
recommendations of section 7 country by country (`analytics.recommendations`), and each
country's answers as the policy lets the reader see them (the annex).
"""

import datetime
import re
from dataclasses import dataclass, field, fields, is_dataclass, replace
from typing import ClassVar

from django.utils import timezone
from django.utils.safestring import SafeData, SafeString, mark_safe

from analytics import charts, tables
from analytics.recommendations import RoundRecommendations, round_recommendations
from analytics.round_comparison import previous_round, round_comparison
from analytics.selectors import (
    STAGE_QUESTION,
    CompositionSummary,
    ConfigurationModels,
    SurveySummary,
    composition_summary,
    configuration_models,
    survey_summary,
    targets_progress,
)
from analytics.small_counts import composition_as_read
from analytics.tables.cells import list_words
from nmg_registry import permissions
from nmg_registry.models import Country, DemoDataset
from nmg_registry.moments import Moment
from surveys.models import Answer, Survey
from surveys.round_moments import round_closed_at
from surveys.selectors import answers_as_read

# A table with more columns than this, or more words in its header than a portrait page's
# width holds, is set on a landscape page.
WIDE_TABLE_COLUMNS = 13
WIDE_HEADER_CHARACTERS = 150
ANSWERS_OF_A_DRAFT = "The countries' answers to a draft round are shown to WP6 staff only."


@dataclass(frozen=True)
class Paragraph:
    text: str
    style: str = ""  # "" (body), "note" (smaller), "warning"
    kind: ClassVar[str] = "paragraph"


@dataclass(frozen=True)
class Bullets:
    items: list[str]
    kind: ClassVar[str] = "bullets"


@dataclass(frozen=True)
class TableBlock:
    table: tables.Table
    kind: ClassVar[str] = "table"

    @property
    def wide(self) -> bool:
        columns = self.table.page_columns
        header = sum(len(column.label) for column in columns)
        return len(columns) > WIDE_TABLE_COLUMNS or header > WIDE_HEADER_CHARACTERS


@dataclass(frozen=True)
class Chart:
    """A server-drawn SVG chart; the figures it draws are in a table beside it."""

    svg: SafeString
    caption: str
    kind: ClassVar[str] = "chart"


@dataclass(frozen=True)
class Section:
    heading: str
    level: int  # 1, 2 or 3: Word's Heading 1-3, the PDF's h2-h4
    anchor: str  # for the table of contents' links
    blocks: list = field(default_factory=list)
    new_page: bool = False

    @property
    def wide(self) -> bool:
        """A section holding a wide table is set on landscape pages, heading and all."""
        return any(block.kind == "table" and block.wide for block in self.blocks)


@dataclass(frozen=True)
class Report:
    survey: str  # slug
    title: str
    round_dates: str  # "opened 1 October 2020, closed 31 March 2021"
    facts: list[tuple[str, str]]  # the title page's figures: (label, value)
    demo_notice: str  # "" unless the registry holds the demo data set
    generated_at: datetime.datetime
    sections: list[Section]

    @property
    def contents(self) -> list[Section]:
        """The sections the table of contents lists."""
        return [s for s in self.sections if s.level <= 2]

    @property
    def generated_on(self) -> str:
        return _day(self.generated_at)


def round_report(*, survey: Survey, user, now: datetime.datetime | None = None) -> Report:
    """The report of `survey` as `user` may read it: every figure as the pages and the JSON
    show them; the annex gives each country's submitted answers to whoever may read them.
    A fixed number of queries whatever the number of countries."""
    now = timezone.localtime(now)
    summary = survey_summary(survey=survey)
    moment = Moment(at=round_closed_at(survey=survey), round=survey.slug)
    composition = composition_as_read(composition_summary(moment=moment), user)
    models = configuration_models()
    measured = tables.targets_on_round(targets_progress(), summary)
    previous = previous_round(survey=survey)
    recommendations = round_recommendations(survey=survey)
    codes = sorted({*summary.respondent_countries, *summary.non_respondent_countries})
    names = dict(Country.objects.filter(code__in=codes).values_list("code", "name"))
    answers, withheld = _answers(survey, user)
    demo = DemoDataset.objects.first()
    sections = [
        *_survey_sections(summary),
        *_composition_sections(composition, _composition_moment(survey, moment)),
        _models_section(models),
        _targets_section(measured),
    ]
    if previous is not None:
        sections.append(_comparison_section(previous, survey))
    sections += _recommendation_sections(recommendations)
    sections += _annex(summary, composition, models, recommendations, names, answers, withheld)
    report = Report(
        survey=survey.slug,
        title=survey.title,
        round_dates=_round_dates(survey),
        facts=_title_facts(survey, summary, moment),
        demo_notice=f"Demo data. {demo.description}" if demo else "",
        generated_at=now,
        sections=sections,
    )
    return printable(report)


# C0 control characters but tab and line ends: the registry keeps them (an XLSX cell may
# hold a vertical tab, Word's manual line break), but python-docx refuses them and
# WeasyPrint writes a PDF whose text no reader can extract once one is in it.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def printable(value):
    """`value` (the report, or any part of it) with every control character in its texts
    turned into a space: one cleaning step before either renderer."""
    if isinstance(value, str):
        if not _CONTROL.search(value):
            return value
        cleaned = _CONTROL.sub(" ", value)
        return mark_safe(cleaned) if isinstance(value, SafeData) else cleaned
    if isinstance(value, list | tuple):
        items = [printable(item) for item in value]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        return type(value)(items)
    if isinstance(value, dict):
        return {key: printable(item) for key, item in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: new
            for f in fields(value)
            if f.init and (new := printable(old := getattr(value, f.name))) is not old
        }
        return replace(value, **changes) if changes else value
    return value


def _day(value) -> str:
    return f"{value.day} {value:%B %Y}"


def _round_dates(survey: Survey) -> str:
    parts = []
    if survey.opens_on:
        parts.append(f"opened {_day(survey.opens_on)}")
    if survey.closes_on:
        verb = "closed" if survey.is_closed else "closing"
        parts.append(f"{verb} {_day(survey.closes_on)}")
    state = survey.get_status_display().lower()
    return f"Survey round {state}" + (f", {', '.join(parts)}" if parts else "")


def _title_facts(survey: Survey, summary: SurveySummary, moment: Moment) -> list[tuple[str, str]]:
    def listed(count: int, codes: list[str]) -> str:
        return f"{count}: {', '.join(codes)}" if codes else str(count)

    invited = sorted({*summary.respondent_countries, *summary.non_respondent_countries})
    facts = [
        ("Invited countries", listed(summary.invited, invited)),
        ("Responding countries", listed(summary.respondents, summary.respondent_countries)),
    ]
    if summary.non_respondent_countries:
        missing = summary.non_respondent_countries
        facts.append(("Did not respond", listed(len(missing), missing)))
    facts.append(("Compositions", _composition_moment(survey, moment)))
    return facts


def _composition_moment(survey: Survey, moment: Moment) -> str:
    if survey.is_closed:
        return f"as they stood when the round closed ({_day(timezone.localtime(moment.at))})"
    return "as they stand now (the round has not closed)"


# --- 5.1 ------------------------------------------------------------------------------------


def _survey_sections(summary: SurveySummary) -> list[Section]:
    responded = f"{summary.respondents} of {summary.invited} invited countries responded" + (
        f": {list_words(summary.respondent_countries)}." if summary.respondents else "."
    )
    intro = [
        Paragraph("The deliverable's section 5.1: the answers to the round's questions."),
        Paragraph(responded),
    ]
    if summary.non_respondent_countries:
        intro.append(Paragraph(f"Did not respond: {list_words(summary.non_respondent_countries)}."))
    invited = Section(
        "Invited countries",
        2,
        "invited",
        [TableBlock(tables.invited_table(summary))],
    )
    if not summary.respondents:
        intro.append(Paragraph("No country has submitted a response to this round."))
        return [Section("Survey results", 1, "survey-results", intro, new_page=True), invited]
    intro.append(
        Paragraph(
            "Counts are over the submitted responses; each share is over the countries that "
            "answered the question, and the notes under a table name the respondents that "
            "left a question blank.",
            style="note",
        )
    )
    sections = [Section("Survey results", 1, "survey-results", intro, new_page=True)]
    stage = next((q for q in summary.questions if q.code == STAGE_QUESTION and q.options), None)
    if stage is not None:
        missing = f" ({list_words(stage.not_answered)} did not)" if stage.not_answered else ""
        sections.append(
            Section(
                "Stage in establishing the mirror groups",
                2,
                "stage",
                [
                    Chart(
                        charts.stage_bar_chart(stage, chart_id="report-stage-chart"),
                        f"Countries per stage, over the {stage.answered} that answered{missing}.",
                    )
                ],
            )
        )
    sections += [
        Section(
            "Answers by section",
            2,
            "answers",
            [TableBlock(t) for t in tables.survey_tables(summary)],
        ),
        Section(
            "Open questions",
            2,
            "open-questions",
            [
                Paragraph(
                    "Free-text and web-address answers are not summarised; the table says how "
                    "many respondents gave one. The annex gives each country's answers."
                ),
                TableBlock(tables.text_questions_table(summary)),
            ],
        ),
        invited,
    ]
    return sections


# --- 5.2 ------------------------------------------------------------------------------------


def _composition_sections(summary: CompositionSummary, when: str) -> list[Section]:
    intro = [
        Paragraph(
            "The deliverable's section 5.2: the composition of the countries' mirror groups, "
            f"{when}. "
            "An expert counts once per country however many seats they hold."
        )
    ]
    heading = "Composition of the mirror groups"
    if not summary.countries:
        intro.append(Paragraph("No country had sent the composition of its mirror groups."))
        return [Section(heading, 1, "composition", intro, new_page=True)]
    types, active = list(summary.stakeholder_types), list(summary.active_working_groups)
    numbers = tables.working_group_numbers(summary)
    intro.append(Bullets(tables.composition_facts(summary, types, active)))
    return [
        Section(heading, 1, "composition", intro, new_page=True),
        Section(
            "Working groups",
            2,
            "working-groups",
            [TableBlock(tables.working_group_table(summary, numbers))],
        ),
        Section(
            "Stakeholder types",
            2,
            "stakeholder-types",
            [
                TableBlock(tables.stakeholder_table(summary, types)),
                TableBlock(tables.most_represented_table(summary, types)),
            ],
        ),
        Section(
            "Size of the mirror groups",
            2,
            "sizes",
            [
                Chart(
                    charts.size_bar_chart(summary, chart_id="report-size-chart"),
                    "Experts in each country's mirror groups (each person once).",
                ),
                TableBlock(tables.size_table(summary)),
                TableBlock(tables.size_band_table(summary)),
            ],
        ),
        Section(
            "Gender balance",
            2,
            "gender",
            [TableBlock(tables.gender_table(summary))],
        ),
    ]


# --- 6 and 7 --------------------------------------------------------------------------------


def _models_section(result: ConfigurationModels) -> Section:
    blocks = [
        Paragraph(
            "The deliverable's section 6: each country's configuration model, derived from "
            "the mirror groups it records now (a core group, one group per working group, or "
            "a single group), against its health-system type and population."
        )
    ]
    if not result.countries:
        blocks.append(Paragraph("No country has recorded a mirror group."))
    else:
        blocks += [TableBlock(t) for t in tables.configuration_tables(result)]
    return Section("Configuration models", 1, "models", blocks, new_page=True)


def _targets_section(measured: list[tables.TargetOnRound]) -> Section:
    blocks = [
        Paragraph(
            "The deliverable's section 7: each roadmap target measured on this round against "
            "its threshold. A country that was invited and did not answer is not counted."
        )
    ]
    if not measured:
        blocks.append(Paragraph("No roadmap target is measured on this round."))
    for index, item in enumerate(measured):
        blocks.append(
            Chart(
                charts.target_progress_chart(
                    item.target, item.measurement, chart_id=f"report-target-{index}"
                ),
                f"{item.target.name}: {item.of_invited} of the invited countries, "
                f"{item.of_answered} of those that answered; the target is {item.threshold} "
                f"of the invited countries by {item.target.due_on.isoformat()}: "
                f"{'met' if item.measurement.met else 'not met'}.",
            )
        )
    if measured:
        blocks.append(TableBlock(tables.round_targets_table(measured)))
    return Section("Roadmap targets", 1, "targets", blocks, new_page=True)


# --- the previous round ---------------------------------------------------------------------


def _comparison_section(before: Survey, after: Survey) -> Section:
    comparison = round_comparison(before=before, after=after)
    blocks = [
        Paragraph(
            f"This round beside the previous one, {before.title}: the answers that changed, "
            "what each common question compares, and who responded to which round."
        ),
        TableBlock(
            tables.changes_table(comparison, before_title=before.title, after_title=after.title)
        ),
        TableBlock(tables.compared_questions_table(comparison)),
        TableBlock(tables.participation_table(comparison)),
    ]
    return Section(f"Comparison with {before.title}", 1, "comparison", blocks, new_page=True)


# --- the recommendations --------------------------------------------------------------------


def _recommendation_sections(result: RoundRecommendations) -> list[Section]:
    read = f"as the round closed ({result.composition_date.isoformat()})"
    if result.composition_at is None:
        read = f"as they are now ({result.composition_date.isoformat()}; the round has not closed)"
    intro = [
        Paragraph(
            "The deliverable's conclusions (section 7) applied to each country that responded: "
            f"from its submitted answers, and from its composition {read}. A question left "
            "blank, or not asked in this round, never makes a recommendation apply."
        )
    ]
    rules = [
        Section(
            rule.title,
            3,
            f"rule-{rule.code}",
            [
                Paragraph(rule.text),
                Paragraph(f"Applies to a responding country when {rule.condition}.", "note"),
            ],
        )
        for rule in result.rules
    ]
    if not result.responding():
        intro.append(Paragraph("No country has submitted a response to this round."))
        return [Section("Recommendations", 1, "recommendations", intro, new_page=True), *rules]
    return [
        Section("Recommendations", 1, "recommendations", intro, new_page=True),
        Section(
            "How many countries each recommendation concerns",
            2,
            "recommendation-counts",
            [TableBlock(tables.recommendation_counts_table(result))],
        ),
        Section(
            "Country by country",
            2,
            "recommendation-matrix",
            [TableBlock(tables.recommendations_table(result))],
        ),
        Section("The recommendations, in the deliverable's words", 2, "recommendation-rules"),
        *rules,
    ]


def _country_recommendations(result: RoundRecommendations, code: str) -> list:
    """A responding country's recommendations in words, each with its evidence."""
    country = result.country(code)
    if country is None or not country.responded:
        return []
    titles = {rule.code: rule.title for rule in result.rules}

    def lines(applied, prefix=""):
        return [f"{prefix}{titles[a.code]}: {'; '.join(a.evidence)}" for a in applied]

    items = lines(country.recommendations) or ["No recommendation applies."]
    items += lines(country.undetermined, prefix="Not judged, ")
    return [Paragraph("The deliverable's recommendations that apply:"), Bullets(items)]


# --- the annex ------------------------------------------------------------------------------


def _answers(survey: Survey, user) -> tuple[dict[str, list] | None, str]:
    """Each country's submitted answers as the user may read them (the policy's submitted
    responses: every reader of the aggregates, anonymous ones of a public registry too), or
    None and why not: in a draft round, to anyone but staff."""
    if not permissions.can_read_round(user, survey):
        return None, ANSWERS_OF_A_DRAFT
    submitted = Answer.objects.filter(response__survey=survey).submitted()
    return answers_as_read(user=user, answers=submitted, by="response__country__code"), ""


def _annex(
    summary: SurveySummary,
    composition: CompositionSummary,
    models: ConfigurationModels,
    recommendations: RoundRecommendations,
    names: dict[str, str],
    answers: dict[str, list] | None,
    withheld: str,
) -> list[Section]:
    intro = [
        Paragraph(
            "One page per invited country: its answers to the round, the figures of its "
            "mirror groups as the round closed, its configuration model and the "
            "recommendations that apply to it."
        )
    ]
    if answers is None:
        intro.append(Paragraph(withheld, style="note"))
    sections = [Section("Annex: the countries", 1, "annex", intro, new_page=True)]
    by_code = {c.country: c for c in composition.countries}
    types, active = list(composition.stakeholder_types), list(composition.active_working_groups)
    responded = set(summary.respondent_countries)
    model_of = {c.country: c for c in models.countries}
    for code in sorted(names):
        name = names[code]
        blocks = []
        if code in responded:
            given = (answers or {}).get(code, [])
            blocks.append(Paragraph(f"{name} responded to the round."))
            if answers is None:
                blocks.append(Paragraph(withheld, style="note"))
            elif given:
                blocks.append(TableBlock(tables.country_answers_table(code, name, given)))
            else:
                blocks.append(Paragraph("Its response answers no question."))
        else:
            blocks.append(Paragraph(f"{name} was invited and did not respond."))
        country = by_code.get(code)
        if country is None:
            blocks.append(Paragraph("No expert of its mirror groups was recorded then."))
        else:
            blocks.append(TableBlock(tables.country_composition_table(country, types, active)))
        model = model_of.get(code)
        blocks.append(
            Paragraph(
                f"Configuration model (its mirror groups as recorded now): {model.model_label} "
                f"({model.groups} {'group' if model.groups == 1 else 'groups'})."
                if model
                else "Configuration model: none, no mirror group recorded."
            )
        )
        blocks += _country_recommendations(recommendations, code)
        sections.append(Section(f"{name} ({code})", 2, f"country-{code}", blocks, new_page=True))
    return sections
