"""The assessment: every table of the deliverable's section 5 (and more), computed from the
registry's data for any round. Pure, keyword-only functions returning frozen dataclasses;
the HTML dashboards, the JSON API and the spreadsheet downloads all call these.

Each selector answers in a fixed number of SQL queries whatever the number of countries,
experts or rounds. Countries appear by EU code and every list is sorted by country code.
Shares are fractions rounded to 4 places (`share()`); a share over zero is 0, except a
country's stakeholder shares, which are None when none of its experts has a type.

These selectors see every figure exactly; a breakdown of people by a personal attribute is
cut to what the reader may see where the reader is known (`analytics.small_counts`).
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, TextField
from django.db.models.functions import Coalesce

from compositions.as_of import expert_counts, seat_counts
from compositions.models import Gender
from nmg_registry.models import (
    HealthSystem,
    MirrorGroup,
    MirrorGroupKind,
    StakeholderType,
    WorkingGroup,
)
from surveys.models import Answer, Question, QuestionKind, QuestionSection, Response, Survey, Target

OPTION_KINDS = (QuestionKind.CHOICE, QuestionKind.SCALE)
# The question of a country's stage in establishing its NMG (section 5.1's "Stage in
# establishing NMGs"): the dashboard's chart and map, a country's trajectory.
STAGE_QUESTION = "nmg_stage"
SECTION_TITLES = dict(QuestionSection.choices)

# --- survey summary (section 5.1) -------------------------------------------------------


@dataclass(frozen=True)
class OptionCount:
    value: str
    label: str
    count: int
    share: float  # count / answered


@dataclass(frozen=True)
class QuestionSummary:
    code: str
    section: str  # the section value, e.g. "functioning"
    section_title: str  # e.g. "National Mirror Groups composition and functioning"
    text: str
    kind: str
    answered: int  # submitted responses that answer it
    not_answered: list[str]  # respondents' country codes that left it blank
    options: list[OptionCount]  # every option, zero counts included; [] for text and url


@dataclass(frozen=True)
class SurveySummary:
    survey: str  # slug
    title: str
    status: str
    opens_on: datetime.date | None
    closes_on: datetime.date | None
    invited: int
    respondents: int  # countries with a submitted response
    respondent_countries: list[str]
    non_respondent_countries: list[str]  # invited, without a submitted response
    questions: list[QuestionSummary]


def survey_summary(*, survey: Survey) -> SurveySummary:
    """Section 5.1 for one round, over its submitted responses only; each question's share
    is over the respondents that answered it. Four queries."""
    invited = set(survey.invited_countries.values_list("code", flat=True))
    respondents = dict(
        Response.objects.filter(survey=survey)
        .submitted()
        .order_by()
        .values_list("pk", "country__code")
    )
    # One row per option, or one row with blank option columns for a question without any.
    rows = (
        Question.objects.filter(survey=survey)
        .order_by("order", "code", "options__order", "options__value")
        .values_list(
            "pk",
            "code",
            "section",
            "text",
            "kind",
            "options__pk",
            "options__value",
            "options__label",
        )
    )
    answers = (
        Answer.objects.filter(response__survey=survey)
        .submitted()
        .order_by()
        .values_list("question_id", "response_id", "option_id")
    )
    answered_by: dict[int, set[int]] = defaultdict(set)
    picks: Counter[tuple[int, int]] = Counter()
    for question_id, response_id, option_id in answers:
        answered_by[question_id].add(response_id)
        if option_id is not None:
            picks[question_id, option_id] += 1

    questions: dict[int, dict] = {}
    for pk, code, section, text, kind, option_pk, value, label in rows:
        question = questions.setdefault(
            pk, {"code": code, "section": section, "text": text, "kind": kind, "options": []}
        )
        if option_pk is not None and kind in OPTION_KINDS:
            question["options"].append((value, label, picks[pk, option_pk]))

    summaries = []
    for pk, question in questions.items():
        answered = len(answered_by[pk])
        summaries.append(
            QuestionSummary(
                code=question["code"],
                section=question["section"],
                section_title=SECTION_TITLES.get(question["section"], question["section"]),
                text=question["text"],
                kind=question["kind"],
                answered=answered,
                not_answered=sorted(
                    code
                    for response_id, code in respondents.items()
                    if response_id not in answered_by[pk]
                ),
                options=[
                    OptionCount(value=value, label=label, count=count, share=share(count, answered))
                    for value, label, count in question["options"]
                ],
            )
        )
    responded = set(respondents.values())
    return SurveySummary(
        survey=survey.slug,
        title=survey.title,
        status=survey.status,
        opens_on=survey.opens_on,
        closes_on=survey.closes_on,
        invited=len(invited),
        respondents=len(responded),
        respondent_countries=sorted(responded),
        non_respondent_countries=sorted(invited - responded),
        questions=summaries,
    )


# --- composition summary (section 5.2) --------------------------------------------------


@dataclass(frozen=True)
class CountryComposition:
    country: str
    country_name: str
    experts: int  # each person once, however many memberships
    memberships: int
    working_groups: list[int]  # numbers covered by at least one membership, ascending
    covers_all_working_groups: bool  # every ACTIVE working group covered
    working_group_info_missing: bool  # no membership names a working group
    stakeholder_counts: dict[str, int]  # slug -> experts, all ten slugs present
    stakeholder_shares: dict[str, float | None]  # over the experts of known type; None: none
    most_represented: list[str]  # slugs with the highest count (ties: all); [] if none known
    stakeholder_info_missing: bool  # no expert has a type
    # female, male, other, undisclosed, unknown -> experts; None where hidden from the reader
    # (`analytics.small_counts`), with why in `gender_hidden` (`nmg_registry.disclosure`)
    gender: dict[str, int | None]
    gender_hidden: dict[str, str] = field(default_factory=dict)

    @property
    def gender_suppressed(self) -> bool:
        """Whether some count of the country's gender breakdown is hidden from the reader."""
        return bool(self.gender_hidden)


