"""The assessment under /api/v1/; other resources join /api/v1/ with their own includes."""

from django.urls import path

from analytics.api import views

app_name = "analytics-api"

urlpatterns = [
    # Before the rounds' summaries: "latest" names the latest closed round, never a slug.
    path(
        "surveys/latest/summary/",
        views.LatestSurveySummaryView.as_view(),
        name="survey-latest-summary",
    ),
    path("surveys/<slug:slug>/summary/", views.SurveySummaryView.as_view(), name="survey-summary"),
    path(
        "surveys/<slug:slug>/recommendations/",
        views.RoundRecommendationsView.as_view(),
        name="survey-recommendations",
    ),
    path(
        "surveys/<slug:before>/compare/<slug:after>/",
        views.RoundComparisonView.as_view(),
        name="survey-compare",
    ),
    path(
        "compositions/summary/",
        views.CompositionSummaryView.as_view(),
        name="composition-summary",
    ),
    path(
        "compositions/compare/",
        views.CompositionComparisonView.as_view(),
        name="composition-compare",
    ),
    path("targets/", views.TargetListView.as_view(), name="target-list"),
    path(
        "configuration-models/",
        views.ConfigurationModelListView.as_view(),
        name="configuration-model-list",
    ),
]
