"""Reads of survey rounds for pages, downloads and commands; nothing here writes."""

import datetime
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from django.db.models import Count, F, Prefetch, Q, QuerySet, TextField
from django.db.models.functions import Coalesce
from django.utils import timezone

from nmg_registry import permissions, wording
from nmg_registry.models import Country
from nmg_registry.tabular import write_csv, write_xlsx
from surveys.models import Answer, Question, Response, Survey
from surveys.resources import SurveyResponseResource

EXPORT_FORMATS = ("csv", "xlsx")


def survey_by_slug(*, slug: str) -> Survey:
    """Any round with this slug, drafts included: for staff's commands. The DoesNotExist
    raised otherwise lists the rounds there are, so that a mistyped slug can be corrected
    from the message alone."""
    return _round_in(Survey.objects.all(), slug)


def visible_rounds(*, user) -> QuerySet:
    """The rounds the user may see (`permissions.can_read_round`): drafts for staff only."""
    return permissions.rounds_visible_to(user, Survey.objects.all())


def visible_round(*, user, slug: str) -> Survey:
    """The round with this slug if the user may see it. A draft is, to anyone but staff,
    exactly an unknown round: the same DoesNotExist, listing only the rounds they may see.
    One query for an open or closed round."""
    survey = Survey.objects.filter(slug=slug).first()
    if survey is None or not permissions.can_read_round(user, survey):
        raise _unknown_round(slug, visible_rounds(user=user))
    return survey


def _round_in(rounds: QuerySet, slug: str) -> Survey:
    survey = rounds.filter(slug=slug).first()
    if survey is None:
        raise _unknown_round(slug, rounds)
    return survey


def _unknown_round(slug: str, rounds: QuerySet) -> Survey.DoesNotExist:
    slugs = rounds.order_by("slug").values_list("slug", flat=True)
    return Survey.DoesNotExist(
        f'unknown survey round "{slug}"; the rounds are: {", ".join(slugs) or "none yet"}'
    )


class ResponseTable(NamedTuple):
    """A round's responses as rows of the import file; unpacks as (columns, rows)."""

    columns: list[str]
    rows: list[list]


def response_rows(*, survey: Survey, user) -> ResponseTable:
    """The round's submitted responses the user may read, in the layout of the import file.

    `country` (EU code) then the question codes, one row per country sorted by code, options
    as their values: an export imports back unchanged. Drafts are left out even for their
    authors and staff, as an export is what the dashboards count. Five queries at most,
    whatever the number of countries.
    """
    resource = SurveyResponseResource.for_survey(survey)
    submitted = Response.objects.filter(survey=survey).submitted()
    responses = (
        permissions.responses_visible_to(user, submitted)
        .select_related("country")
        .prefetch_related(Prefetch("answers", queryset=Answer.objects.order_by()))
        .order_by("country__code")
    )
    return ResponseTable(
        columns=resource.get_export_headers(), rows=resource.export_rows(responses)
    )


def response_export(*, survey: Survey, user, file_format: str) -> bytes:
    """`response_rows` as a CSV or XLSX file that cannot carry a formula into a spreadsheet."""
    if file_format not in EXPORT_FORMATS:
        raise ValueError(f'unknown file format "{file_format}"; use csv or xlsx')
    columns, rows = response_rows(survey=survey, user=user)
    if file_format == "csv":
        return write_csv(columns, rows)
    return write_xlsx([(survey.slug, columns, rows)])


def submitted_answers(*, survey: Survey, code: str, user) -> dict[str, str]:
    """Each country's submitted answer to one question of the round (an option's value or
    the text), by country code, as the policy lets the user read them: what `response_rows`
    has in that column, without its blanks. One query besides the policy's."""
    answers = permissions.answers_visible_to(
        user, Answer.objects.filter(response__survey=survey, question__code=code).submitted()
    )
    value = Coalesce("option__value", "text", output_field=TextField())
    return dict(
        answers.order_by("response__country__code")
        .annotate(value=value)
        .values_list("response__country__code", "value")
    )


class AnswerRow(NamedTuple):
    """An answer as the country profile shows it: the question's text and the option's label
    or the text given."""

    code: str
    question: str
    answer: str