@dataclass(frozen=True)
class SizeBand:
    label: str  # e.g. "10-20"
    minimum: int
    maximum: int | None  # None: no upper bound
    countries: list[str]


@dataclass(frozen=True)
class CompositionSummary:
    countries_submitted: list[str]  # countries with at least one expert
    countries_with_all_working_groups: list[str]
    countries_with_all_stakeholder_types: list[str]
    countries_by_stakeholder_type: dict[str, list[str]]  # all ten slugs present
    size_distribution: list[SizeBand]  # bands 1-9, 10-20, 21-50, 51-100, 101+
    countries: list[CountryComposition]
    # What the pages name the keys by (not in the JSON): the types (slug, label) in their
    # order, and the active working groups' numbers, ascending.
    stakeholder_types: tuple[tuple[str, str], ...] = ()
    active_working_groups: tuple[int, ...] = ()
    # Each gender's experts over every country (the pages' totals row); None where hidden
    # from the reader, with why in `gender_totals_hidden`.
    gender_totals: dict[str, int | None] = field(default_factory=dict)
    gender_totals_hidden: dict[str, str] = field(default_factory=dict)


SIZE_BANDS = ((1, 9), (10, 20), (21, 50), (51, 100), (101, None))
UNKNOWN_GENDER = "unknown"
GENDERS = (*(g.value for g in Gender), UNKNOWN_GENDER)


def composition_summary(*, moment=None) -> CompositionSummary:
    """Section 5.2 over every country's composition (aggregates: no personal data), now or
    at a past `moment` (`nmg_registry.moments.Moment`), read from the history. Four
    queries: the ten types, the active working groups, and two grouped counts."""
    labels = tuple(StakeholderType.objects.order_by("order", "slug").values_list("slug", "label"))
    slugs = [slug for slug, _label in labels]
    active = set(WorkingGroup.objects.filter(is_active=True).values_list("number", flat=True))
    expert_rows = expert_counts(moment)
    seat_rows = seat_counts(moment)
    names: dict[str, str] = {}
    types: dict[str, Counter] = defaultdict(Counter)
    genders: dict[str, Counter] = defaultdict(Counter)
    for code, name, slug, gender, n in expert_rows:
        names[code] = name
        types[code][slug] += n  # slug None: type unknown
        genders[code][gender or UNKNOWN_GENDER] += n
    seats: dict[str, Counter] = defaultdict(Counter)
    for code, number, n in seat_rows:
        seats[code][number] += n  # number None: working group unknown

    countries = []
    for code in sorted(names):
        counts = types[code]
        known = {slug: counts[slug] for slug in slugs}
        typed = sum(n for slug, n in counts.items() if slug is not None)
        top = max(known.values(), default=0)
        covered = sorted(number for number in seats[code] if number is not None)
        countries.append(
            CountryComposition(
                country=code,
                country_name=names[code],
                experts=sum(counts.values()),
                memberships=sum(seats[code].values()),
                working_groups=covered,
                covers_all_working_groups=bool(active) and active <= set(covered),
                working_group_info_missing=not covered,
                stakeholder_counts=known,
                stakeholder_shares={
                    slug: share(n, typed) if typed else None for slug, n in known.items()
                },
                most_represented=[slug for slug, n in known.items() if top and n == top],
                stakeholder_info_missing=typed == 0,
                gender={gender: genders[code][gender] for gender in GENDERS},
            )
        )
    return CompositionSummary(
        countries_submitted=[c.country for c in countries],
        countries_with_all_working_groups=[
            c.country for c in countries if c.covers_all_working_groups
        ],
        countries_with_all_stakeholder_types=[
            c.country for c in countries if slugs and all(c.stakeholder_counts.values())
        ],
        countries_by_stakeholder_type={
            slug: [c.country for c in countries if c.stakeholder_counts[slug]] for slug in slugs
        },
        size_distribution=[
            SizeBand(
                label=f"{low}-{high}" if high else f"{low}+",
                minimum=low,
                maximum=high,
                countries=[
                    c.country
                    for c in countries
                    if low <= c.experts and (not high or c.experts <= high)
                ],
            )
            for low, high in SIZE_BANDS
        ],
        countries=countries,
        stakeholder_types=labels,
        active_working_groups=tuple(sorted(active)),
        gender_totals={gender: sum(c.gender[gender] for c in countries) for gender in GENDERS},
    )


