"""The deliverable's recommendations (section 7, "Conclusions") applied country by country:
which of them a round's submitted answers, and each country's composition as the round
closed, call for.

`RULES` is the one place the rules live, as data: WP6 reads and changes them here. A rule
applies to a responding country when any of its answer triggers holds (the country gave
one of the listed answers), or, for a rule that names stakeholder types, when the
country's composition then lacks any of them or there was none. A question left blank, or
one the round does not ask, never makes a rule apply; the evidence says so.
"""

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils import timezone

from compositions.as_of import expert_counts
from nmg_registry.models import StakeholderType
from nmg_registry.moments import registry_zone
from surveys.models import Question, Response, Survey
from surveys.round_moments import composition_moment
from surveys.selectors import latest_closed_round

NOT_ANSWERED = "not answered"
NOT_ASKED = "not asked in this round"


@dataclass(frozen=True)
class AnswerIs:
    """A trigger: the country's answer to `question` is one of `values` (option values)."""

    question: str
    values: tuple[str, ...]

    def describe(self) -> str:
        values = " or ".join(f"“{value}”" for value in self.values)
        return f"the answer to {self.question} is {values}"


@dataclass(frozen=True)
class Rule:
    """One recommendation of section 7: its `text` as the deliverable words it, and when it
    applies to a responding country (`answers`, `lacks_stakeholder_types`)."""

    code: str
    title: str
    text: str  # the deliverable's wording
    answers: tuple[AnswerIs, ...] = ()  # any of them holding makes the rule apply
    # Stakeholder type slugs: the rule applies when the composition as the round closed has
    # no expert of any one of them, or when the country had sent no composition.
    lacks_stakeholder_types: tuple[str, ...] = ()

    @property
    def condition(self) -> str:
        """When the rule applies, in plain words, from the triggers themselves."""
        parts = [answer.describe() for answer in self.answers]
        if self.lacks_stakeholder_types:
            types = " or ".join(f"“{slug}”" for slug in self.lacks_stakeholder_types)
            parts.append(
                f"its composition as the round closed has no expert of type {types}, "
                "or it had sent no composition"
            )
        return "; or ".join(parts)

    @property
    def questions(self) -> tuple[str, ...]:
        return tuple(answer.question for answer in self.answers)


RULES: tuple[Rule, ...] = (
    Rule(
        code="profiles_contacts",
        title="Profiles and contacts for the management of NMGs",
        text=(
            "It is evident that it is necessary to define and clarify the profiles and "
            "contacts for the management of NMGs so that they are implemented by countries "
            "that do not yet have them."
        ),
        answers=(
            AnswerIs("scientific_coordinator", ("no",)),
            AnswerIs("national_contact_point", ("no",)),
        ),
    ),
    Rule(
        code="stage",
        title="Stage in establishing NMGs",
        text=(
            "To achieve the goal on NMGs approved in the initiative's roadmap, it is "
            "necessary that at least all countries throughout 2021 have their NMGs in a stage "
            "of \N{LEFT SINGLE QUOTATION MARK}Constructing/starting up"
            "\N{RIGHT SINGLE QUOTATION MARK} and that by the end of 2021 at least 75% of the "
            "countries have their NMGs operational."
        ),
        answers=(AnswerIs("nmg_stage", ("no_tangible_activities", "planning")),),
    ),
    Rule(
        code="establishment",
        title="Establishment of NMGs",
        text=(
            "It would be necessary to define minimum rules for the establishment of NMGs in "
            "terms of structure and operation, which were flexible enough to adapt to the "
            "nature of the country and the NHS, so that all the NMGs of the countries had the "
            "capacity to interoperate, with each other and with the initiative, in the most "
            "operational way possible."
        ),
        answers=(
            AnswerIs("formalised", ("no",)),
            AnswerIs("governance_structure", ("no",)),
        ),
    ),
    Rule(
        code="engagement",
        title="Engagement between NMGs and initiative",
        text=(
            "It is necessary that all NMGs have a high engagement with the initiative and "
            "that in turn they can be aligned with national initiatives so that the work of "
            "the NMGs is as efficient and constructive as possible. In addition, to achieve "
            "this, it is necessary that there is clear coordination between the "
            "representative within the Commission Special Group of the initiative and the NMG "
            "representative or coordinator."
        ),
        answers=(
            AnswerIs("engagement", ("no",)),
            AnswerIs("member_activity", ("1", "2")),
        ),
    ),
    Rule(
        code="funding",
        title="Funding or specific assignment",
        text=(
            "Ways should be sought through which the work of the NMGs is funded by the "
            "countries, either through the financing of personnel in charge of their "
            "management, or through bonuses or incentives that increase the engagement of "
            "the experts with the NMGs and the initiative."
        ),
        answers=(AnswerIs("funding", ("no",)),),
    ),
    Rule(
        code="stakeholders",
        title="Stakeholders\N{RIGHT SINGLE QUOTATION MARK} representation",
        text=(
            "Countries should be encouraged to: supplement their NMGs to have as much "
            "stakeholder representation as possible; the inclusion of patient organizations "
            "and industry representatives in the NMGs; balance the participation of "
            "scientific communities and clinical communities so that all the advances of the "
            "initiative also reach the end user who will be provided healthcare."
        ),
        lacks_stakeholder_types=("patient-organisations", "industry-private-sector"),
    ),
)


