"""The assessment as JSON: each view checks access, calls one selector, serializes it."""

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics import selectors
from analytics.api import serializers
from analytics.api.permissions import CanReadAggregates
from analytics.composition_changes import composition_comparison
from analytics.recommendations import round_recommendations
from analytics.round_comparison import round_comparison
from analytics.small_counts import composition_as_read
from nmg_registry.api import schema
from nmg_registry.api.moments import (
    MOMENT_PARAMETERS,
    MOMENT_VALUE,
    api_compared_moments,
    api_moment,
)
from surveys.api.views import NO_CLOSED_ROUND, latest_closed_or_404
from surveys.models import Survey
from surveys.selectors import visible_round

TAGS = ["assessment"]
DENIED = OpenApiResponse(
    serializers.ErrorSerializer,
    description="Not signed in, and the aggregates are not public.",
    examples=[
        OpenApiExample(
            "Anonymous",
            value={"detail": "Authentication credentials were not provided."},
            response_only=True,
            status_codes=["403"],
        )
    ],
)
UNKNOWN_ROUND = OpenApiResponse(
    serializers.ErrorSerializer,
    description="No survey round has that slug.",
    examples=[
        OpenApiExample(
            "Unknown round",
            value={"detail": 'No survey round "nmg-survey-1999".'},
            response_only=True,
            status_codes=["404"],
        )
    ],
)

NO_CLOSED_ROUND_RESPONSE = OpenApiResponse(
    serializers.ErrorSerializer,
    description="No survey round has closed yet.",
    examples=[
        OpenApiExample(
            "No closed round",
            value={"detail": NO_CLOSED_ROUND},
            response_only=True,
            status_codes=["404"],
        )
    ],
)

# What a read of the aggregates may answer instead, and one of a named round.
REFUSALS = {403: DENIED}
ROUND_REFUSALS = {**REFUSALS, 404: UNKNOWN_ROUND}
# And of a read at a moment: a malformed moment, an unknown round.
MOMENT_REFUSALS = {400: schema.BAD_PARAMETERS, **ROUND_REFUSALS}


def survey_or_404(user, slug: str) -> Survey:
    """The round if the user may see it; a draft is, to anyone but staff, an unknown round."""
    try:
        return visible_round(user=user, slug=slug)
    except Survey.DoesNotExist:
        raise NotFound(f'No survey round "{slug}".') from None


def slug_parameter(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, str, OpenApiParameter.PATH, description=description)


ROUND_SLUG = slug_parameter("slug", "The round's slug, e.g. nmg-survey-2020.")


class AggregateView(APIView):
    """A read-only view of one assessment table, as JSON or, with `?format=csv`, flattened as
    its `csv_root` and `csv_explode` say (`nmg_registry.api.renderers`)."""

    permission_classes = [CanReadAggregates]


SUMMARY_EXAMPLE = {
    "survey": "nmg-survey-2020",
    "title": "National Mirror Groups survey 2020",
    "invited": 3,
    "respondents": 2,
    "respondent_countries": ["ES", "UK"],
    "non_respondent_countries": ["IT"],
    "questions": [
        {
            "code": "nmg_stage",
            "section": "functioning",
            "text": "At what stage is the establishment of your NMG?",
            "kind": "choice",
            "answered": 1,
            "not_answered": ["UK"],
            "options": [
                {
                    "value": "planning",
                    "label": "Planning/preparing",
                    "count": 0,
                    "share": 0.0,
                },
                {
                    "value": "operational",
                    "label": "Operational",
                    "count": 1,
                    "share": 1.0,
                },
            ],
        }
    ],
}


class SurveySummaryView(AggregateView):
    serializer_class = serializers.SurveySummarySerializer  # the CSV's columns
    csv_explode = "questions.options"  # one row per option; text questions one row

    @schema.read_operation(
        "survey_summary",
        "Survey round summary (deliverable section 5.1)",
        (
            "Per question of the round, how many countries answered and each option's count "
            "and share (count / answered, rounded to 4 places), over submitted responses "
            "only. Options are listed with zero counts; text questions have none."
        ),
        tags=TAGS,
        parameters=[ROUND_SLUG],
        body=serializers.SurveySummarySerializer,
        refusals=ROUND_REFUSALS,
        examples={"Two respondents, one of them skipping the stage": SUMMARY_EXAMPLE},
    )
    def get(self, request, slug):
        summary = selectors.survey_summary(survey=survey_or_404(request.user, slug))
        return Response(serializers.SurveySummarySerializer(summary).data)


