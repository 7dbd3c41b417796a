"""Read-only serializers of the core registry. Related rows appear by their natural keys
(country EU code, working-group number, stakeholder-type slug), never by database id."""

from rest_framework import serializers

from nmg_registry.models import Country, MirrorGroup, StakeholderType, WorkingGroup


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in words.")


class ParameterErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="Every bad query parameter and its problem.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Each bad query parameter mapped to its messages.",
    )


class CountryCodeField(serializers.SlugRelatedField):
    """A country as its EU code (`EL`, `UK`)."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="code", read_only=True, **kwargs)


class BlankAsNull:
    """A field whose values have a form (a choice, an e-mail, a web address): a blank in the
    database is no such value, so it is answered, and documented, as null."""

    def __init__(self, **kwargs):
        super().__init__(allow_null=True, **kwargs)

    def to_representation(self, value):
        return None if value in ("", None) else super().to_representation(value)


class OptionalChoiceField(BlankAsNull, serializers.ChoiceField):
    """One of the choices, or null when none is recorded."""


class OptionalEmailField(BlankAsNull, serializers.EmailField):
    """An e-mail address, or null when none is recorded."""


class OptionalURLField(BlankAsNull, serializers.URLField):
    """A web address, or null when none is recorded."""


OPTIONAL_FIELDS = {
    serializers.ChoiceField: OptionalChoiceField,
    serializers.EmailField: OptionalEmailField,
    serializers.URLField: OptionalURLField,
}


class RecordSerializer(serializers.ModelSerializer):
    """A read-only record. A model field that may be blank but whose values have a form is
    answered as null when blank (see BlankAsNull); free text stays a string, blank or not."""

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        optional = OPTIONAL_FIELDS.get(field_class)
        if optional is not None and model_field.blank:
            kwargs.pop("allow_null", None)
            return optional, kwargs
        return field_class, kwargs


class CountrySerializer(RecordSerializer):
    # A number, as in the assessment's JSON, rather than DRF's decimal string.
    population_millions = serializers.FloatField(
        read_only=True, allow_null=True, help_text="Population on 1 January 2020, millions."
    )

    class Meta:
        model = Country
        fields = [
            "code",
            "iso_code",
            "name",
            "participation",
            "signed_on",
            "signing_note",
            "health_system",
            "population_millions",
            "health_genomics_plan_url",
            "national_roadmap_url",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "code": {"help_text": "EU style: EL for Greece, UK for the United Kingdom."},
            "iso_code": {"help_text": "ISO 3166 alpha-2: GR, GB."},
            "health_system": {"help_text": "Null when not known."},
            "health_genomics_plan_url": {
                "help_text": "The national health genomics plan; null when none is recorded."
            },
            "national_roadmap_url": {
                "help_text": "The national 1+MG roadmap; null when none is recorded."
            },
        }


class WorkingGroupSerializer(RecordSerializer):
    label = serializers.CharField(read_only=True, help_text="WG and the number: WG3.")

    class Meta:
        model = WorkingGroup
        fields = ["number", "label", "name", "is_use_case", "is_active"]
        read_only_fields = fields


class StakeholderTypeSerializer(RecordSerializer):
    class Meta:
        model = StakeholderType
        fields = ["slug", "label", "order"]
        read_only_fields = fields


class MirrorGroupSerializer(RecordSerializer):
    country = CountryCodeField()
    working_group = serializers.SlugRelatedField(
        slug_field="number",
        read_only=True,
        allow_null=True,
        help_text="The working group a group of kind working_group mirrors; null otherwise.",
    )

    class Meta:
        model = MirrorGroup
        fields = ["country", "name", "kind", "working_group", "description", "established_on"]
        read_only_fields = fields