# --- roadmap targets (section 7) -------------------------------------------------------


@dataclass(frozen=True)
class TargetMeasurement:
    survey: str
    title: str
    opens_on: datetime.date | None
    invited: int
    answered: int  # submitted responses answering the target's question
    count: int  # of those, answers in the target's values
    share_of_answered: float
    share_of_invited: float
    met: bool  # share_of_invited >= threshold: a country that did not answer is not counted
    # The round is still open: the figure may change, and a target is judged on closed rounds.
    provisional: bool = False

    @property
    def label(self) -> str:
        """The round's title, marked provisional while the round is open."""
        return f"{self.title} (open: provisional)" if self.provisional else self.title


@dataclass(frozen=True)
class TargetProgress:
    slug: str
    name: str
    description: str
    question_code: str
    answer_values: list[str]
    threshold: Decimal
    due_on: datetime.date
    rounds: list[TargetMeasurement]  # every open or closed round with the question, oldest first


def targets_progress() -> list[TargetProgress]:
    """Each roadmap target measured on every open or closed round that asks its question,
    over submitted responses; a draft round is still being prepared and measures nothing,
    for staff too. An open round's measurement is provisional. Three queries (one when no
    target is defined)."""
    targets = list(Target.objects.order_by("due_on", "slug"))
    codes = {target.question_code for target in targets}
    if not codes:
        return []
    rounds = (
        Question.objects.filter(code__in=codes, survey__in=Survey.objects.published())
        .order_by()
        .values_list(
            "code",
            "survey_id",
            "survey__slug",
            "survey__title",
            "survey__opens_on",
            "survey__created_at",
            "survey__status",
        )
        .annotate(invited=Count("survey__invited_countries"))
    )
    rounds = sorted(rounds, key=lambda r: (r[4] is None, r[4] or datetime.date.min, r[5], r[2]))
    answers = (
        Answer.objects.filter(question__code__in=codes)
        .submitted()
        .in_published_rounds()
        .order_by()
        .annotate(value=Coalesce("option__value", "text", output_field=TextField()))
        .values_list("question__survey_id", "question__code", "value")
        .annotate(n=Count("pk"))
    )
    given: dict[tuple[int, str], Counter] = defaultdict(Counter)
    for survey_id, code, value, n in answers:
        given[survey_id, code][value] += n

    progress = []
    for target in targets:
        measurements = []
        for code, survey_id, slug, title, opens_on, _created, status, invited in rounds:
            if code != target.question_code:
                continue
            values = given[survey_id, code]
            answered = sum(values.values())
            count = sum(values[value] for value in target.answer_values)
            measurements.append(
                TargetMeasurement(
                    survey=slug,
                    title=title,
                    opens_on=opens_on,
                    invited=invited,
                    answered=answered,
                    count=count,
                    share_of_answered=share(count, answered),
                    share_of_invited=share(count, invited),
                    met=invited > 0 and count >= target.threshold * invited,
                    provisional=Survey(status=status).is_open,
                )
            )
        progress.append(
            TargetProgress(
                slug=target.slug,
                name=target.name,
                description=target.description,
                question_code=target.question_code,
                answer_values=list(target.answer_values),
                threshold=target.threshold,
                due_on=target.due_on,
                rounds=measurements,
            )
        )
    return progress


