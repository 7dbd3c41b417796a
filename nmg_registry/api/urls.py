"""Countries, working groups, stakeholder types and mirror groups under /api/v1/."""

from rest_framework.routers import SimpleRouter

from nmg_registry.api import views

app_name = "registry-api"

router = SimpleRouter()
router.register("countries", views.CountryViewSet, basename="country")
router.register("working-groups", views.WorkingGroupViewSet, basename="working-group")
router.register("stakeholder-types", views.StakeholderTypeViewSet, basename="stakeholder-type")
router.register("mirror-groups", views.MirrorGroupViewSet, basename="mirror-group")

urlpatterns = router.urls
