"""Read-only serializers of survey rounds and responses; countries by EU code, rounds by
slug, questions by code, options by value."""

from rest_framework import serializers

from nmg_registry.api.serializers import CountryCodeField, RecordSerializer
from surveys.models import Answer, Question, QuestionOption, Response, Survey


class QuestionOptionSerializer(RecordSerializer):
    class Meta:
        model = QuestionOption
        fields = ["value", "label"]
        read_only_fields = fields


class QuestionSerializer(RecordSerializer):
    options = QuestionOptionSerializer(
        many=True, read_only=True, help_text="For choice and scale questions; else empty."
    )

    class Meta:
        model = Question
        fields = ["code", "section", "text", "help_text", "kind", "order", "options"]
        read_only_fields = fields


class SurveySerializer(RecordSerializer):
    invited_countries = CountryCodeField(many=True, help_text="EU codes, sorted.")
    questions = QuestionSerializer(many=True, read_only=True, help_text="In the round's order.")

    class Meta:
        model = Survey
        fields = [
            "slug",
            "title",
            "status",
            "opens_on",
            "closes_on",
            "invited_countries",
            "questions",
        ]
        read_only_fields = fields


class AnswerSerializer(RecordSerializer):
    question = serializers.CharField(
        source="question.code", read_only=True, help_text="The question's code."
    )
    value = serializers.CharField(
        read_only=True, help_text="The option's value, or the text of a text or URL answer."
    )
    label = serializers.SerializerMethodField(help_text="The option's label; empty for a text.")

    class Meta:
        model = Answer
        fields = ["question", "value", "label"]
        read_only_fields = fields

    def get_label(self, answer) -> str:
        return answer.option.label if answer.option_id else ""


class ResponseSerializer(RecordSerializer):
    survey = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    country = CountryCodeField()
    answers = AnswerSerializer(
        many=True, read_only=True, help_text="One per question answered, in the round's order."
    )

    class Meta:
        model = Response
        fields = ["survey", "country", "status", "submitted_at", "updated_at", "answers"]
        read_only_fields = fields