def answers_as_read(*, user, answers: QuerySet, by: str) -> dict:
    """The answers of `answers` the user may read, grouped by the field `by` (e.g. the
    round's id, or the country's code), each group in question order. One query."""
    readable = permissions.answers_visible_to(user, answers)
    rows = readable.order_by("question__order", "question__code").values_list(
        by, "question__code", "question__text", "option__label", "text"
    )
    grouped: dict = {}
    for key, code, question, label, text in rows:
        grouped.setdefault(key, []).append(AnswerRow(code, question, label or text))
    return grouped


# Following a round: who has answered


class RoundStatus(StrEnum):
    """How far a country has got with its response to a round (staff's round status and
    "My countries" alike)."""

    NOT_STARTED = "not started"
    DRAFT = Response.Status.DRAFT.value
    SUBMITTED = Response.Status.SUBMITTED.value


@dataclass(frozen=True)
class CountryRoundStatus:
    """One invited country's progress in a round, as staff follow it."""

    country_id: int
    code: str
    name: str
    status: str
    last_saved: datetime.datetime | None
    submitted_at: datetime.datetime | None
    submitted_by: str
    answers: int
    representatives_with_email: int

    @property
    def is_late(self) -> bool:
        """Not submitted yet: not started, or a draft."""
        return self.status != RoundStatus.SUBMITTED

    @property
    def is_submitted(self) -> bool:
        return self.status == RoundStatus.SUBMITTED

    @property
    def is_draft(self) -> bool:
        return self.status == RoundStatus.DRAFT


@dataclass(frozen=True)
class RoundProgress:
    """The counts of a round's invited countries by status."""

    invited: int
    submitted: int
    draft: int
    not_started: int

    @classmethod
    def of(cls, statuses: Sequence[CountryRoundStatus]) -> "RoundProgress":
        counts = Counter(row.status for row in statuses)
        return cls(
            invited=len(statuses),
            submitted=counts[RoundStatus.SUBMITTED],
            draft=counts[RoundStatus.DRAFT],
            not_started=counts[RoundStatus.NOT_STARTED],
        )

    @property
    def late(self) -> int:
        return self.draft + self.not_started


def round_status(*, survey: Survey) -> list[CountryRoundStatus]:
    """Every invited country of the round with its response's progress, sorted by code.

    A response of a country the round does not invite is left out. The representatives
    counted are those a reminder reaches: active users with an e-mail address. Two queries,
    whatever the number of countries.
    """
    return round_statuses(surveys=[survey])[survey.pk]


def round_statuses(*, surveys: Sequence[Survey]) -> dict[int, list[CountryRoundStatus]]:
    """`round_status` of several rounds at once, by round id: two queries, whatever the
    number of rounds and countries."""
    reachable = Q(representatives__user__is_active=True) & ~Q(representatives__user__email="")
    # Filtering before annotating: each country comes once per round inviting it.
    countries = (
        Country.objects.filter(invitations__in=surveys)
        .annotate(
            invited_to=F("invitations"),
            reachable=Count("representatives", filter=reachable, distinct=True),
        )
        .order_by("code")
        .only("pk", "code", "name")
    )
    responses = {
        (response.survey_id, response.country_id): response
        for response in Response.objects.filter(survey__in=surveys)
        .order_by()
        .select_related("submitted_by")
        .annotate(answer_count=Count("answers"))
    }
    statuses: dict[int, list[CountryRoundStatus]] = {survey.pk: [] for survey in surveys}
    for country in countries:
        response = responses.get((country.invited_to, country.pk))
        statuses[country.invited_to].append(_country_round_status(country, response))
    return statuses


def _country_round_status(country, response: Response | None) -> CountryRoundStatus:
    if response is None:
        status, submitter = RoundStatus.NOT_STARTED, ""
    else:
        submitted = response.is_submitted
        status = RoundStatus.SUBMITTED if submitted else RoundStatus.DRAFT
        user = response.submitted_by if submitted else None
        submitter = wording.person(user) if user else ""
        if submitted and response.is_imported:
            by = submitter or "the command line"
            submitter = f"imported from {response.imported_from} by {by}"
    return CountryRoundStatus(
        country_id=country.pk,
        code=country.code,
        name=country.name,
        status=status,
        last_saved=response.updated_at if response else None,
        submitted_at=response.submitted_at if response else None,
        submitted_by=submitter,
        answers=response.answer_count if response else 0,
        representatives_with_email=country.reachable,
    )


