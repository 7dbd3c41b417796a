"""The assessment pages under /assessment/; the dashboard itself is the start page `/`."""

from django.urls import path

from analytics import views

app_name = "analytics"

urlpatterns = [
    path("rounds/", views.survey_list, name="rounds"),
    path("rounds/<slug:slug>/", views.survey_detail, name="round"),
    path(
        "rounds/<slug:slug>/recommendations/",
        views.recommendations,
        name="round-recommendations",
    ),
    path(
        "rounds/<slug:slug>/report.pdf",
        views.report,
        {"file_format": "pdf"},
        name="round-report-pdf",
    ),
    path(
        "rounds/<slug:slug>/report.docx",
        views.report,
        {"file_format": "docx"},
        name="round-report-docx",
    ),
    path("composition/", views.composition, name="composition"),
    path("composition/compare/", views.composition_compare, name="composition-compare"),
    path("targets/", views.targets, name="targets"),
    path("configuration-models/", views.models, name="models"),
    path("compare/", views.compare, name="compare"),
]