# --- configuration models (section 6) --------------------------------------------------


@dataclass(frozen=True)
class CountryModel:
    country: str
    country_name: str
    model: str  # "core_group", "group_per_working_group", "single_group", "none"
    model_label: str
    groups: int
    health_system: str  # "nhs", "insurance", "mixed", ""
    population_millions: Decimal | None
    population_band: str  # "under 5 million", "5 to 20 million", "over 20 million", "unknown"


@dataclass(frozen=True)
class CrossTab:
    """Countries counted by configuration model (rows) and another attribute (columns)."""

    rows: list[str]  # model values
    columns: list[str]
    counts: dict[str, dict[str, list[str]]]  # model -> column -> country codes


@dataclass(frozen=True)
class ConfigurationModels:
    countries: list[CountryModel]  # every country with at least one mirror group
    by_health_system: CrossTab
    by_population: CrossTab


CONFIGURATION_MODELS = {
    "core_group": "Core group with operational subgroup and/or forum",
    "group_per_working_group": "One group per working group",
    "single_group": "A single group",
}
HEALTH_SYSTEM_COLUMNS = [*(h.value for h in HealthSystem), "unknown"]
POPULATION_BANDS = ["under 5 million", "5 to 20 million", "over 20 million", "unknown"]


def configuration_model(kinds: Counter) -> str:
    """The section 6 model of a country from its groups counted by kind: a core group wins,
    then two or more working-group groups; anything else is a single group."""
    if kinds[MirrorGroupKind.CORE]:
        return "core_group"
    if kinds[MirrorGroupKind.WORKING_GROUP] >= 2:
        return "group_per_working_group"
    return "single_group"


def configuration_model_reason(kinds: Counter) -> str:
    """Why a country has no configuration model, in words; "" when it has one. By the rule
    above a country has one as soon as it records a mirror group of any kind."""
    if sum(kinds.values()):
        return ""
    return (
        "none: no mirror group recorded (the model is derived from the country's mirror "
        "groups: a core group, one group per working group, or a single group)"
    )


def population_band(millions: Decimal | None) -> str:
    """The population column of the cross-tabulation."""
    if millions is None:
        return "unknown"
    if millions < 5:
        return "under 5 million"
    if millions <= 20:
        return "5 to 20 million"
    return "over 20 million"


def configuration_models() -> ConfigurationModels:
    """Each country's configuration model derived from its mirror groups, cross-tabulated
    with health-system type and population (the correlation section 1 set out to find).
    One query."""
    rows = (
        MirrorGroup.objects.order_by()
        .values_list(
            "country__code",
            "country__name",
            "country__health_system",
            "country__population_millions",
            "kind",
        )
        .annotate(n=Count("pk"))
    )
    details: dict[str, tuple] = {}
    kinds: dict[str, Counter] = defaultdict(Counter)
    for code, name, health_system, population, kind, n in rows:
        details[code] = (name, health_system, population)
        kinds[code][kind] += n
    countries = []
    for code in sorted(details):
        name, health_system, population = details[code]
        model = configuration_model(kinds[code])
        countries.append(
            CountryModel(
                country=code,
                country_name=name,
                model=model,
                model_label=CONFIGURATION_MODELS[model],
                groups=sum(kinds[code].values()),
                health_system=health_system,
                population_millions=population,
                population_band=population_band(population),
            )
        )
    return ConfigurationModels(
        countries=countries,
        by_health_system=_cross_tab(
            countries, HEALTH_SYSTEM_COLUMNS, lambda c: c.health_system or "unknown"
        ),
        by_population=_cross_tab(countries, POPULATION_BANDS, lambda c: c.population_band),
    )


def _cross_tab(countries: list[CountryModel], columns: list[str], column_of) -> CrossTab:
    counts = {model: {column: [] for column in columns} for model in CONFIGURATION_MODELS}
    for country in countries:
        counts[country.model][column_of(country)].append(country.country)
    return CrossTab(rows=list(CONFIGURATION_MODELS), columns=list(columns), counts=counts)


def share(count: int, total: int) -> float:
    """A share as the JSON shows it: a fraction rounded to 4 places; 0 over nothing."""
    return round(count / total, 4) if total else 0.0