@dataclass(frozen=True)
class AppliedRecommendation:
    """A rule as it stands for one country: `evidence` in the user's words, e.g.
    "funding: No", "member_activity: 2", "no expert of type Patients organisations"."""

    code: str
    evidence: list[str]


@dataclass(frozen=True)
class CountryRecommendations:
    country: str  # EU code
    country_name: str
    responded: bool  # a submitted response to the round
    recommendations: list[AppliedRecommendation]  # the rules that apply, in RULES' order
    # The rules that do not apply but could not be fully judged: a question they read was
    # left blank or not asked (the evidence says which), in RULES' order.
    undetermined: list[AppliedRecommendation] = field(default_factory=list)

    @property
    def codes(self) -> list[str]:
        return [applied.code for applied in self.recommendations]

    def applied(self, code: str) -> AppliedRecommendation | None:
        return next((a for a in self.recommendations if a.code == code), None)

    def undetermined_by(self, code: str) -> AppliedRecommendation | None:
        return next((a for a in self.undetermined if a.code == code), None)


@dataclass(frozen=True)
class RoundRecommendations:
    survey: Survey
    rules: tuple[Rule, ...]
    countries: list[CountryRecommendations]  # invited or responding, by EU code
    # When the compositions were read: as the round closed; None for the present (an open
    # round or a draft).
    composition_at: datetime.datetime | None = None

    def responding(self) -> list[CountryRecommendations]:
        return [country for country in self.countries if country.responded]

    def not_responding(self) -> list[CountryRecommendations]:
        return [country for country in self.countries if not country.responded]

    def applied_to(self, code: str) -> list[str]:
        """The codes of the countries the rule applies to."""
        return [c.country for c in self.countries if c.applied(code) is not None]

    def count(self, code: str) -> int:
        """How many responding countries the rule applies to."""
        return len(self.applied_to(code))

    def country(self, code: str) -> CountryRecommendations | None:
        return next((c for c in self.countries if c.country == code), None)

    @property
    def counts(self) -> list[tuple[Rule, int]]:
        """Each rule with the number of responding countries it applies to."""
        return [(rule, self.count(rule.code)) for rule in self.rules]

    @property
    def by_country(self) -> list[tuple[CountryRecommendations, list, list]]:
        """Each responding country with its rules that apply and those not judged, each as
        (rule, its evidence for the country): what a page lists in words."""
        return [
            (c, _titled(self.rules, c.recommendations), _titled(self.rules, c.undetermined))
            for c in self.responding()
        ]

    @property
    def composition_date(self) -> datetime.date:
        """The day the compositions were read on, in the registry's time zone."""
        return _local_day(self.composition_at)


def round_recommendations(*, survey: Survey, rules: Sequence[Rule] = RULES) -> RoundRecommendations:
    """Each invited or responding country of the round with the rules that apply to it and
    their evidence: from its submitted answers, and its composition as the round closed (now,
    for an open round). Five queries whatever the number of countries, experts or rules
    (one more for a closed round without a closing date, which the services never leave)."""
    rules = tuple(rules)
    names = dict(survey.invited_countries.values_list("code", "name"))
    answers, responded = _submitted_answers(survey)
    names |= responded
    asked = set(Question.objects.filter(survey=survey).values_list("code", flat=True))
    at = composition_moment(survey=survey)
    types = _stakeholder_types_at(at)
    slugs = {slug for rule in rules for slug in rule.lacks_stakeholder_types}
    labels = dict(
        StakeholderType.objects.filter(slug__in=slugs).values_list("slug", "label") if slugs else ()
    )
    day = _local_day(at).isoformat()
    countries = []
    for code in sorted(names):
        applied, undetermined = [], []
        if code in responded:
            for rule in rules:
                applies, evidence = _judge(
                    rule, answers.get(code, {}), asked, types.get(code), labels, day
                )
                if applies:
                    applied.append(AppliedRecommendation(rule.code, evidence))
                elif evidence:
                    undetermined.append(AppliedRecommendation(rule.code, evidence))
        countries.append(
            CountryRecommendations(
                country=code,
                country_name=names[code],
                responded=code in responded,
                recommendations=applied,
                undetermined=undetermined,
            )
        )
    return RoundRecommendations(survey=survey, rules=rules, countries=countries, composition_at=at)


