"""A country's trajectory on its profile: round after round, how far its response got, the
stage it gave, its composition as of that round, and the answers the reader may see.

A section the assessment adds to the core's country profile (`analytics.contributions`).
The composition figures come from one provider, `_compositions_by_round`.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from analytics.selectors import STAGE_QUESTION
from compositions.as_of import compositions_as_of
from nmg_registry import permissions
from nmg_registry.models import Country, StakeholderType
from surveys.models import Answer, Response, Survey
from surveys.round_moments import composition_moment
from surveys.selectors import AnswerRow, RoundStatus, answers_as_read

NOT_INVITED = "not invited"


@dataclass(frozen=True)
class CompositionThen:
    """A country's composition as of a round: the three figures the trajectory shows."""

    experts: int
    working_groups: list[int]  # numbers covered, ascending
    stakeholder_types: list[str]  # labels, in the types' order
    is_present: bool  # now (an open round's or a draft's), not as the round closed


@dataclass(frozen=True)
class AnswerLine:
    question: str  # the question's text
    answer: str  # the option's label, or the text given


@dataclass(frozen=True)
class RoundStep:
    """The country in one round, as the reader may see it."""

    survey: Survey
    status: str  # NOT_INVITED or a RoundStatus value
    submitted_at: datetime.datetime | None
    stage: str  # the stage's label; "" when not given or not the reader's to see
    composition: CompositionThen | None  # None: no expert recorded then
    answers: list[AnswerLine] | None  # None: a draft the reader may not read

    @property
    def round_state(self) -> str:
        """Where the round stands: closed on its date, open until its date, or a draft."""
        survey = self.survey
        if survey.is_draft:
            return "draft round (staff only)"
        if survey.is_open:
            return f"open until {_day(survey.closes_on)}" if survey.closes_on else "open"
        return f"closed on {_day(survey.closes_on)}" if survey.closes_on else "closed"

    @property
    def status_text(self) -> str:
        """The response's progress in words that fit the round's state: a closed round's
        missing response "did not respond", an open round's "not yet responded"."""
        closed = self.survey.is_closed
        if self.status == RoundStatus.SUBMITTED:
            if self.submitted_at is None:
                return "submitted"
            return f"submitted on {_day(timezone.localtime(self.submitted_at))}"
        if self.status == RoundStatus.DRAFT:
            return "draft, never submitted" if closed else "draft, not yet submitted"
        if self.status == RoundStatus.NOT_STARTED:
            return "did not respond" if closed else "not yet responded"
        return NOT_INVITED


@dataclass(frozen=True)
class CountryTrajectory:
    country: Country
    steps: list[RoundStep]  # newest round first


def _day(value) -> str:
    return f"{value.day} {value:%B %Y}"


def country_trajectory(*, country: Country, user) -> CountryTrajectory:
    """The country in every round the user may see (drafts for staff alone), newest first:
    its response's status, its stage, its composition then and the answers the user may
    read (submitted ones for every reader, drafts for its keepers and staff). A fixed
    number of queries whatever the number of rounds."""
    rounds = _rounds_of(country, user)
    responses = {r.survey_id: r for r in Response.objects.filter(country=country).order_by()}
    answers = _answers_by_round(country, user)
    compositions = _compositions_by_round(country, rounds)
    steps = []
    for survey in rounds:
        response = responses.get(survey.pk)
        if response is not None:
            response.survey = survey  # the policy reads the round's state
        readable = response is None or permissions.can_read_response(user, response)
        given = answers.get(survey.pk, [])
        steps.append(
            RoundStep(
                survey=survey,
                status=_status(survey, response),
                submitted_at=response.submitted_at if response else None,
                stage=next((label for code, _q, label in given if code == STAGE_QUESTION), ""),
                composition=compositions.get(survey.pk),
                answers=[AnswerLine(q, a) for _c, q, a in given] if readable else None,
            )
        )
    return CountryTrajectory(country, steps)


def _rounds_of(country: Country, user) -> list[Survey]:
    """The rounds the user may see, newest first (a round without an opening date is still
    to come), each knowing whether it invites the country. One query."""
    invitations = Survey.invited_countries.through.objects.filter(
        survey_id=OuterRef("pk"), country_id=country.pk
    )
    rounds = permissions.rounds_visible_to(user, Survey.objects.all())
    return list(
        rounds.annotate(invites=Exists(invitations)).order_by(
            F("opens_on").desc(nulls_first=True), "-created_at", "slug"
        )
    )


def _status(survey: Survey, response: Response | None) -> str:
    if response is not None:
        return RoundStatus.SUBMITTED if response.is_submitted else RoundStatus.DRAFT
    return RoundStatus.NOT_STARTED if survey.invites else NOT_INVITED


def _answers_by_round(country: Country, user) -> dict[int, list[AnswerRow]]:
    """The country's answers the user may read, by round, in question order. One query."""
    answers = Answer.objects.filter(response__country=country)
    return answers_as_read(user=user, answers=answers, by="response__survey_id")


# --- the composition as of each round ----------------------------------------------------


def _compositions_by_round(country: Country, rounds: list[Survey]) -> dict[int, object]:
    """The country's composition as of each round, by round id (None: no expert then): as
    the round closed, or now for an open round or a draft. Three queries whatever the number
    of rounds (one more for a closed round without a closing date, which the services never
    leave); none without rounds."""
    if not rounds:
        return {}
    moments = {survey.pk: composition_moment(survey=survey) for survey in rounds}
    distinct = list(dict.fromkeys(moments.values()))
    read = dict(zip(distinct, compositions_as_of(distinct, [country]), strict=True))
    labels = dict(StakeholderType.objects.order_by("order", "slug").values_list("slug", "label"))
    return {
        pk: _figures(read[moment].get(country.code), labels, is_present=moment is None)
        for pk, moment in moments.items()
    }


def _figures(then, labels: dict[str, str], *, is_present: bool) -> CompositionThen | None:
    if then is None:
        return None
    kept = set(then.stakeholder_types)
    return CompositionThen(
        experts=then.experts,
        working_groups=then.working_groups,
        stakeholder_types=[label for slug, label in labels.items() if slug in kept],
        is_present=is_present,
    )
