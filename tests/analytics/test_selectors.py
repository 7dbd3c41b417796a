"""The assessment selectors on small hand-made data sets: who counts, over what, and ties."""

import datetime
from decimal import Decimal

import pytest

from analytics import round_comparison as two_rounds
from analytics import selectors
from nmg_registry.models import Country, MirrorGroup, StakeholderType, WorkingGroup
from surveys.models import Answer, Question, Survey
from tests import factories

pytestmark = pytest.mark.django_db


def countries(*codes):
    return [Country.objects.get(code=code) for code in codes]


def make_round(*invited, slug=None, opens_on=None):
    survey = factories.SurveyFactory(
        **({"slug": slug} if slug else {}), opens_on=opens_on, status=Survey.Status.OPEN
    )
    survey.invited_countries.set(countries(*invited))
    return survey


def choice(survey, code, *values, order=0, kind=Question.Kind.CHOICE):
    question = factories.QuestionFactory(
        survey=survey, code=code, kind=kind, order=order, section=Question.Section.FUNCTIONING
    )
    factories.add_options(question, *values)
    return question


def text(survey, code, order=0):
    return factories.QuestionFactory(survey=survey, code=code, kind=Question.Kind.TEXT, order=order)


def respond(survey, code, answers, *, submitted=True):
    """A response of the country to the round; `answers` maps questions to an option value
    (choice and scale) or a text."""
    make = factories.submitted_response if submitted else factories.ResponseFactory
    response = make(survey=survey, country=Country.objects.get(code=code))
    for question, value in answers.items():
        if question.has_options:
            Answer.objects.create(
                response=response, question=question, option=question.options.get(value=value)
            )
        else:
            Answer.objects.create(response=response, question=question, text=value)
    return response


def expert(code, *working_groups, type_slug=None, gender="female"):
    """An expert of the country with a seat in each working group (a blank seat for None)."""
    person = factories.ExpertFactory(
        country=Country.objects.get(code=code),
        stakeholder_type=StakeholderType.objects.get(slug=type_slug) if type_slug else None,
        gender=gender,
    )
    for number in working_groups:
        factories.MembershipFactory(
            expert=person,
            working_group=WorkingGroup.objects.get(number=number) if number else None,
        )
    return person


def country_row(summary, code):
    return next(c for c in summary.countries if c.country == code)


def options(question):
    return [(o.value, o.count, o.share) for o in question.options]


# --- survey_summary ---------------------------------------------------------------------


def test_survey_summary_counts_submitted_responses_only():
    survey = make_round("ES", "IT", "PT", "FI")
    funding = choice(survey, "funding", "yes", "no")
    respond(survey, "ES", {funding: "yes"})
    respond(survey, "PT", {funding: "no"})
    respond(survey, "IT", {funding: "yes"}, submitted=False)

    summary = selectors.survey_summary(survey=survey)

    assert (summary.invited, summary.respondents) == (4, 2)
    assert summary.respondent_countries == ["ES", "PT"]
    assert summary.non_respondent_countries == ["FI", "IT"]
    (question,) = summary.questions
    assert question.answered == 2
    assert options(question) == [("yes", 1, 0.5), ("no", 1, 0.5)]


def test_a_skipped_question_is_left_out_of_its_own_denominator():
    survey = make_round("ES", "IT", "UK")
    plan = choice(survey, "plan", "yes", "no", order=1)
    stage = choice(survey, "stage", "planning", "constructing", "operational", order=2)
    respond(survey, "ES", {plan: "yes", stage: "operational"})
    respond(survey, "IT", {plan: "no", stage: "planning"})
    respond(survey, "UK", {plan: "no"})

    plan_summary, stage_summary = selectors.survey_summary(survey=survey).questions

    assert (plan_summary.answered, plan_summary.not_answered) == (3, [])
    assert (stage_summary.answered, stage_summary.not_answered) == (2, ["UK"])
    assert options(stage_summary) == [
        ("planning", 1, 0.5),
        ("constructing", 0, 0.0),
        ("operational", 1, 0.5),
    ]
    assert stage_summary.section == "functioning"
    assert stage_summary.section_title == "National Mirror Groups composition and functioning"


def test_text_questions_count_answers_but_list_no_options():
    survey = make_round("ES", "IT")
    notes = text(survey, "notes")
    respond(survey, "ES", {notes: "Something to say"})
    respond(survey, "IT", {})

    (question,) = selectors.survey_summary(survey=survey).questions

    assert (question.answered, question.not_answered, question.options) == (1, ["IT"], [])


