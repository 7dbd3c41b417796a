"""Experts with their seats, as the permission policy lets the user read them: staff every
country's, a representative their own countries' only, nobody else any."""

from functools import cached_property

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema_view

from compositions import selectors
from compositions.api import serializers
from compositions.filters import expert_filterset
from compositions.models import Expert, Membership
from nmg_registry import permissions
from nmg_registry.api import schema
from nmg_registry.api.moments import MOMENT_PARAMETERS, api_moment
from nmg_registry.api.permissions import CanListExperts
from nmg_registry.api.views import ListViewSet
from nmg_registry.moments import Moment


@extend_schema_view(
    list=schema.read_operation(
        "expert_list",
        "Experts (personal data)",
        "The experts of the countries' mirror groups with their seats, sorted by country "
        "code and name. Personal data: WP6 staff read every country's, a representative "
        "only their own countries'; anyone else is refused. Filter by country, "
        "stakeholder type, gender, and by seat: `working_group` and `role` together "
        "select the experts holding one seat of both. As CSV, one row per seat. Now, or "
        "with `as_of` or `round` as the experts and their seats stood then (read-only "
        "history: the same readers, the same filters, applied to the seats held then).",
        tags=["compositions"],
        parameters=MOMENT_PARAMETERS,
        body=serializers.ExpertSerializer(many=True),
        refusals=schema.errors(
            denied_response=schema.denied("Not signed in, or neither staff nor a representative."),
            not_found_response=schema.not_found(
                "No survey round has that slug.", 'No survey round "nmg-survey-1999".'
            ),
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
    csv_explode = "memberships"

    @cached_property
    def moment(self) -> Moment:
        """The moment `?as_of=` or `?round=` asks for; a 400 or 404 once the user may list."""
        return api_moment(self.request)

    @property
    def filterset_class(self):
        return expert_filterset(self.moment)

    def get_queryset(self):
        user = self.request.user
        if not self.moment.is_present:
            return selectors.experts_then(user=user, moment=self.moment)
        memberships = permissions.memberships_visible_to(
            user,
            Membership.objects.select_related("working_group", "mirror_group").order_by(
                *selectors.SEAT_ORDER
            ),
        )
        return (
            permissions.experts_visible_to(user, Expert.objects.all())
            .select_related("country", "stakeholder_type")
            .prefetch_related(Prefetch("memberships", queryset=memberships))
            .order_by("country__code", "name", "pk")
        )

    def get_filterset_extra_kwargs(self) -> dict:
        return {"moment": self.moment}

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        # The past's seats are read for the page's experts alone, as a prefetch would.
        return page if self.moment.is_present else selectors.with_seats_then(page, self.moment)
