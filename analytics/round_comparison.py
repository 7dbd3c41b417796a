"""Two rounds side by side: every answer that changed, the questions compared with what
counts as an improvement (the answers a roadmap target counts), and who responded to only
one of them. Pure, keyword-only, a fixed number of queries, like `analytics.selectors`."""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from analytics.selectors import OPTION_KINDS
from surveys.models import Question, Response, Survey, Target


@dataclass(frozen=True)
class AnswerChange:
    country: str
    question: str
    before: str  # option value or text; "" when unanswered
    after: str
    before_label: str
    after_label: str


@dataclass(frozen=True)
class ComparedQuestion:
    """A question both rounds ask, as the comparison counts it: what it compares (the option
    chosen, or the text as written) and which answers count as an improvement (those of a
    roadmap target measured on it; none when no target is)."""

    code: str
    text: str  # as the later round asks it
    kind: str
    options: list[str]  # the later round's option labels, in order; [] for text and url
    targets: list["TargetAnswers"]  # the roadmap targets measured on the question
    changed: int
    unchanged: int
    improved: int  # changes into the answers a target counts, from outside them
    worsened: int  # changes out of the answers a target counts


@dataclass(frozen=True)
class TargetAnswers:
    """A roadmap target and the labels of the answers it counts (towards its threshold)."""

    name: str
    answers: list[str]


@dataclass(frozen=True)
class RoundComparison:
    before: str  # slug of the earlier round
    after: str
    common_questions: list[str]  # codes in both rounds, in the later round's order
    changes: list[AnswerChange]  # sorted by country, then question order
    unchanged: int  # answers equal in both rounds
    only_before: list[str]  # countries that answered only the earlier round
    only_after: list[str]
    both: list[str]
    questions: list[ComparedQuestion] = field(default_factory=list)  # the common ones, in order

    def question_text(self, code: str) -> str:
        return next((q.text for q in self.questions if q.code == code), code)


def by_opening(round_: Survey):
    """Sort key of rounds by opening date; a round without a date counts as the oldest."""
    return (round_.opens_on is not None, round_.opens_on or datetime.date.min, round_.slug)


def previous_round(*, survey: Survey) -> Survey | None:
    """The open or closed round just before `survey` by opening date: the earlier round
    /assessment/compare/ sets beside the later one by default. None for the first. One
    query."""
    rounds = Survey.objects.published().exclude(pk=survey.pk)
    earlier = [r for r in rounds if by_opening(r) < by_opening(survey)]
    return max(earlier, key=by_opening, default=None)


def round_comparison(*, before: Survey, after: Survey) -> RoundComparison:
    """For two rounds, per country and common question, what changed (e.g. planning ->
    constructing), and who answered only one of them; each common question with what it
    compares and which answers count as an improvement. Submitted responses only; three
    queries. A question blank in both rounds is neither a change nor unchanged."""
    rounds = (before.pk, after.pk)
    asked = _compared_questions(rounds, after.pk)
    earlier = {code for survey_id, code in asked if survey_id == before.pk}
    common = [code for survey_id, code in asked if survey_id == after.pk and code in earlier]
    # Every submitted response of both rounds with its answers (a few thousand rows at
    # most; a response without any answer is one row of blanks), narrowed here rather
    # than with IN lists that would skip the query when empty.
    rows = (
        Response.objects.filter(survey__in=rounds)
        .submitted()
        .order_by()
        .values_list(
            "survey_id",
            "country__code",
            "answers__question__code",
            "answers__option__value",
            "answers__option__label",
            "answers__text",
        )
    )
    before_countries, after_countries = set(), set()
    # (round, country, question) -> (value, label); a question left blank has no entry.
    given = {}
    for survey_id, country, code, value, label, text in rows:
        if survey_id == before.pk:
            before_countries.add(country)
        if survey_id == after.pk:  # both, for a round compared with itself
            after_countries.add(country)
        if code is not None:
            given[survey_id, country, code] = (value, label) if value is not None else (text, text)
    both = sorted(before_countries & after_countries)
    improving = _improving_answers(common)
    changes, counted = [], {code: Counter() for code in common}
    for country in both:
        for code in common:
            was = given.get((before.pk, country, code), ("", ""))
            now = given.get((after.pk, country, code), ("", ""))
            counted[code].update(_what_changed(was[0], now[0], improving[code]))
            if was[0] != now[0]:
                changes.append(AnswerChange(country, code, was[0], now[0], was[1], now[1]))
    return RoundComparison(
        before=before.slug,
        after=after.slug,
        common_questions=common,
        changes=changes,
        unchanged=sum(c["unchanged"] for c in counted.values()),
        only_before=sorted(before_countries - after_countries),
        only_after=sorted(after_countries - before_countries),
        both=both,
        questions=[
            _compared_question(asked[after.pk, code], improving[code], counted[code])
            for code in common
        ],
    )


def _compared_questions(rounds: tuple[int, int], later: int) -> dict[tuple[int, str], dict]:
    """The two rounds' questions in order, by (round, code), each with its options: one
    query, one row per option."""
    rows = (
        Question.objects.filter(survey__in=rounds)
        .order_by("order", "code", "options__order", "options__value")
        .values_list("survey_id", "code", "text", "kind", "options__value", "options__label")
    )
    asked: dict[tuple[int, str], dict] = {}
    for survey_id, code, text, kind, value, label in rows:
        question = asked.setdefault(
            (survey_id, code), {"code": code, "text": text, "kind": kind, "options": {}}
        )
        if value is not None and kind in OPTION_KINDS:
            question["options"][value] = label
    return asked


def _improving_answers(codes: list[str]) -> dict[str, list[tuple[str, set[str]]]]:
    """Per question code, the roadmap targets measured on it, each with the option values
    it counts (what the comparison counts as an improvement): one query."""
    improving: dict[str, list[tuple[str, set[str]]]] = defaultdict(list)
    for target in Target.objects.filter(question_code__in=codes).order_by("due_on", "slug"):
        improving[target.question_code].append((target.name, set(target.answer_values)))
    return improving


def _what_changed(was: str, now: str, targets: list[tuple[str, set[str]]]) -> list[str]:
    """The counts one country's pair of answers adds to: changed or unchanged, and improved
    (into a target's answers) or worsened (out of them)."""
    if was == now:
        return ["unchanged"] if was else []
    counts = ["changed"]
    if any(now in values and was not in values for _name, values in targets):
        counts.append("improved")
    if any(was in values and now not in values for _name, values in targets):
        counts.append("worsened")
    return counts


def _compared_question(question: dict, targets: list, counted: Counter) -> ComparedQuestion:
    options = question["options"]
    return ComparedQuestion(
        code=question["code"],
        text=question["text"],
        kind=question["kind"],
        options=list(options.values()),
        targets=[
            TargetAnswers(name, [label for value, label in options.items() if value in values])
            for name, values in targets
        ],
        changed=counted["changed"],
        unchanged=counted["unchanged"],
        improved=counted["improved"],
        worsened=counted["worsened"],
    )