def test_scale_options_keep_their_order_with_zero_counts():
    survey = make_round("ES", "IT")
    activity = choice(survey, "activity", "1", "2", "3", kind=Question.Kind.SCALE)
    respond(survey, "ES", {activity: "3"})
    respond(survey, "IT", {activity: "3"})

    (question,) = selectors.survey_summary(survey=survey).questions

    assert options(question) == [("1", 0, 0.0), ("2", 0, 0.0), ("3", 2, 1.0)]


def test_an_empty_round_gives_zeros_without_dividing_by_zero():
    survey = make_round("ES", "IT")
    stage = choice(survey, "stage", "planning", "operational")
    respond(survey, "ES", {stage: "planning"}, submitted=False)

    summary = selectors.survey_summary(survey=survey)

    assert (summary.respondents, summary.respondent_countries) == (0, [])
    assert summary.non_respondent_countries == ["ES", "IT"]
    (question,) = summary.questions
    assert (question.answered, question.not_answered) == (0, [])
    assert options(question) == [("planning", 0, 0.0), ("operational", 0, 0.0)]


def test_a_round_without_invitations_or_questions_is_empty():
    summary = selectors.survey_summary(survey=factories.SurveyFactory())

    assert (summary.invited, summary.respondents, summary.questions) == (0, 0, [])


def test_a_country_answering_without_an_invitation_is_a_respondent():
    survey = make_round("ES")
    respond(survey, "IE", {})

    summary = selectors.survey_summary(survey=survey)

    assert (summary.invited, summary.respondents) == (1, 1)
    assert summary.respondent_countries == ["IE"]
    assert summary.non_respondent_countries == ["ES"]


# --- composition_summary ----------------------------------------------------------------


def test_an_expert_in_several_working_groups_counts_once():
    expert("ES", 1, 2, 3, type_slug="research-university")
    expert("ES", 3, type_slug="clinical-communities")

    row = country_row(selectors.composition_summary(), "ES")

    assert (row.experts, row.memberships, row.working_groups) == (2, 4, [1, 2, 3])
    assert row.stakeholder_counts["research-university"] == 1
    assert row.stakeholder_shares["research-university"] == 0.5


def test_ties_for_most_represented_are_all_listed_in_type_order():
    for slug in ("clinical-communities", "research-university", "elsi") * 2:
        expert("LT", 1, type_slug=slug)
    expert("LT", 1, type_slug="ministry-agency-policy-maker")
    expert("LT", 1)  # type unknown: not in the shares' denominator

    row = country_row(selectors.composition_summary(), "LT")

    assert row.experts == 8
    assert row.most_represented == ["research-university", "clinical-communities", "elsi"]
    assert row.stakeholder_shares["clinical-communities"] == round(2 / 7, 4) == 0.2857
    assert row.stakeholder_shares["patient-organisations"] == 0.0
    assert set(row.stakeholder_counts) == set(row.stakeholder_shares) == all_type_slugs()
    assert not row.stakeholder_info_missing


def test_a_country_without_types_is_missing_stakeholder_information():
    expert("IT", 1)
    expert("IT", 2)

    summary = selectors.composition_summary()
    row = country_row(summary, "IT")

    assert row.stakeholder_info_missing
    assert row.most_represented == []
    # No share at all, rather than 0% of every type.
    assert set(row.stakeholder_shares.values()) == {None}
    assert all("IT" not in codes for codes in summary.countries_by_stakeholder_type.values())


def test_a_country_without_working_groups_is_missing_working_group_information():
    expert("HU", None, type_slug="elsi")
    expert("HU", None, type_slug="elsi")
    expert("ES", None, 4, type_slug="elsi")

    summary = selectors.composition_summary()

    hu, es = country_row(summary, "HU"), country_row(summary, "ES")
    assert (hu.working_groups, hu.working_group_info_missing, hu.memberships) == ([], True, 2)
    assert (es.working_groups, es.working_group_info_missing, es.memberships) == ([4], False, 2)


