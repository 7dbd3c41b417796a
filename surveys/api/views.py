"""Survey rounds with their questions, and each round's responses as the policy lets the user
read them: submitted ones for aggregate readers, plus drafts of the user's own countries."""

from functools import cached_property

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema_view
from rest_framework.exceptions import NotFound

from nmg_registry import permissions
from nmg_registry.api import schema
from nmg_registry.api.permissions import CanReadAggregates
from nmg_registry.api.views import ReadOnlyViewSet, key_parameter
from nmg_registry.models import Country
from surveys import selectors
from surveys.api import serializers
from surveys.filters import ResponseFilterSet, SurveyFilterSet
from surveys.models import Answer, Question, QuestionOption, Response, Survey

TAGS = ["surveys"]

SURVEY_EXAMPLE = {
    "slug": "nmg-survey-2020",
    "title": "National Mirror Groups survey 2020",
    "status": "closed",
    "opens_on": "2020-10-01",
    "closes_on": "2021-03-31",
    "invited_countries": ["AT", "BE", "BG"],
    "questions": [
        {
            "code": "nmg_stage",
            "section": "functioning",
            "text": "At what stage is the establishment of your NMG?",
            "help_text": "",
            "kind": "choice",
            "order": 11,
            "options": [
                {"value": "no_tangible_activities", "label": "No tangible activities yet"},
                {"value": "planning", "label": "Planning/preparing"},
                {"value": "constructing", "label": "Constructing/starting up"},
                {"value": "operational", "label": "Operational"},
            ],
        }
    ],
}
RESPONSE_EXAMPLE = {
    "survey": "nmg-survey-2020",
    "country": "ES",
    "status": "submitted",
    "submitted_at": "2021-02-11T09:30:00+01:00",
    "updated_at": "2021-02-11T09:30:00+01:00",
    "answers": [
        {"question": "nmg_stage", "value": "operational", "label": "Operational"},
        {"question": "engagement_how", "value": "Monthly meetings", "label": ""},
    ],
}
UNKNOWN_ROUND = schema.not_found(
    "No survey round has that slug.",
    'unknown survey round "nmg-survey-1999"; the rounds are: nmg-survey-2020',
)
ROUND_SLUG = key_parameter("slug", "The round's slug.", "nmg-survey-2020")


@extend_schema_view(
    list=schema.read_operation(
        "survey_list",
        "Survey rounds",
        "Every survey round with its invited countries and its questions (with their "
        "options), sorted by slug. Readable by whoever may read the aggregates; a draft "
        "round is listed to staff alone (status `draft`).",
        tags=TAGS,
        body=serializers.SurveySerializer(many=True),
        examples={"The 2020 round": SURVEY_EXAMPLE},
    ),
    retrieve=schema.read_operation(
        "survey_detail",
        "A survey round",
        "One round by its slug, with its invited countries and its questions. A draft "
        "round is staff's alone: to anyone else it is an unknown round (404).",
        tags=TAGS,
        parameters=[ROUND_SLUG],
        body=serializers.SurveySerializer,
        not_found=UNKNOWN_ROUND,
        examples={"The 2020 round": SURVEY_EXAMPLE},
    ),
)
class SurveyViewSet(ReadOnlyViewSet):
    permission_classes = [CanReadAggregates]
    serializer_class = serializers.SurveySerializer
    filterset_class = SurveyFilterSet
    lookup_field = "slug"
    csv_explode = "questions.options"

    def get_queryset(self):
        options = QuestionOption.objects.order_by("order", "value")
        questions = Question.objects.order_by("order", "code").prefetch_related(
            Prefetch("options", queryset=options)
        )
        rounds = selectors.visible_rounds(user=self.request.user)
        return rounds.order_by("slug").prefetch_related(
            Prefetch("invited_countries", queryset=Country.objects.order_by("code")),
            Prefetch("questions", queryset=questions),
        )

    def lookup(self, key):
        survey = self.get_queryset().filter(slug=key).first()
        if survey is None:
            round_or_404(self.request.user, key)  # raises, naming the rounds there are
        return survey