class RoundRecommendationsView(AggregateView):
    serializer_class = serializers.RoundRecommendationsSerializer  # the CSV's columns
    csv_root = "countries"
    csv_explode = "recommendations"  # one row per country and recommendation

    @schema.read_operation(
        "survey_recommendations",
        "The deliverable's recommendations applied to each country (section 7)",
        (
            "The conclusions of the deliverable as rules (`rules`: code, title and the "
            "deliverable's wording) and, for every country the round invited or that "
            "responded to it (by EU code), the rules that apply to it with their evidence: "
            "its submitted answers and its composition as the round closed (now, for an "
            "open round). A question left blank or not asked never makes a rule apply: such a "
            "rule is listed under `not_judged` with that evidence; a country that did not "
            "respond has none."
        ),
        tags=TAGS,
        parameters=[ROUND_SLUG],
        body=serializers.RoundRecommendationsSerializer,
        refusals=ROUND_REFUSALS,
        examples={
            "Bulgaria without funding, Austria silent": {
                "survey": "nmg-survey-2020",
                "rules": [
                    {
                        "code": "funding",
                        "title": "Funding or specific assignment",
                        "text": "Ways should be sought through which the work of the NMGs "
                        "is funded by the countries, …",
                    }
                ],
                "countries": [
                    {
                        "country": "AT",
                        "responded": False,
                        "recommendations": [],
                        "not_judged": [],
                    },
                    {
                        "country": "BG",
                        "responded": True,
                        "recommendations": [{"code": "funding", "evidence": ["funding: No"]}],
                        "not_judged": [],
                    },
                ],
            }
        },
    )
    def get(self, request, slug):
        result = round_recommendations(survey=survey_or_404(request.user, slug))
        return Response(serializers.RoundRecommendationsSerializer(result).data)


class LatestSurveySummaryView(AggregateView):
    serializer_class = serializers.SurveySummarySerializer  # the CSV's columns
    csv_explode = "questions.options"

    @schema.read_operation(
        "survey_latest_summary",
        "Summary of the latest closed survey round (deliverable section 5.1)",
        (
            "The summary of `/api/v1/surveys/{slug}/summary/` for the latest closed round, "
            "whose answers are final: the figures the dashboard headlines. A round still "
            "open is progress, never the latest results; 404 while no round has closed."
        ),
        tags=TAGS,
        body=serializers.SurveySummarySerializer,
        refusals={**REFUSALS, 404: NO_CLOSED_ROUND_RESPONSE},
        examples={"Two respondents, one of them skipping the stage": SUMMARY_EXAMPLE},
    )
    def get(self, request):
        summary = selectors.survey_summary(survey=latest_closed_or_404())
        return Response(serializers.SurveySummarySerializer(summary).data)


COMPOSITION_EXAMPLE = {
    "countries_submitted": ["CY"],
    "countries_with_all_working_groups": [],
    "countries_with_all_stakeholder_types": [],
    "countries_by_stakeholder_type": {
        "research-university": ["CY"],
        "clinical-communities": [],
    },
    "size_distribution": [
        {"label": "1-9", "minimum": 1, "maximum": 9, "countries": ["CY"]},
        {"label": "101+", "minimum": 101, "maximum": None, "countries": []},
    ],
    "countries": [
        {
            "country": "CY",
            "experts": 1,
            "memberships": 1,
            "working_groups": [1],
            "covers_all_working_groups": False,
            "working_group_info_missing": False,
            "stakeholder_counts": {
                "research-university": 1,
                "clinical-communities": 0,
            },
            "stakeholder_shares": {
                "research-university": 1.0,
                "clinical-communities": 0.0,
            },
            "most_represented": ["research-university"],
            "stakeholder_info_missing": False,
            "gender": {
                "female": 1,
                "male": 0,
                "other": 0,
                "undisclosed": 0,
                "unknown": 0,
            },
            "gender_suppressed": False,
        }
    ],
}


