"""The core registry as JSON and CSV: countries, working groups, stakeholder types and mirror
groups, read-only, for any signed-in user. Each view names its rule from the policy, its
FilterSet and its natural-key lookup; the base classes carry the rest."""

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.exceptions import NotFound

from nmg_registry.api import schema, serializers
from nmg_registry.api.permissions import CanReadCountryProfiles
from nmg_registry.filters import CountryFilterSet, MirrorGroupFilterSet, working_group_by_key
from nmg_registry.models import Country, MirrorGroup, StakeholderType, WorkingGroup

TAGS = ["registry"]


class ListViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """A read-only list: filtered by the view's FilterSet, paginated by limit and offset."""


# A natural key in a path: anything up to the next slash but a NUL, which no key holds and
# PostgreSQL refuses to compare (a 500, where the client deserves a 404).
KEY_PATTERN = r"[^/.\x00]+"


class ReadOnlyViewSet(mixins.RetrieveModelMixin, ListViewSet):
    """A read-only list and its records, looked up by natural key in `get_object`."""

    lookup_value_regex = KEY_PATTERN

    def get_object(self):
        return self.lookup(self.kwargs[self.lookup_url_kwarg or self.lookup_field])

    def lookup(self, key: str):
        raise NotImplementedError


def key_parameter(name: str, description: str, example: str) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        str,
        OpenApiParameter.PATH,
        description=description,
        examples=[OpenApiExample(example, value=example)],
    )


COUNTRY_EXAMPLE = {
    "code": "EL",
    "iso_code": "GR",
    "name": "Greece",
    "participation": "signatory",
    "signed_on": "2018-09-06",
    "signing_note": "",
    "health_system": "mixed",
    "population_millions": 10.7,
    "health_genomics_plan_url": None,
    "national_roadmap_url": None,
    "updated_at": "2024-05-02T10:15:00+02:00",
}
UNKNOWN_COUNTRY = schema.not_found("No country has that code.", 'unknown country "XX"')


@extend_schema_view(
    list=schema.read_operation(
        "country_list",
        "Countries",
        "The 31 countries of the registry with their 1+MG participation, health-system "
        "type and population, sorted by EU code. Non-personal: any signed-in user.",
        tags=TAGS,
        body=serializers.CountrySerializer(many=True),
        examples={"Greece": COUNTRY_EXAMPLE},
    ),
    retrieve=schema.read_operation(
        "country_detail",
        "A country",
        "One country by its EU or ISO code in any letter case: `EL`, `el`, `GR` and `gr` "
        "all give Greece, `GB` the United Kingdom (`UK`). Codes come back in the EU form.",
        tags=TAGS,
        parameters=[key_parameter("code", "EU or ISO country code, any letter case.", "EL")],
        body=serializers.CountrySerializer,
        not_found=UNKNOWN_COUNTRY,
        examples={"Greece": COUNTRY_EXAMPLE},
    ),
)
class CountryViewSet(ReadOnlyViewSet):
    permission_classes = [CanReadCountryProfiles]
    serializer_class = serializers.CountrySerializer
    filterset_class = CountryFilterSet
    queryset = Country.objects.order_by("code")
    lookup_field = "code"

    def lookup(self, key):
        try:
            return Country.objects.resolve(key)
        except Country.DoesNotExist as exc:
            raise NotFound(str(exc)) from None


@extend_schema_view(
    list=schema.read_operation(
        "working_group_list",
        "Working groups",
        "The 1+MG working groups by number; WG8 to WG11 are use cases. Retired groups "
        "stay listed with `is_active` false.",
        tags=TAGS,
        body=serializers.WorkingGroupSerializer(many=True),
        examples={
            "WG3": {
                "number": 3,
                "label": "WG3",
                "name": "Common standards and minimal dataset for clinical and phenotypic data",
                "is_use_case": False,
                "is_active": True,
            }
        },
    ),
    retrieve=schema.read_operation(
        "working_group_detail",
        "A working group",
        "One working group by its number, written `3` or `WG3`.",
        tags=TAGS,
        parameters=[key_parameter("number", "The number: 3 (or WG3).", "3")],
        body=serializers.WorkingGroupSerializer,
        not_found=schema.not_found(
            "No working group has that number.", 'unknown working group "12"'
        ),
        examples={
            "WG8": {
                "number": 8,
                "label": "WG8",
                "name": "Use case: rare diseases",
                "is_use_case": True,
                "is_active": True,
            }
        },
    ),
)
class WorkingGroupViewSet(ReadOnlyViewSet):
    permission_classes = [CanReadCountryProfiles]
    serializer_class = serializers.WorkingGroupSerializer
    queryset = WorkingGroup.objects.order_by("number")
    lookup_field = "number"

    def lookup(self, key):
        try:
            return working_group_by_key(key)
        except WorkingGroup.DoesNotExist as exc:
            raise NotFound(str(exc)) from None


@extend_schema_view(
    list=schema.read_operation(
        "stakeholder_type_list",
        "Stakeholder types",
        "The ten kinds of actor an NMG expert represents (deliverable section 4.2.6), "
        "in the deliverable's order. Experts and the assessment name them by slug.",
        tags=TAGS,
        body=serializers.StakeholderTypeSerializer(many=True),
        examples={"ELSI": {"slug": "elsi", "label": "ELSI", "order": 8}},
    ),
    retrieve=schema.read_operation(
        "stakeholder_type_detail",
        "A stakeholder type",
        "One stakeholder type by its slug, any letter case.",
        tags=TAGS,
        parameters=[key_parameter("slug", "The slug, e.g. elsi.", "elsi")],
        body=serializers.StakeholderTypeSerializer,
        not_found=schema.not_found(
            "No stakeholder type has that slug.", 'unknown stakeholder type "lawyers"'
        ),
        examples={
            "Research/University": {
                "slug": "research-university",
                "label": "Research/University",
                "order": 2,
            }
        },
    ),
)
class StakeholderTypeViewSet(ReadOnlyViewSet):
    permission_classes = [CanReadCountryProfiles]
    serializer_class = serializers.StakeholderTypeSerializer
    queryset = StakeholderType.objects.order_by("order", "slug")
    lookup_field = "slug"

    def lookup(self, key):
        found = StakeholderType.objects.filter(slug__iexact=key.strip()).first()
        if found is None:
            raise NotFound(f'unknown stakeholder type "{key}"')
        return found


@extend_schema_view(
    list=schema.read_operation(
        "mirror_group_list",
        "Mirror groups",
        "Every country's national mirror groups, sorted by country code and name: a "
        "single group, a core group with an operational subgroup and a stakeholder forum, "
        "or one group per working group. Filter by country, kind or working group.",
        tags=TAGS,
        body=serializers.MirrorGroupSerializer(many=True),
        examples={
            "A group for WG2": {
                "country": "FI",
                "name": "Finnish NMG for ELSI",
                "kind": "working_group",
                "working_group": 2,
                "description": "",
                "established_on": "2020-03-01",
            }
        },
    ),
)
class MirrorGroupViewSet(ListViewSet):
    permission_classes = [CanReadCountryProfiles]
    serializer_class = serializers.MirrorGroupSerializer
    filterset_class = MirrorGroupFilterSet
    queryset = MirrorGroup.objects.select_related("country", "working_group").order_by(
        "country__code", "name"
    )
