"""A bare `migrate` gives the reference data of DESIGN section 4."""

import datetime
from decimal import Decimal

import pytest

from nmg_registry.models import Country, StakeholderType, WorkingGroup
from surveys.models import Question, Survey, Target

pytestmark = pytest.mark.django_db


def test_eleven_working_groups_with_the_use_cases_marked():
    groups = list(WorkingGroup.objects.order_by("number"))

    assert [g.number for g in groups] == list(range(1, 12))
    assert groups[0].name == "Scope, stakeholders, organisation and governance"
    assert groups[10].name == "Use case: infectious diseases"
    assert [g.number for g in groups if g.is_use_case] == [8, 9, 10, 11]
    assert all(g.is_active for g in groups)


def test_ten_stakeholder_types_in_the_survey_order():
    assert list(StakeholderType.objects.values_list("slug", flat=True)) == [
        "ministry-agency-policy-maker",
        "research-university",
        "clinical-communities",
        "it-data-communities",
        "scientific-communities",
        "policy-advisory-groups",
        "industry-private-sector",
        "elsi",
        "funding-agencies",
        "patient-organisations",
    ]
    assert StakeholderType.objects.get(slug="patient-organisations").label == (
        "Patients organisations"
    )


def test_thirty_one_countries_with_eu_and_iso_codes():
    assert Country.objects.count() == 31
    greece = Country.objects.get(code="EL")
    assert (greece.iso_code, greece.name, greece.health_system) == ("GR", "Greece", "mixed")
    uk = Country.objects.get(code="UK")
    assert (uk.iso_code, uk.population_millions) == ("GB", Decimal("67.1"))
    assert Country.objects.get(code="DE").population_millions == Decimal("83.2")


def test_participation_and_known_signing_dates():
    not_participating = set(
        Country.objects.filter(participation="none").values_list("code", flat=True)
    )
    assert not_participating == {"PL", "SK", "IS", "CH"}
    assert Country.objects.get(code="ES").signed_on == datetime.date(2018, 4, 10)
    assert Country.objects.get(code="BE").signed_on == datetime.date(2020, 8, 26)
    denmark = Country.objects.get(code="DK")
    assert (denmark.signed_on, denmark.signing_note) == (None, "late 2020")


def test_health_system_types():
    nhs = set(Country.objects.filter(health_system="nhs").values_list("code", flat=True))
    assert nhs == {"CY", "DK", "ES", "FI", "IS", "IT", "LV", "MT", "NO", "PT", "SE", "UK"}
    mixed = set(Country.objects.filter(health_system="mixed").values_list("code", flat=True))
    assert mixed == {"EL", "IE"}
    assert Country.objects.filter(health_system="insurance").count() == 17


def test_the_2020_round_with_its_questions_and_invited_countries():
    survey = Survey.objects.get(slug="nmg-survey-2020")

    assert survey.title == "National Mirror Groups survey 2020"
    assert (survey.opens_on, survey.closes_on) == (
        datetime.date(2020, 10, 1),
        datetime.date(2021, 3, 31),
    )
    assert survey.status == "closed"
    invited = sorted(survey.invited_countries.values_list("code", flat=True))
    assert invited == [
        *("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "HR"),
        *("HU", "IT", "LT", "LU", "LV", "MT", "NL", "NO", "PT", "SE", "SI", "UK"),
    ]
    codes = list(survey.questions.order_by("order").values_list("code", flat=True))
    assert len(codes) == 21
    assert codes[0] == "wg1_representative"
    assert codes[10] == "nmg_stage"
    assert codes[-1] == "engagement_how"


def test_question_kinds_and_options():
    questions = {q.code: q for q in Question.objects.filter(survey__slug="nmg-survey-2020")}

    stage = questions["nmg_stage"]
    assert (stage.section, stage.kind) == ("functioning", "choice")
    assert list(stage.options.values_list("value", "label")) == [
        ("no_tangible_activities", "No tangible activities yet"),
        ("planning", "Planning/preparing"),
        ("constructing", "Constructing/starting up"),
        ("operational", "Operational"),
    ]
    activity = questions["member_activity"]
    assert activity.kind == "scale"
    assert list(activity.options.values_list("value", flat=True)) == ["1", "2", "3", "4", "5"]
    assert list(questions["scientific_coordinator"].options.values_list("value", flat=True)) == [
        "yes",
        "no",
        "same_as_wg1",
    ]
    assert questions["health_genomics_plan_url"].kind == "url"
    assert not questions["engagement_how"].options.exists()


def test_the_two_roadmap_targets():
    targets = {t.slug: t for t in Target.objects.all()}

    operational = targets["operational-nmgs-2021"]
    assert operational.question_code == "nmg_stage"
    assert operational.answer_values == ["operational"]
    assert operational.threshold == Decimal("0.75")
    assert operational.due_on == datetime.date(2021, 12, 31)
    constructing = targets["constructing-nmgs-2021"]
    assert constructing.answer_values == ["constructing", "operational"]
    assert constructing.threshold == Decimal("1")


def test_reference_models_have_natural_keys():
    assert Country.objects.get_by_natural_key("EL").natural_key() == ("EL",)
    assert WorkingGroup.objects.get_by_natural_key(3).natural_key() == (3,)
    assert StakeholderType.objects.get_by_natural_key("elsi").label == "ELSI"
    assert Survey.objects.get_by_natural_key("nmg-survey-2020").natural_key() == (
        "nmg-survey-2020",
    )
    assert Target.objects.get_by_natural_key("operational-nmgs-2021").natural_key() == (
        "operational-nmgs-2021",
    )
