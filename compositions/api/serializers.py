"""Read-only serializers of experts and their seats. Personal data: the views hand them only
the experts the permission policy lets the user read."""

from rest_framework import serializers

from compositions.models import Expert, Membership
from nmg_registry.api.serializers import CountryCodeField, RecordSerializer


class MembershipSerializer(RecordSerializer):
    working_group = serializers.SlugRelatedField(
        slug_field="number",
        read_only=True,
        allow_null=True,
        help_text="The working group's number; null when not known.",
    )
    mirror_group = serializers.SlugRelatedField(
        slug_field="name",
        read_only=True,
        allow_null=True,
        help_text="The name of the expert's country's mirror group, if the seat is in one.",
    )

    class Meta:
        model = Membership
        fields = ["working_group", "mirror_group", "role"]
        read_only_fields = fields


class ExpertSerializer(RecordSerializer):
    country = CountryCodeField()
    stakeholder_type = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True, help_text="Null when not known."
    )
    memberships = MembershipSerializer(
        many=True, read_only=True, help_text="The expert's seats, by working group."
    )

    class Meta:
        model = Expert
        fields = [
            "country",
            "name",
            "institution",
            "position",
            "gender",
            "region",
            "email",
            "stakeholder_type",
            "memberships",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "gender": {"help_text": "Null when not known."},
            "email": {"help_text": "Null when not known."},
        }