def test_a_seat_in_a_working_groups_mirror_group_covers_that_working_group():
    group = MirrorGroup.objects.create(
        country=Country.objects.get(code="DK"),
        kind=MirrorGroup.Kind.WORKING_GROUP,
        working_group=WorkingGroup.objects.get(number=9),
        name="Cancer",
    )
    person = expert("DK")
    factories.MembershipFactory(expert=person, working_group=None, mirror_group=group)

    row = country_row(selectors.composition_summary(), "DK")

    assert (row.working_groups, row.working_group_info_missing) == ([9], False)


def test_all_working_groups_means_every_active_one():
    expert("FI", *range(1, 11))
    expert("DE", *range(1, 12))

    assert selectors.composition_summary().countries_with_all_working_groups == ["DE"]

    WorkingGroup.objects.filter(number=11).update(is_active=False)
    summary = selectors.composition_summary()

    assert summary.countries_with_all_working_groups == ["DE", "FI"]
    assert country_row(summary, "FI").covers_all_working_groups


def test_all_stakeholder_types_means_all_ten():
    slugs = sorted(all_type_slugs())
    for slug in slugs:
        expert("ES", 1, type_slug=slug)
    for slug in slugs[:-1]:
        expert("PT", 1, type_slug=slug)

    summary = selectors.composition_summary()

    assert len(slugs) == 10
    assert summary.countries_with_all_stakeholder_types == ["ES"]
    assert summary.countries_by_stakeholder_type[slugs[-1]] == ["ES"]
    assert summary.countries_by_stakeholder_type[slugs[0]] == ["ES", "PT"]


def test_sizes_fall_into_bands_and_genders_are_counted():
    expert("CY", 1, gender="male")
    for gender in ["female"] * 6 + ["male"] * 2 + ["undisclosed", ""]:
        expert("LV", 1, gender=gender)

    summary = selectors.composition_summary()

    bands = {band.label: band.countries for band in summary.size_distribution}
    assert bands == {"1-9": ["CY"], "10-20": ["LV"], "21-50": [], "51-100": [], "101+": []}
    assert summary.size_distribution[-1].maximum is None
    assert country_row(summary, "LV").gender == {
        "female": 6,
        "male": 2,
        "other": 0,
        "undisclosed": 1,
        "unknown": 1,
    }


def test_countries_without_experts_are_left_out_and_nothing_divides_by_zero():
    summary = selectors.composition_summary()

    assert summary.countries == summary.countries_submitted == []
    assert summary.countries_by_stakeholder_type == {slug: [] for slug in all_type_slugs()}
    assert all(band.countries == [] for band in summary.size_distribution)


def all_type_slugs():
    return set(StakeholderType.objects.values_list("slug", flat=True))


# --- configuration_models ---------------------------------------------------------------


def groups(code, *kinds):
    country = Country.objects.get(code=code)
    numbers = iter(range(1, 12))
    for i, kind in enumerate(kinds):
        MirrorGroup.objects.create(
            country=country,
            kind=kind,
            name=f"{code} group {i}",
            working_group=(
                WorkingGroup.objects.get(number=next(numbers))
                if kind == MirrorGroup.Kind.WORKING_GROUP
                else None
            ),
        )


@pytest.mark.parametrize(
    ("kinds", "model"),
    [
        (["core", "operational", "forum"], "core_group"),
        (["core"], "core_group"),
        (["core", "working_group", "working_group"], "core_group"),
        (["working_group", "working_group"], "group_per_working_group"),
        (["single", *["working_group"] * 4], "group_per_working_group"),
        (["single"], "single_group"),
        (["working_group"], "single_group"),
        (["operational", "forum"], "single_group"),
    ],
)
def test_the_configuration_model_is_derived_from_the_groups(kinds, model):
    groups("FI", *kinds)

    (row,) = selectors.configuration_models().countries

    assert (row.country, row.model, row.groups) == ("FI", model, len(kinds))
    assert row.model_label == selectors.CONFIGURATION_MODELS[model]


def test_model_labels_are_those_of_section_6():
    assert selectors.CONFIGURATION_MODELS == {
        "core_group": "Core group with operational subgroup and/or forum",
        "group_per_working_group": "One group per working group",
        "single_group": "A single group",
    }