def _local_day(at: datetime.datetime | None) -> datetime.date:
    """The day of a moment (None: now) in the registry's time zone."""
    return timezone.localtime(at or timezone.now(), registry_zone()).date()


def _submitted_answers(survey: Survey) -> tuple[dict[str, dict[str, tuple]], dict[str, str]]:
    """The round's submitted answers by country and question code, each as (option value or
    text, option label or text); and the responding countries' names by code. One query."""
    rows = (
        Response.objects.filter(survey=survey)
        .submitted()
        .order_by()
        .values_list(
            "country__code",
            "country__name",
            "answers__question__code",
            "answers__option__value",
            "answers__option__label",
            "answers__text",
        )
    )
    answers: dict[str, dict[str, tuple]] = defaultdict(dict)
    responded: dict[str, str] = {}
    for country, name, question, value, label, text in rows:
        responded[country] = name
        if question is not None:
            answers[country][question] = (value, label) if value is not None else (text, text)
    return answers, responded


def _stakeholder_types_at(at: datetime.datetime | None) -> dict[str, set]:
    """Per country code with at least one expert at the moment, the slugs of its experts'
    types (None among them for an expert without a type). One query."""
    types: dict[str, set] = defaultdict(set)
    for code, _name, slug, _gender, _n in expert_counts(at):
        types[code].add(slug)
    return types


def _judge(
    rule: Rule,
    given: dict[str, tuple],
    asked: set[str],
    types: set | None,
    labels: dict[str, str],
    day: str,
) -> tuple[bool, list[str]]:
    """Whether the rule applies to a country, and the evidence: each trigger that holds, and
    each question it reads that was left blank or not asked."""
    applies, evidence = False, []
    for trigger in rule.answers:
        if trigger.question not in asked:
            evidence.append(f"{trigger.question}: {NOT_ASKED}")
            continue
        value, label = given.get(trigger.question, (None, None))
        if value is None or value == "":
            evidence.append(f"{trigger.question}: {NOT_ANSWERED}")
        elif value in trigger.values:
            applies = True
            evidence.append(f"{trigger.question}: {label}")
    if rule.lacks_stakeholder_types:
        if not types:
            applies = True
            evidence.append(f"no composition sent as of {day}")
        else:
            for slug in rule.lacks_stakeholder_types:
                if slug not in types:
                    applies = True
                    evidence.append(f"no expert of type {labels.get(slug, slug)}")
            if types == {None}:
                evidence.append("no expert's stakeholder type is recorded")
    return applies, evidence


# --- on a country's profile --------------------------------------------------------------


@dataclass(frozen=True)
class ProfileRecommendations:
    """A country's recommendations from the latest closed round, as its profile shows them,
    or why it has none."""

    country_name: str
    survey: Survey | None  # the latest closed round; None while no round has closed
    rules: tuple[Rule, ...]
    found: CountryRecommendations | None  # None: neither invited to it nor responding
    composition_date: datetime.date | None = None

    @property
    def applied(self) -> list[tuple[Rule, AppliedRecommendation]]:
        """The rules that apply, each with its evidence, in RULES' order."""
        return _titled(self.rules, self.found.recommendations if self.found else [])

    @property
    def undetermined(self) -> list[tuple[Rule, AppliedRecommendation]]:
        return _titled(self.rules, self.found.undetermined if self.found else [])

    @property
    def reason(self) -> str:
        """Why there is no recommendation to show; "" when there is one."""
        if self.survey is None:
            return "No survey round has closed yet: recommendations follow a closed round."
        title = self.survey.title
        if self.found is None:
            return f"{self.country_name} was not invited to {title} and did not respond to it."
        if not self.found.responded:
            return f"{self.country_name} did not respond to {title}."
        if not self.found.recommendations:
            return (
                f"None of the deliverable's recommendations applies to {self.country_name}'s "
                f"answers to {title} and its composition as the round closed."
            )
        return ""


def _titled(
    rules: Sequence[Rule], applied: Sequence[AppliedRecommendation]
) -> list[tuple[Rule, AppliedRecommendation]]:
    by_code = {rule.code: rule for rule in rules}
    return [(by_code[a.code], a) for a in applied]


def country_recommendations(*, country) -> ProfileRecommendations:
    """The country's recommendations from the latest closed round (`latest_closed_round`),
    read as `round_recommendations` reads the round: six queries; one while no round has
    closed."""
    survey = latest_closed_round()
    if survey is None:
        return ProfileRecommendations(country.name, None, RULES, None)
    result = round_recommendations(survey=survey)
    return ProfileRecommendations(
        country_name=country.name,
        survey=survey,
        rules=result.rules,
        found=result.country(country.code),
        composition_date=result.composition_date,
    )