class CompositionSummaryView(AggregateView):
    serializer_class = serializers.CompositionSummarySerializer  # the CSV's columns
    csv_root = "countries"  # one row per country

    @schema.read_operation(
        "composition_summary",
        "Composition summary (deliverable section 5.2)",
        (
            "Per country that sent its composition: experts (each once), seats, working "
            "groups covered, experts by stakeholder type (shares over the experts whose type "
            "is known; null when none of the country's experts has a type) and gender; and the "
            "countries covering every active working group or all ten stakeholder types. "
            "Counts only: no personal data. A reader who may not read a country's experts "
            "(a viewer, an anonymous reader of public aggregates, another country's "
            "representative) finds its gender counts below NMG_MIN_CELL (default 3) null, "
            "with `gender_suppressed` true, and any count beside them from which a total "
            "would reveal one null too. Now, or with `as_of` or `round` as the compositions "
            "stood then."
        ),
        tags=TAGS,
        parameters=MOMENT_PARAMETERS,
        body=serializers.CompositionSummarySerializer,
        refusals=MOMENT_REFUSALS,
        examples={
            "One country, as staff and its representatives read it": COMPOSITION_EXAMPLE,
            "The same, as a viewer reads it: small counts hidden": {
                **COMPOSITION_EXAMPLE,
                "countries": [
                    {
                        **COMPOSITION_EXAMPLE["countries"][0],
                        "gender": dict.fromkeys(
                            ("female", "male", "other", "undisclosed", "unknown")
                        ),
                        "gender_suppressed": True,
                    }
                ],
            },
        },
    )
    def get(self, request):
        summary = composition_as_read(
            selectors.composition_summary(moment=api_moment(request)), request.user
        )
        return Response(serializers.CompositionSummarySerializer(summary).data)


class TargetListView(AggregateView):
    serializer_class = serializers.TargetProgressSerializer  # the CSV's columns
    csv_explode = "rounds"  # one row per target and round

    @schema.read_operation(
        "target_list",
        "Roadmap targets measured on every round (deliverable section 7)",
        (
            "Each roadmap target with its measurement on every open or closed round that asks "
            "its question (never on a draft): "
            "the share of the countries that answered and of those invited giving one of the "
            "target's answers; a target is met when the share of the invited reaches the "
            "threshold. Targets are judged on closed rounds: the measurement on a round still "
            "open is `provisional`, as its figures change until it closes."
        ),
        tags=TAGS,
        body=serializers.TargetProgressSerializer(many=True),
        refusals=REFUSALS,
        examples={
            "The operational-NMG target on the 2020 round": [
                {
                    "slug": "operational-nmgs-2021",
                    "name": "At least 75% of countries have an operational NMG",
                    "description": "Roadmap target: at least 75% of the countries have "
                    "their NMG operational by the end of 2021.",
                    "question_code": "nmg_stage",
                    "answer_values": ["operational"],
                    "threshold": 0.75,
                    "due_on": "2021-12-31",
                    "rounds": [
                        {
                            "survey": "nmg-survey-2020",
                            "title": "National Mirror Groups survey 2020",
                            "opens_on": "2020-10-01",
                            "invited": 24,
                            "answered": 18,
                            "count": 4,
                            "share_of_answered": 0.2222,
                            "share_of_invited": 0.1667,
                            "met": False,
                            "provisional": False,
                        },
                        {
                            "survey": "nmg-survey-2024",
                            "title": "National Mirror Groups survey 2024",
                            "opens_on": "2024-10-01",
                            "invited": 24,
                            "answered": 6,
                            "count": 3,
                            "share_of_answered": 0.5,
                            "share_of_invited": 0.125,
                            "met": False,
                            "provisional": True,
                        },
                    ],
                }
            ]
        },
    )
    def get(self, request):
        targets = selectors.targets_progress()
        return Response(serializers.TargetProgressSerializer(targets, many=True).data)


class ConfigurationModelListView(AggregateView):
    serializer_class = serializers.ConfigurationModelsSerializer  # the CSV's columns
    csv_root = "countries"  # one row per country; the cross-tabs follow from it

    @schema.read_operation(
        "configuration_models",
        "Configuration models (deliverable section 6)",
        (
            "Each country's configuration model, derived from its mirror groups: a core "
            "group (core_group), two or more groups that each mirror one working group "
            "(group_per_working_group), otherwise a single group (single_group). Countries "
            "without any mirror group are left out. Cross-tabulated with the health-system "
            "type and the population band."
        ),
        tags=TAGS,
        body=serializers.ConfigurationModelsSerializer,
        refusals=REFUSALS,
        examples={
            "One country per model": {
                "countries": [
                    {
                        "country": "FI",
                        "country_name": "Finland",
                        "model": "core_group",
                        "model_label": "Core group with operational subgroup and/or forum",
                        "groups": 3,
                        "health_system": "nhs",
                        "population_millions": 5.5,
                        "population_band": "5 to 20 million",
                    }
                ],
                "by_health_system": {
                    "rows": ["core_group", "group_per_working_group", "single_group"],
                    "columns": ["nhs", "insurance", "mixed", "unknown"],
                    "counts": {
                        "core_group": {
                            "nhs": ["FI"],
                            "insurance": [],
                            "mixed": [],
                            "unknown": [],
                        }
                    },
                },
                "by_population": {
                    "rows": ["core_group", "group_per_working_group", "single_group"],
                    "columns": [
                        "under 5 million",
                        "5 to 20 million",
                        "over 20 million",
                        "unknown",
                    ],
                    "counts": {
                        "core_group": {
                            "under 5 million": [],
                            "5 to 20 million": ["FI"],
                            "over 20 million": [],
                            "unknown": [],
                        }
                    },
                },
            }
        },
    )
    def get(self, request):
        models = selectors.configuration_models()
        return Response(serializers.ConfigurationModelsSerializer(models).data)


