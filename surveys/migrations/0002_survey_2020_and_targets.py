"""The 2020 survey round with its 21 questions and 24 invited countries, and the two roadmap
targets (DESIGN section 4), written out here so that later code changes cannot alter them."""

import datetime
from decimal import Decimal

from django.db import migrations
from django.utils import timezone

YES_NO = [("yes", "Yes"), ("no", "No")]
YES_NO_SAME = [*YES_NO, ("same_as_wg1", "Same as WG1 representative")]
STAGES = [
    ("no_tangible_activities", "No tangible activities yet"),
    ("planning", "Planning/preparing"),
    ("constructing", "Constructing/starting up"),
    ("operational", "Operational"),
]
ACTIVITY = [
    ("1", "1 (not active)"),
    ("2", "2"),
    ("3", "3"),
    ("4", "4"),
    ("5", "5 (very active)"),
]

# code, section, kind, text, options
QUESTIONS = [
    (
        "wg1_representative",
        "profile",
        "text",
        "Who represents the country in 1+MG Working Group 1?",
        [],
    ),
    (
        "scientific_coordinator",
        "profile",
        "choice",
        "Do the NMGs have a scientific coordinator?",
        YES_NO_SAME,
    ),
    (
        "national_contact_point",
        "profile",
        "choice",
        "Do the NMGs have a national contact point?",
        YES_NO_SAME,
    ),
    (
        "additional_figure",
        "profile",
        "choice",
        "Is there a different or additional figure for the NMGs?",
        YES_NO,
    ),
    (
        "health_genomics_plan",
        "plan",
        "choice",
        "Has the country established a National Health Genomics Plan?",
        YES_NO,
    ),
    ("health_genomics_plan_url", "plan", "url", "Web page of the plan", []),
    ("health_genomics_plan_contact", "plan", "text", "Contact person for the plan", []),
    (
        "health_genomics_plan_scope",
        "plan",
        "text",
        "Short explanation of the scope and size of the plan",
        [],
    ),
    (
        "national_roadmap",
        "roadmap",
        "choice",
        "Has the country established a roadmap related to the 1+MG initiative?",
        YES_NO,
    ),
    (
        "roadmap_implementation",
        "roadmap",
        "text",
        "How is the roadmap implemented in the country?",
        [],
    ),
    (
        "nmg_stage",
        "functioning",
        "choice",
        "At what stage is the establishment of the country's 1+MG National Mirror Group?",
        STAGES,
    ),
    ("nmg_composition", "functioning", "text", "How are the NMGs composed?", []),
    (
        "expert_nomination_process",
        "functioning",
        "choice",
        "Is there an expert nomination process to join the NMGs?",
        YES_NO,
    ),
    (
        "communication_process",
        "functioning",
        "choice",
        "Is there a communication process with and among the NMGs?",
        YES_NO,
    ),
    (
        "governance_structure",
        "functioning",
        "choice",
        "Do the NMGs have a governance structure?",
        YES_NO,
    ),
    (
        "national_activities",
        "functioning",
        "choice",
        "Are activities organised at national level with the NMGs?",
        YES_NO,
    ),
    (
        "funding",
        "functioning",
        "choice",
        "Do the NMGs have funding or a specific assignment from the government?",
        YES_NO,
    ),
    ("formalised", "functioning", "choice", "Are the NMGs formalised in the country?", YES_NO),
    (
        "member_activity",
        "links",
        "scale",
        "How active are the NMG members in the initiative? (1 not active, 5 very active)",
        ACTIVITY,
    ),
    (
        "engagement",
        "links",
        "choice",
        "Are there sufficient links between the NMGs and the European initiative?",
        YES_NO,
    ),
    ("engagement_how", "links", "text", "How could the NMGs be further involved or engaged?", []),
]

INVITED = [
    "AT",
    "BE",
    "BG",
    "CY",
    "CZ",
    "DE",
    "DK",
    "EE",
    "EL",
    "ES",
    "FI",
    "HR",
    "HU",
    "IT",
    "LT",
    "LU",
    "LV",
    "MT",
    "NL",
    "NO",
    "PT",
    "SE",
    "SI",
    "UK",
]

TARGETS = [
    {
        "slug": "operational-nmgs-2021",
        "name": "At least 75% of countries have an operational NMG",
        "description": "Roadmap target: at least 75% of the countries have their NMG "
        "operational by the end of 2021.",
        "question_code": "nmg_stage",
        "answer_values": ["operational"],
        "threshold": Decimal("0.75"),
        "due_on": datetime.date(2021, 12, 31),
    },
    {
        "slug": "constructing-nmgs-2021",
        "name": "All countries at least constructing their NMG",
        "description": "Roadmap target: all countries have their NMG at least in the stage "
        "'Constructing/starting up' during 2021.",
        "question_code": "nmg_stage",
        "answer_values": ["constructing", "operational"],
        "threshold": Decimal("1.0"),
        "due_on": datetime.date(2021, 12, 31),
    },
]


def load_survey_2020(apps, schema_editor):
    Survey = apps.get_model("surveys", "Survey")
    Question = apps.get_model("surveys", "Question")
    QuestionOption = apps.get_model("surveys", "QuestionOption")
    Country = apps.get_model("nmg_registry", "Country")

    survey = Survey.objects.create(
        slug="nmg-survey-2020",
        title="National Mirror Groups survey 2020",
        opens_on=datetime.date(2020, 10, 1),
        closes_on=datetime.date(2021, 3, 31),
        status="closed",
        created_at=timezone.now(),
    )
    survey.invited_countries.set(Country.objects.filter(code__in=INVITED))
    for order, (code, section, kind, text, options) in enumerate(QUESTIONS, start=1):
        question = Question.objects.create(
            survey=survey, code=code, section=section, kind=kind, text=text, order=order
        )
        QuestionOption.objects.bulk_create(
            QuestionOption(question=question, value=value, label=label, order=position)
            for position, (value, label) in enumerate(options, start=1)
        )


def load_targets(apps, schema_editor):
    Target = apps.get_model("surveys", "Target")
    Target.objects.bulk_create(Target(**target) for target in TARGETS)


def remove_survey_2020(apps, schema_editor):
    apps.get_model("surveys", "Survey").objects.filter(slug="nmg-survey-2020").delete()
    apps.get_model("surveys", "Target").objects.filter(
        slug__in=[t["slug"] for t in TARGETS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0001_initial"),
        ("nmg_registry", "0002_reference_data"),
    ]

    operations = [
        migrations.RunPython(load_survey_2020, remove_survey_2020),
        migrations.RunPython(load_targets, migrations.RunPython.noop),
    ]