def test_configuration_models_cross_tabulate_health_system_and_population():
    Country.objects.filter(code="IS").update(health_system="", population_millions=None)
    groups("FI", "core", "forum")  # nhs, 5.5
    groups("ES", *["working_group"] * 11)  # nhs, 47.3
    groups("DE", "single")  # insurance, 83.2
    groups("IS", "single")  # unknown
    groups("EL", "single")  # mixed, 10.7

    result = selectors.configuration_models()

    assert [c.country for c in result.countries] == ["DE", "EL", "ES", "FI", "IS"]
    assert result.by_health_system.rows == [
        "core_group",
        "group_per_working_group",
        "single_group",
    ]
    assert result.by_health_system.columns == ["nhs", "insurance", "mixed", "unknown"]
    assert result.by_health_system.counts == {
        "core_group": {"nhs": ["FI"], "insurance": [], "mixed": [], "unknown": []},
        "group_per_working_group": {"nhs": ["ES"], "insurance": [], "mixed": [], "unknown": []},
        "single_group": {"nhs": [], "insurance": ["DE"], "mixed": ["EL"], "unknown": ["IS"]},
    }
    assert result.by_population.counts["single_group"] == {
        "under 5 million": [],
        "5 to 20 million": ["EL"],
        "over 20 million": ["DE"],
        "unknown": ["IS"],
    }
    iceland = result.countries[-1]
    assert (iceland.health_system, iceland.population_millions) == ("", None)


def test_countries_without_mirror_groups_are_not_listed():
    assert selectors.configuration_models().countries == []


@pytest.mark.parametrize(
    ("millions", "band"),
    [
        (None, "unknown"),
        (Decimal("0.4"), "under 5 million"),
        (Decimal("4.9"), "under 5 million"),
        (Decimal("5.0"), "5 to 20 million"),
        (Decimal("20.0"), "5 to 20 million"),
        (Decimal("20.1"), "over 20 million"),
    ],
)
def test_population_bands(millions, band):
    assert selectors.population_band(millions) == band


# --- targets_progress -------------------------------------------------------------------


def stage_round(slug, opens_on, invited, answers, drafts=()):
    survey = make_round(*invited, slug=slug, opens_on=opens_on)
    stage = choice(survey, "nmg_stage", "planning", "constructing", "operational")
    for code, value in answers.items():
        respond(survey, code, {stage: value})
    for code in drafts:
        respond(survey, code, {stage: "operational"}, submitted=False)
    return survey


def test_targets_are_measured_on_every_round_oldest_first():
    stage_round(
        "round-2023",
        datetime.date(2023, 1, 1),
        ["ES", "IT", "PT", "FI"],
        {"ES": "operational", "IT": "operational"},
        drafts=["PT"],
    )
    stage_round(
        "round-2022",
        datetime.date(2022, 1, 1),
        ["ES", "IT", "PT", "FI"],
        {"ES": "operational", "IT": "operational", "PT": "operational", "FI": "planning"},
    )

    progress = {t.slug: t for t in selectors.targets_progress()}
    operational = progress["operational-nmgs-2021"]

    assert [r.survey for r in operational.rounds] == ["nmg-survey-2020", "round-2022", "round-2023"]
    shipped, met, not_met = operational.rounds
    assert (shipped.invited, shipped.answered, shipped.count, shipped.met) == (24, 0, 0, False)
    assert (shipped.share_of_answered, shipped.share_of_invited) == (0.0, 0.0)
    # 3 of 4 invited: exactly the 75% threshold.
    assert (met.answered, met.count, met.share_of_invited, met.met) == (4, 3, 0.75, True)
    # Every answer operational, but only 2 of the 4 invited answered (a draft does not count).
    assert (not_met.answered, not_met.count) == (2, 2)
    assert (not_met.share_of_answered, not_met.share_of_invited, not_met.met) == (1.0, 0.5, False)
    assert operational.threshold == Decimal("0.75")
    assert operational.answer_values == ["operational"]


def test_a_target_over_several_answers_counts_each_of_them():
    stage_round(
        "round-2022",
        datetime.date(2022, 1, 1),
        ["ES", "IT", "PT"],
        {"ES": "constructing", "IT": "operational", "PT": "planning"},
    )

    progress = {t.slug: t for t in selectors.targets_progress()}
    (_, measurement) = progress["constructing-nmgs-2021"].rounds

    assert (measurement.count, measurement.share_of_invited) == (2, 0.6667)
    assert not measurement.met


def test_a_round_without_the_question_is_not_measured():
    make_round("ES")

    for target in selectors.targets_progress():
        assert [r.survey for r in target.rounds] == ["nmg-survey-2020"]


# --- round_comparison -------------------------------------------------------------------


