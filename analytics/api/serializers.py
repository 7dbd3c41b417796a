"""Read-only serializers of the assessment dataclasses (`analytics.selectors`).

The documented endpoints (DESIGN section 6) show exactly the keys listed there; the others
mirror their dataclass field by field.
"""

from rest_framework import serializers

from nmg_registry.api.serializers import ErrorSerializer

__all__ = ["ErrorSerializer"]  # shared with every API endpoint: one "Error" component


# --- survey summary ----------------------------------------------------------------------


class OptionCountSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    share = serializers.FloatField(help_text="count / answered, rounded to 4 places.")


class QuestionSummarySerializer(serializers.Serializer):
    code = serializers.CharField()
    section = serializers.CharField()
    text = serializers.CharField()
    kind = serializers.CharField()
    answered = serializers.IntegerField(help_text="Submitted responses that answer it.")
    not_answered = serializers.ListField(
        child=serializers.CharField(), help_text="Respondents that left it blank (EU codes)."
    )
    options = OptionCountSerializer(
        many=True, help_text="Every option, zero counts included; empty for text questions."
    )


class SurveySummarySerializer(serializers.Serializer):
    survey = serializers.SlugField()
    title = serializers.CharField()
    invited = serializers.IntegerField()
    respondents = serializers.IntegerField(help_text="Countries with a submitted response.")
    respondent_countries = serializers.ListField(child=serializers.CharField())
    non_respondent_countries = serializers.ListField(child=serializers.CharField())
    questions = QuestionSummarySerializer(many=True)


# --- composition summary -----------------------------------------------------------------


def _counts():
    return serializers.DictField(child=serializers.IntegerField())


class CountryCompositionSerializer(serializers.Serializer):
    country = serializers.CharField()
    experts = serializers.IntegerField(help_text="Each person once, however many seats.")
    memberships = serializers.IntegerField()
    working_groups = serializers.ListField(child=serializers.IntegerField())
    covers_all_working_groups = serializers.BooleanField(
        help_text="Every active working group has a member."
    )
    working_group_info_missing = serializers.BooleanField()
    stakeholder_counts = _counts()
    stakeholder_shares = serializers.DictField(
        child=serializers.FloatField(allow_null=True),
        help_text="Over the experts whose type is known; null for every type when none of "
        "the country's experts has a type (stakeholder_info_missing).",
    )
    most_represented = serializers.ListField(
        child=serializers.CharField(), help_text="Stakeholder type slugs; ties all listed."
    )
    stakeholder_info_missing = serializers.BooleanField()
    gender = serializers.DictField(
        child=serializers.IntegerField(allow_null=True),
        help_text="Experts by gender (female, male, other, undisclosed, unknown). For a reader "
        "who may not read the country's experts, a count below NMG_MIN_CELL (default 3) is "
        "null, and so is a count beside it that a total would reveal; gender_suppressed then "
        "says so. Staff and the country's representatives read every count.",
    )
    gender_suppressed = serializers.BooleanField(
        help_text="Some count of `gender` is hidden from this reader (null) so that no small "
        "group of experts can be singled out."
    )


class SizeBandSerializer(serializers.Serializer):
    label = serializers.CharField()
    minimum = serializers.IntegerField()
    maximum = serializers.IntegerField(allow_null=True)
    countries = serializers.ListField(child=serializers.CharField())


class CompositionSummarySerializer(serializers.Serializer):
    countries_submitted = serializers.ListField(child=serializers.CharField())
    countries_with_all_working_groups = serializers.ListField(child=serializers.CharField())
    countries_with_all_stakeholder_types = serializers.ListField(child=serializers.CharField())
    countries_by_stakeholder_type = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField())
    )
    size_distribution = SizeBandSerializer(many=True)
    countries = CountryCompositionSerializer(many=True)


# --- targets -----------------------------------------------------------------------------


class TargetMeasurementSerializer(serializers.Serializer):
    survey = serializers.SlugField()
    title = serializers.CharField()
    opens_on = serializers.DateField(allow_null=True)
    invited = serializers.IntegerField()
    answered = serializers.IntegerField()
    count = serializers.IntegerField()
    share_of_answered = serializers.FloatField()
    share_of_invited = serializers.FloatField()
    met = serializers.BooleanField(help_text="share_of_invited reaches the threshold.")
    provisional = serializers.BooleanField(
        help_text="The round is still open: the figure may change until it closes, and a "
        "target is judged on closed rounds."
    )


class TargetProgressSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    description = serializers.CharField()
    question_code = serializers.CharField()
    answer_values = serializers.ListField(child=serializers.CharField())
    threshold = serializers.FloatField(help_text="The share to reach, from 0 to 1.")
    due_on = serializers.DateField()
    rounds = TargetMeasurementSerializer(many=True, help_text="Oldest round first.")


