"""Survey rounds and their responses under /api/v1/."""

from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from nmg_registry.api.views import KEY_PATTERN
from surveys.api import views

app_name = "surveys-api"

router = SimpleRouter()
router.register("surveys", views.SurveyViewSet, basename="survey")

urlpatterns = [
    # Before the rounds' own URLs: "latest" names the latest closed round, never a slug.
    path(
        "surveys/latest/",
        views.LatestSurveyViewSet.as_view({"get": "retrieve"}),
        name="survey-latest",
    ),
    *router.urls,
    path(
        "surveys/<slug:slug>/responses/",
        views.ResponseViewSet.as_view({"get": "list"}),
        name="response-list",
    ),
    re_path(
        rf"^surveys/(?P<slug>[-a-zA-Z0-9_]+)/responses/(?P<country>{KEY_PATTERN})/$",
        views.ResponseViewSet.as_view({"get": "retrieve"}),
        name="response-detail",
    ),
]