# The dashboards: results of the latest closed round, progress of the open ones


def latest_closed_round() -> Survey | None:
    """The round the dashboards and `/api/v1/surveys/latest/` present: the most recently
    opened closed round, whose answers are final. One query."""
    return Survey.objects.closed().latest_first().first()


@dataclass(frozen=True)
class RoundInProgress:
    """An open round as the dashboard shows it: progress, not findings."""

    survey: Survey
    progress: RoundProgress
    days_left: int | None  # until the closing date; None when the round has none

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0


@dataclass(frozen=True)
class DashboardRounds:
    """The rounds the dashboard presents: the latest closed one's results, and the open
    ones' progress beside them."""

    latest_closed: Survey | None
    in_progress: tuple[RoundInProgress, ...]


def dashboard_rounds(*, today: datetime.date | None = None) -> DashboardRounds:
    """The latest closed round (as `latest_closed_round`) and every open round, latest first,
    with its invited countries counted by status (`round_statuses`): one query, and two more
    when a round is open, whatever the number of rounds. A draft is never among them, for
    staff neither."""
    today = today or timezone.localdate()
    rounds = list(Survey.objects.published().latest_first())
    open_rounds = [survey for survey in rounds if survey.is_open]
    statuses = round_statuses(surveys=open_rounds) if open_rounds else {}
    return DashboardRounds(
        latest_closed=next((survey for survey in rounds if survey.is_closed), None),
        in_progress=tuple(
            RoundInProgress(
                survey=survey,
                progress=RoundProgress.of(statuses[survey.pk]),
                days_left=survey.days_left(today),
            )
            for survey in open_rounds
        ),
    )


# Answering a round: the representatives' pages


@dataclass(frozen=True)
class CountryAnswering:
    """A country the user keeps, in a round, with its response (None when not started)."""

    country: Country
    response: Response | None


@dataclass(frozen=True)
class RoundOfCountries:
    """A round and the user's countries in it, sorted by code: in an open round every invited
    country the user keeps, in a closed one those that have a response."""

    survey: Survey
    countries: tuple[CountryAnswering, ...]


@dataclass(frozen=True)
class RoundsToAnswer:
    """The "Rounds to answer" page: open rounds to answer, closed rounds to read back."""

    keeps_countries: bool
    open_rounds: tuple[RoundOfCountries, ...]
    answered_rounds: tuple[RoundOfCountries, ...]
    result_rounds: tuple[Survey, ...]


def rounds_to_answer(*, user) -> RoundsToAnswer:
    """For each open round, the invited countries the user keeps with their response; the
    closed rounds in which those countries have a response; and every open or closed round,
    whose results anyone signed in reads. Three queries besides the policy's, whatever the
    number of rounds and countries."""
    surveys = Survey.objects.published()
    if not permissions.acts_for_a_country(user):
        return RoundsToAnswer(
            keeps_countries=False, open_rounds=(), answered_rounds=(), result_rounds=tuple(surveys)
        )
    kept = permissions.countries_kept_by(user, Country.objects.order_by("code"))
    surveys = list(
        surveys.prefetch_related(
            Prefetch("invited_countries", queryset=kept, to_attr="kept_invited")
        )
    )
    responses = permissions.records_of_own_countries(
        user,
        Response.objects.filter(survey__in=surveys)
        .select_related("country", "submitted_by")
        .order_by("country__code"),
        "country",
    )
    by_round: dict[int, dict[int, Response]] = {}
    for response in responses:
        by_round.setdefault(response.survey_id, {})[response.country_id] = response
    open_rounds, answered_rounds = [], []
    for survey in surveys:
        found = by_round.get(survey.pk, {})
        if survey.is_open:
            countries = tuple(
                CountryAnswering(country=country, response=found.get(country.pk))
                for country in survey.kept_invited
            )
            if countries:
                open_rounds.append(RoundOfCountries(survey=survey, countries=countries))
        elif found:
            countries = tuple(
                CountryAnswering(country=response.country, response=response)
                for response in found.values()
            )
            answered_rounds.append(RoundOfCountries(survey=survey, countries=countries))
    return RoundsToAnswer(
        keeps_countries=True,
        open_rounds=tuple(open_rounds),
        answered_rounds=tuple(answered_rounds),
        result_rounds=tuple(surveys),
    )


