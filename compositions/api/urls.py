"""Experts under /api/v1/."""

from rest_framework.routers import SimpleRouter

from compositions.api import views

app_name = "compositions-api"

router = SimpleRouter()
router.register("experts", views.ExpertViewSet, basename="expert")

urlpatterns = router.urls