# --- configuration models ----------------------------------------------------------------


class CountryModelSerializer(serializers.Serializer):
    country = serializers.CharField()
    country_name = serializers.CharField()
    model = serializers.CharField()
    model_label = serializers.CharField()
    groups = serializers.IntegerField()
    health_system = serializers.CharField(allow_blank=True)
    population_millions = serializers.FloatField(allow_null=True)
    population_band = serializers.CharField()


class CrossTabSerializer(serializers.Serializer):
    rows = serializers.ListField(child=serializers.CharField())
    columns = serializers.ListField(child=serializers.CharField())
    counts = serializers.DictField(
        child=serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
        help_text="model -> column -> country codes.",
    )


class ConfigurationModelsSerializer(serializers.Serializer):
    countries = CountryModelSerializer(many=True)
    by_health_system = CrossTabSerializer()
    by_population = CrossTabSerializer()


# --- round comparison --------------------------------------------------------------------


class AnswerChangeSerializer(serializers.Serializer):
    country = serializers.CharField()
    question = serializers.CharField()
    before = serializers.CharField(allow_blank=True)
    after = serializers.CharField(allow_blank=True)
    before_label = serializers.CharField(allow_blank=True)
    after_label = serializers.CharField(allow_blank=True)


class RoundComparisonSerializer(serializers.Serializer):
    before = serializers.SlugField()
    after = serializers.SlugField()
    common_questions = serializers.ListField(child=serializers.CharField())
    changes = AnswerChangeSerializer(many=True)
    unchanged = serializers.IntegerField()
    only_before = serializers.ListField(child=serializers.CharField())
    only_after = serializers.ListField(child=serializers.CharField())
    both = serializers.ListField(child=serializers.CharField())


# --- composition comparison ---------------------------------------------------------------


class MomentSerializer(serializers.Serializer):
    as_of = serializers.DateTimeField(
        allow_null=True, help_text="The moment; null for the present."
    )
    round = serializers.SlugField(
        allow_null=True, help_text="The round whose closing is the moment, if one was given."
    )

    def to_representation(self, instance):
        return instance.as_json()


class CountryChangeSerializer(serializers.Serializer):
    country = serializers.CharField()
    experts_before = serializers.IntegerField()
    experts_after = serializers.IntegerField()
    joined = serializers.IntegerField()
    left = serializers.IntegerField()
    seats_gained = serializers.IntegerField()
    seats_lost = serializers.IntegerField()
    working_groups_gained = serializers.ListField(child=serializers.IntegerField())
    working_groups_lost = serializers.ListField(child=serializers.IntegerField())
    stakeholder_types_gained = serializers.ListField(child=serializers.CharField())
    stakeholder_types_lost = serializers.ListField(child=serializers.CharField())
    joined_names = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Who joined: only for staff and the country's representatives.",
    )
    left_names = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Who left: only for staff and the country's representatives.",
    )

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for key in ("joined_names", "left_names"):
            if data.get(key) is None:
                data.pop(key, None)
        return data


class CompositionComparisonSerializer(serializers.Serializer):
    before = MomentSerializer()
    after = MomentSerializer()
    countries = CountryChangeSerializer(many=True)


# --- recommendations ------------------------------------------------------------------------


class RuleSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    text = serializers.CharField(help_text="The recommendation as the deliverable words it.")


class AppliedRecommendationSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="The rule's code.")
    evidence = serializers.ListField(
        child=serializers.CharField(),
        help_text='Why it applies, e.g. "funding: No" (question code and the answer\'s '
        'label), "no expert of type Patients organisations", "no composition sent as of '
        '2021-03-31"; a question of the rule left blank or not asked is named too.',
    )


class CountryRecommendationsSerializer(serializers.Serializer):
    country = serializers.CharField()
    responded = serializers.BooleanField(help_text="A submitted response to the round.")
    recommendations = AppliedRecommendationSerializer(
        many=True, help_text="The rules that apply; empty for a country that did not respond."
    )
    not_judged = AppliedRecommendationSerializer(
        source="undetermined",
        many=True,
        help_text="The rules that cannot be judged because a question they read was left "
        'blank or not asked ("funding: not answered"), and do not apply otherwise; a blank '
        "never makes a rule apply.",
    )


class RoundRecommendationsSerializer(serializers.Serializer):
    survey = serializers.SlugField(source="survey.slug")
    rules = RuleSerializer(many=True)
    countries = CountryRecommendationsSerializer(
        many=True, help_text="Every invited or responding country, by EU code."
    )
