"""Experts with their seats, as the permission policy lets the user read them: staff every
country's, a representative their own countries' only, nobody else any."""

from django.db.models import F, Prefetch
from drf_spectacular.utils import extend_schema_view

from compositions.api import serializers
from compositions.filters import ExpertFilterSet
from compositions.models import Expert, Membership
from nmg_registry import permissions
from nmg_registry.api import schema
from nmg_registry.api.permissions import CanListExperts
from nmg_registry.api.views import ListViewSet


@extend_schema_view(
    list=schema.read_operation(
        "expert_list",
        "Experts (personal data)",
        "The experts of the countries' mirror groups with their seats, sorted by country "
        "code and name. Personal data: WP6 staff read every country's, a representative "
        "only their own countries'; anyone else is refused. Filter by country, "
        "stakeholder type, gender, and by seat: `working_group` and `role` together "
        "select the experts holding one seat of both. As CSV, one row per seat.",
        tags=["compositions"],
        body=serializers.ExpertSerializer(many=True),
        refusals=schema.errors(
            denied_response=schema.denied("Not signed in, or neither staff nor a representative.")
        ),
        examples={
            "A coordinator of WG3": {
                "country": "ES",
                "name": "Ana García",
                "institution": "Instituto de Salud Carlos III",
                "position": "Head of unit",
                "gender": "female",
                "region": "Madrid",
                "email": "ana.garcia@example.org",
                "stakeholder_type": "research-university",
                "memberships": [{"working_group": 3, "mirror_group": None, "role": "coordinator"}],
                "updated_at": "2024-05-02T10:15:00+02:00",
            }
        },
    )
)
class ExpertViewSet(ListViewSet):
    permission_classes = [CanListExperts]
    serializer_class = serializers.ExpertSerializer
    filterset_class = ExpertFilterSet
    csv_explode = "memberships"

    def get_queryset(self):
        user = self.request.user
        memberships = permissions.memberships_visible_to(
            user,
            Membership.objects.select_related("working_group", "mirror_group").order_by(
                F("working_group__number").asc(nulls_last=True), "mirror_group__name", "pk"
            ),
        )
        return (
            permissions.experts_visible_to(user, Expert.objects.all())
            .select_related("country", "stakeholder_type")
            .prefetch_related(Prefetch("memberships", queryset=memberships))
            .order_by("country__code", "name", "pk")
        )