def survey_invites(*, survey: Survey, country: Country) -> bool:
    return survey.invited_countries.filter(pk=country.pk).exists()


def round_closed_notice(*, survey: Survey) -> str:
    """Why the answers of a round that is not open cannot be changed."""
    if survey.is_draft:
        return "This round is not open yet; answers cannot be entered before it opens."
    if survey.closes_on:
        closed = f"{survey.closes_on.day} {survey.closes_on:%B %Y}"
        return f"This round closed on {closed}; answers can no longer be changed."
    return "This round is closed; answers can no longer be changed."


@dataclass(frozen=True)
class SheetItem:
    """A question of the answer sheet with its answer: the stored value (option value or
    text, "" when not answered) and the text shown for it."""

    question: Question
    value: str
    shown: str


@dataclass(frozen=True)
class SheetSection:
    title: str
    items: tuple[SheetItem, ...]


@dataclass(frozen=True)
class AnswerSheet:
    """A country's response to a round as its answer page shows it: the round's questions in
    order, each with the stored answer, or with the answer of the country's latest earlier
    submitted response when this round has none yet (`prefilled_from`)."""

    survey: Survey
    country: Country
    questions: tuple[Question, ...]
    response: Response | None
    values: dict[str, str]
    prefilled_from: Survey | None

    @property
    def sections(self) -> tuple[SheetSection, ...]:
        """The questions grouped by section, sections in the order of their first question."""
        grouped: dict[str, list[SheetItem]] = {}
        for question in self.questions:
            value = self.values.get(question.code, "")
            shown = value
            if question.has_options:
                labels = {option.value: option.label for option in question.options.all()}
                shown = labels.get(value, value)
            grouped.setdefault(question.section, []).append(
                SheetItem(question=question, value=value, shown=shown)
            )
        titles = dict(Question.Section.choices)
        return tuple(
            SheetSection(title=titles.get(section, section), items=tuple(items))
            for section, items in grouped.items()
        )


def answer_sheet(*, survey: Survey, country: Country, prefill: bool = True) -> AnswerSheet:
    """The round's questions with the country's answers: four queries (five with a prefill,
    which reads the earlier response and its answers instead), whatever the number of
    questions.

    The prefill (with `prefill`) comes from the country's submitted response in the most
    recently opened earlier round, matched by question code and option value: an answer
    whose question or option this round no longer has is left out.
    """
    questions = tuple(survey.questions.order_by("order", "code").prefetch_related("options"))
    code_of = {question.pk: question.code for question in questions}
    option_values = {
        option.pk: option.value for question in questions for option in question.options.all()
    }
    response = (
        Response.objects.filter(survey=survey, country=country)
        .select_related("submitted_by")
        .prefetch_related(Prefetch("answers", queryset=Answer.objects.order_by()))
        .first()
    )
    if response is not None:
        values = {
            code_of[answer.question_id]: (
                option_values[answer.option_id] if answer.option_id else answer.text
            )
            for answer in response.answers.all()
        }
        return AnswerSheet(survey, country, questions, response, values, prefilled_from=None)
    earlier = _latest_earlier_submission(survey=survey, country=country) if prefill else None
    if earlier is None:
        return AnswerSheet(survey, country, questions, None, {}, prefilled_from=None)
    return AnswerSheet(
        survey,
        country,
        questions,
        None,
        _matching_values(questions, earlier),
        prefilled_from=earlier.survey,
    )