NO_CLOSED_ROUND = "no survey round has closed yet: the latest results are those of a closed round"


def latest_closed_or_404() -> Survey:
    """The round `/latest/` names: the latest closed one; a 404 saying so when none has
    closed yet (an open round's figures are progress, not results)."""
    survey = selectors.latest_closed_round()
    if survey is None:
        raise NotFound(NO_CLOSED_ROUND)
    return survey


@extend_schema_view(
    retrieve=schema.read_operation(
        "survey_latest",
        "The latest closed survey round",
        "The most recently opened round that has closed, whose answers are final, with its "
        "invited countries and its questions: the round whose results the dashboard shows. "
        "A round still open is never the latest results; 404 while no round has closed.",
        tags=TAGS,
        body=serializers.SurveySerializer,
        not_found=schema.not_found("No survey round has closed yet.", NO_CLOSED_ROUND),
        examples={"The 2020 round": SURVEY_EXAMPLE},
    ),
)
class LatestSurveyViewSet(SurveyViewSet):
    """`/api/v1/surveys/latest/`: `SurveyViewSet`'s round, chosen by the lifecycle."""

    def get_object(self):
        return self.get_queryset().get(pk=latest_closed_or_404().pk)


def round_or_404(user, slug: str) -> Survey:
    """The round if the user may see it; a draft is, to anyone but staff, an unknown round."""
    try:
        return selectors.visible_round(user=user, slug=slug)
    except Survey.DoesNotExist as exc:
        raise NotFound(str(exc)) from None


@extend_schema_view(
    list=schema.read_operation(
        "survey_response_list",
        "A round's responses",
        "The round's responses with their answers, sorted by country code: the submitted "
        "responses of every country for whoever may read the aggregates, and, for a "
        "country's representatives, that country's draft too (staff see every draft). "
        "A blank question has no answer. Filter by country or status.",
        tags=TAGS,
        parameters=[ROUND_SLUG],
        body=serializers.ResponseSerializer(many=True),
        not_found=UNKNOWN_ROUND,
        examples={"Spain": RESPONSE_EXAMPLE},
    ),
    retrieve=schema.read_operation(
        "survey_response_detail",
        "A country's response to a round",
        "One country's response (EU or ISO code, any letter case), if the user may read "
        "it: a submitted one for whoever may read the aggregates, a draft for that "
        "country's representatives and staff. Otherwise 404, as for no response at all.",
        tags=TAGS,
        parameters=[ROUND_SLUG, key_parameter("country", "EU or ISO country code.", "ES")],
        body=serializers.ResponseSerializer,
        not_found=schema.not_found(
            "No such round or country, or no response the user may read.",
            'no response of ES to round "nmg-survey-2020" that you may read',
        ),
        examples={"Spain": RESPONSE_EXAMPLE},
    ),
)
class ResponseViewSet(ReadOnlyViewSet):
    permission_classes = [CanReadAggregates]
    serializer_class = serializers.ResponseSerializer
    filterset_class = ResponseFilterSet
    csv_explode = "answers"

    @cached_property
    def survey(self) -> Survey:
        return round_or_404(self.request.user, self.kwargs["slug"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator's pass
            return Response.objects.none()
        user = self.request.user
        answers = permissions.answers_visible_to(
            user,
            Answer.objects.select_related("question", "option").order_by(
                "question__order", "question__code"
            ),
        )
        return (
            permissions.responses_visible_to(user, Response.objects.filter(survey=self.survey))
            .select_related("survey", "country")
            .prefetch_related(Prefetch("answers", queryset=answers))
            .order_by("country__code")
        )

    def get_object(self):
        key = self.kwargs["country"]
        try:
            country = Country.objects.resolve(key)
        except Country.DoesNotExist as exc:
            raise NotFound(str(exc)) from None
        response = self.get_queryset().filter(country=country).first()
        if response is None:
            raise NotFound(
                f'no response of {country.code} to round "{self.survey.slug}" that you may read'
            )
        return response