class RoundComparisonView(AggregateView):
    serializer_class = serializers.RoundComparisonSerializer  # the CSV's columns
    csv_explode = "changes"  # one row per changed answer

    @schema.read_operation(
        "survey_compare",
        "What changed between two survey rounds",
        (
            "For the countries with a submitted response in both rounds, every answer to a "
            "question both rounds ask that differs (with the options' labels), how many "
            "stayed the same, and who answered only one of the rounds."
        ),
        tags=TAGS,
        parameters=[
            slug_parameter("before", "The earlier round's slug."),
            slug_parameter("after", "The later round's slug."),
        ],
        body=serializers.RoundComparisonSerializer,
        refusals=ROUND_REFUSALS,
        examples={
            "Spain became operational": {
                "before": "nmg-survey-2020",
                "after": "nmg-survey-2022",
                "common_questions": ["nmg_stage", "funding"],
                "changes": [
                    {
                        "country": "ES",
                        "question": "nmg_stage",
                        "before": "constructing",
                        "after": "operational",
                        "before_label": "Constructing/starting up",
                        "after_label": "Operational",
                    }
                ],
                "unchanged": 1,
                "only_before": ["UK"],
                "only_after": ["IE"],
                "both": ["ES"],
            }
        },
    )
    def get(self, request, before, after):
        comparison = round_comparison(
            before=survey_or_404(request.user, before), after=survey_or_404(request.user, after)
        )
        return Response(serializers.RoundComparisonSerializer(comparison).data)


class CompositionComparisonView(AggregateView):
    serializer_class = serializers.CompositionComparisonSerializer  # the CSV's columns
    csv_root = "countries"  # one row per country

    @schema.read_operation(
        "composition_compare",
        "What changed in the compositions between two rounds or dates",
        (
            "Per country with a composition at either moment or a change between them (by "
            "EU code): experts before and after, how many joined and left, seats gained and "
            "lost, working groups and stakeholder types gained and lost. `before` and `after` "
            "are each a round's slug (the composition when it closed; now, for an open "
            "round) or a date (the end of that day, Europe/Brussels) or an ISO 8601 "
            "date-time. Counts for every reader of the aggregates; the names of who joined "
            "and left (`joined_names`, `left_names`) only for WP6 staff and the country's "
            "representatives."
        ),
        tags=TAGS,
        parameters=[
            OpenApiParameter(
                name,
                MOMENT_VALUE,
                OpenApiParameter.QUERY,
                required=True,
                description=f"The {which} moment: a round's slug, a date or a date-time.",
            )
            for name, which in (("before", "earlier"), ("after", "later"))
        ],
        body=serializers.CompositionComparisonSerializer,
        refusals=MOMENT_REFUSALS,
        examples={
            "Austria sent its first composition": {
                "before": {"as_of": "2020-12-31T23:59:59.999999+01:00", "round": "nmg-survey-2020"},
                "after": {"as_of": "2022-12-31T23:59:59.999999+01:00", "round": "nmg-survey-2022"},
                "countries": [
                    {
                        "country": "AT",
                        "experts_before": 0,
                        "experts_after": 9,
                        "joined": 9,
                        "left": 0,
                        "seats_gained": 9,
                        "seats_lost": 0,
                        "working_groups_gained": [1, 2, 5],
                        "working_groups_lost": [],
                        "stakeholder_types_gained": ["clinical-communities"],
                        "stakeholder_types_lost": [],
                    }
                ],
            }
        },
    )
    def get(self, request):
        before, after = api_compared_moments(request)
        comparison = composition_comparison(before=before, after=after, user=request.user)
        return Response(serializers.CompositionComparisonSerializer(comparison).data)