def _latest_earlier_submission(*, survey: Survey, country: Country) -> Response | None:
    """The country's submitted response in the latest round opened before this one (any other
    round when this one has no opening date yet); never one of a draft round, which its
    representatives may not see."""
    earlier = (
        Response.objects.filter(country=country)
        .submitted()
        .in_published_rounds()
        .exclude(survey=survey)
    )
    if survey.opens_on:
        earlier = earlier.filter(survey__opens_on__lt=survey.opens_on)
    return (
        earlier.select_related("survey")
        .order_by(F("survey__opens_on").desc(nulls_last=True), "-survey__created_at")
        .first()
    )


def _matching_values(questions: Sequence[Question], earlier: Response) -> dict[str, str]:
    previous = {
        answer.question.code: answer
        for answer in earlier.answers.order_by().select_related("question", "option")
    }
    values = {}
    for question in questions:
        answer = previous.get(question.code)
        if answer is None:
            continue
        if question.has_options:
            offered = {option.value for option in question.options.all()}
            if answer.option_id and answer.option.value in offered:
                values[question.code] = answer.option.value
        elif not answer.option_id:
            values[question.code] = answer.text
    return values


# The start page and "My countries"


@dataclass(frozen=True)
class RoundLine:
    slug: str
    title: str
    status: str
    status_label: str
    opens_on: object
    closes_on: object
    invited: int
    submitted: int
    is_draft: bool
    is_published: bool


@dataclass(frozen=True)
class HomeOverview:
    countries: list[Country]
    signatories: int
    rounds: list[RoundLine]


def home_overview(*, user) -> HomeOverview:
    """The countries and the survey rounds the user may see (drafts for staff alone) with
    their response counts, in two queries."""
    countries = list(Country.objects.order_by("code"))
    surveys = (
        permissions.rounds_visible_to(user, Survey.objects.all())
        .annotate(
            invited=Count("invited_countries", distinct=True),
            submitted=Count(
                "responses",
                filter=Q(responses__status=Response.Status.SUBMITTED),
                distinct=True,
            ),
        )
        .order_by("-opens_on", "slug")
    )
    rounds = [
        RoundLine(
            slug=s.slug,
            title=s.title,
            status=s.status,
            status_label=s.get_status_display(),
            opens_on=s.opens_on,
            closes_on=s.closes_on,
            invited=s.invited,
            submitted=s.submitted,
            is_draft=s.is_draft,
            is_published=s.is_published,
        )
        for s in surveys
    ]
    signatories = sum(c.participation == Country.Participation.SIGNATORY for c in countries)
    return HomeOverview(countries=countries, signatories=signatories, rounds=rounds)


@dataclass(frozen=True)
class OpenRoundState:
    """Where a country stands in one open round."""

    survey: Survey
    progress: RoundStatus
    saved_at: datetime.datetime | None  # the draft's last save
    submitted_at: datetime.datetime | None


def open_rounds_of(countries: list[Country], user) -> dict[int, list[OpenRoundState]]:
    """ "My countries": each country's response's progress in every open round it is invited
    to, by country id. Three queries whatever the number of countries or rounds."""
    country_ids = [country.pk for country in countries]
    surveys = Survey.objects.open().in_bulk()
    invited: dict[int, list[Survey]] = {pk: [] for pk in country_ids}
    invitations = (
        Survey.invited_countries.through.objects.filter(
            survey_id__in=list(surveys), country_id__in=country_ids
        )
        .order_by("survey__closes_on", "survey__slug")
        .values_list("country_id", "survey_id")
    )
    for country_id, survey_id in invitations:
        invited[country_id].append(surveys[survey_id])
    responses = {
        (r.country_id, r.survey_id): r
        for r in Response.objects.filter(
            survey_id__in=list(surveys), country_id__in=country_ids
        ).only("pk", "country_id", "survey_id", "status", "updated_at", "submitted_at")
    }
    return {
        country_id: [
            _round_state(survey, responses.get((country_id, survey.pk))) for survey in rounds
        ]
        for country_id, rounds in invited.items()
    }


def _round_state(survey: Survey, response: Response | None) -> OpenRoundState:
    if response is None:
        return OpenRoundState(survey, RoundStatus.NOT_STARTED, None, None)
    if response.is_submitted:
        return OpenRoundState(survey, RoundStatus.SUBMITTED, None, response.submitted_at)
    return OpenRoundState(survey, RoundStatus.DRAFT, response.updated_at, None)