def test_round_comparison_lists_changes_in_country_and_question_order():
    before = make_round("ES", "IT", "PT", slug="before")
    after = make_round("ES", "IT", "FI", slug="after")
    old_stage = choice(before, "nmg_stage", "planning", "constructing", order=1)
    old_funding = choice(before, "funding", "yes", "no", order=2)
    old_notes = text(before, "notes", order=3)
    text(before, "dropped", order=4)
    new_notes = text(after, "notes", order=1)
    new_stage = choice(after, "nmg_stage", "planning", "constructing", order=2)
    new_funding = choice(after, "funding", "yes", "no", order=3)
    text(after, "added", order=4)
    respond(before, "ES", {old_stage: "planning", old_funding: "yes", old_notes: "same"})
    respond(after, "ES", {new_stage: "constructing", new_funding: "yes", new_notes: "same"})
    respond(before, "IT", {old_stage: "planning", old_notes: "old words"})
    respond(after, "IT", {new_notes: "new words"})
    respond(before, "PT", {old_stage: "planning"})
    respond(after, "FI", {new_stage: "planning"})
    respond(after, "PT", {new_stage: "constructing"}, submitted=False)

    comparison = two_rounds.round_comparison(before=before, after=after)

    assert (comparison.before, comparison.after) == ("before", "after")
    assert comparison.common_questions == ["notes", "nmg_stage", "funding"]
    assert comparison.changes == [
        two_rounds.AnswerChange(
            "ES", "nmg_stage", "planning", "constructing", "Planning", "Constructing"
        ),
        two_rounds.AnswerChange("IT", "notes", "old words", "new words", "old words", "new words"),
        two_rounds.AnswerChange("IT", "nmg_stage", "planning", "", "Planning", ""),
    ]
    # ES's funding and notes; IT's funding, blank in both rounds, is neither.
    assert comparison.unchanged == 2
    assert comparison.both == ["ES", "IT"]
    assert comparison.only_before == ["PT"]
    assert comparison.only_after == ["FI"]


def test_round_comparison_explains_each_question_and_counts_moves_against_the_targets():
    before, after = make_round(slug="before"), make_round(slug="after")
    stages = ("planning", "constructing", "operational")
    old_stage = choice(before, "nmg_stage", *stages, order=1)
    old_notes = text(before, "notes", order=2)
    new_stage = choice(after, "nmg_stage", *stages, order=1)
    new_notes = text(after, "notes", order=2)
    Question.objects.filter(pk=new_stage.pk).update(text="How far is the group?")
    for code, was, now in (("ES", "planning", "operational"), ("IT", "operational", "planning")):
        respond(before, code, {old_stage: was, old_notes: "same"})
        respond(after, code, {new_stage: now, new_notes: "same"})
    respond(before, "PT", {old_stage: "planning"})
    respond(after, "PT", {new_stage: "planning"})

    stage, notes = two_rounds.round_comparison(before=before, after=after).questions

    assert (stage.code, stage.text, stage.options) == (
        "nmg_stage",
        "How far is the group?",
        ["Planning", "Constructing", "Operational"],
    )
    # The roadmap targets measured on the stage (surveys' data migration), by due date.
    assert stage.targets == [
        two_rounds.TargetAnswers(
            "All countries at least constructing their NMG", ["Constructing", "Operational"]
        ),
        two_rounds.TargetAnswers(
            "At least 75% of countries have an operational NMG", ["Operational"]
        ),
    ]
    assert (stage.changed, stage.unchanged, stage.improved, stage.worsened) == (2, 1, 1, 1)
    assert (notes.options, notes.targets) == ([], [])
    assert (notes.changed, notes.unchanged, notes.improved, notes.worsened) == (0, 2, 0, 0)


def test_comparing_rounds_without_responses_gives_nothing():
    before, after = make_round("ES", slug="before"), make_round("ES", slug="after")
    choice(before, "funding", "yes", "no")
    choice(after, "funding", "yes", "no")

    comparison = two_rounds.round_comparison(before=before, after=after)

    assert comparison.common_questions == ["funding"]
    assert (comparison.changes, comparison.unchanged, comparison.both) == ([], 0, [])
    assert comparison.only_before == comparison.only_after == []


def test_share_is_zero_over_nothing():
    assert selectors.share(0, 0) == 0.0
    assert selectors.share(2, 3) == 0.6667
