"""After `load_demo_data`, the JSON API reproduces the published figures of deliverable
D6.6: the survey table of section 5.1, the composition results of 5.2, the three models of
section 6 and the roadmap targets of section 7."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests import factories
from tests.demo.test_demo_data import OPTION_COUNTS  # the published table of section 5.1

pytestmark = pytest.mark.django_db

ROUND = "nmg-survey-2020"


def codes(text: str) -> list[str]:
    return text.split()


RESPONDENTS = codes("BE BG CY CZ DE DK ES FI HR HU IT LT LU LV MT NL NO PT UK")
COMPOSITIONS = codes("BG CY CZ DE DK ES FI HU IT LT LV PT")


@pytest.fixture
def api(client, settings):
    """A signed-in reader's client over the demo data set."""
    settings.DEBUG = True
    call_command("load_demo_data")
    client.force_login(factories.UserFactory(username="reader"))

    def get(name, *args):
        response = client.get(reverse(f"analytics-api:{name}", args=args))
        assert response.status_code == 200
        return response.json()

    return get


def test_survey_summary_is_the_table_of_section_5_1(api):
    summary = api("survey-summary", ROUND)
    questions = {q["code"]: q for q in summary["questions"]}

    assert (summary["invited"], summary["respondents"]) == (24, 19)
    assert summary["respondent_countries"] == RESPONDENTS
    assert summary["non_respondent_countries"] == ["AT", "EE", "EL", "SE", "SI"]
    for code, counts in OPTION_COUNTS.items():
        question = questions[code]
        assert {o["value"]: o["count"] for o in question["options"]} == counts, code
        assert question["answered"] == sum(counts.values()), code
    assert [o["value"] for o in questions["scientific_coordinator"]["options"]] == [
        "yes",
        "no",
        "same_as_wg1",
    ]
    assert questions["wg1_representative"]["options"] == []


def test_the_stage_is_over_18_answers_because_the_uk_did_not_answer(api):
    stage = next(q for q in api("survey-summary", ROUND)["questions"] if q["code"] == "nmg_stage")

    assert (stage["answered"], stage["not_answered"]) == (18, ["UK"])
    shares = {o["value"]: o["share"] for o in stage["options"]}
    # Section 6: "Only 22.22% consider that their NMGs are 'Operational'".
    assert shares == {
        "no_tangible_activities": 0.0556,
        "planning": 0.3333,
        "constructing": 0.3889,
        "operational": 0.2222,
    }


def test_funding_is_31_6_percent_as_section_6_says(api):
    funding = next(q for q in api("survey-summary", ROUND)["questions"] if q["code"] == "funding")

    assert funding["options"][0] == {"value": "yes", "label": "Yes", "count": 6, "share": 0.3158}


def test_composition_summary_is_section_5_2(api):
    summary = api("composition-summary")
    countries = {c["country"]: c for c in summary["countries"]}
    by_type = summary["countries_by_stakeholder_type"]

    assert summary["countries_submitted"] == COMPOSITIONS == list(countries)
    assert summary["countries_with_all_working_groups"] == ["DE", "ES", "FI", "IT"]
    assert [c for c, row in countries.items() if row["working_group_info_missing"]] == ["HU"]
    assert [c for c, row in countries.items() if row["stakeholder_info_missing"]] == ["DK", "IT"]
    assert countries["CY"]["experts"] == 1
    assert 65 <= countries["IT"]["experts"] <= 75
    assert 65 <= countries["ES"]["experts"] <= 75
    bands = {band["label"]: band["countries"] for band in summary["size_distribution"]}
    assert bands["10-20"] == ["BG", "CZ", "DE", "DK", "FI", "HU", "LT", "LV", "PT"]
    assert bands["51-100"] == ["ES", "IT"]
    assert summary["countries_with_all_stakeholder_types"] == []
    assert by_type["patient-organisations"] == ["BG"]
    assert by_type["funding-agencies"] == ["ES"]
    assert by_type["industry-private-sector"] == ["BG", "CZ", "DE", "ES", "FI", "PT"]


def test_research_leads_except_in_lv_lt_and_pt(api):
    countries = {c["country"]: c for c in api("composition-summary")["countries"]}
    lv, lt, pt = countries["LV"], countries["LT"], countries["PT"]

    assert lv["most_represented"] == ["clinical-communities"]
    assert lv["stakeholder_shares"]["clinical-communities"] == 0.4
    assert lt["most_represented"] == ["research-university", "clinical-communities"]
    assert lt["stakeholder_shares"]["research-university"] == 0.3333
    assert lt["stakeholder_shares"]["clinical-communities"] == 0.3333
    assert pt["most_represented"] == ["ministry-agency-policy-maker"]
    assert pt["stakeholder_shares"]["ministry-agency-policy-maker"] == 0.4167
    others = set(COMPOSITIONS) - {"LV", "LT", "PT", "DK", "IT"}
    assert {c: countries[c]["most_represented"] for c in others} == {
        c: ["research-university"] for c in others
    }
    assert countries["IT"]["most_represented"] == countries["DK"]["most_represented"] == []


def test_the_three_configuration_models_of_section_6(api):
    result = api("configuration-model-list")
    models = {c["country"]: c["model"] for c in result["countries"]}

    assert models == {
        "FI": "core_group",
        "DK": "group_per_working_group",
        "ES": "group_per_working_group",
        "IT": "group_per_working_group",
        **dict.fromkeys(("BG", "CZ", "DE", "LT", "LV", "PT"), "single_group"),
    }
    # Section 6: the big countries with a national health service have a group per WG.
    assert result["by_health_system"]["counts"]["group_per_working_group"]["nhs"] == [
        "DK",
        "ES",
        "IT",
    ]
    assert result["by_population"]["counts"]["group_per_working_group"]["over 20 million"] == [
        "ES",
        "IT",
    ]


def test_the_roadmap_targets_of_section_7_are_not_met_in_2020(api):
    targets = {t["slug"]: t["rounds"] for t in api("target-list")}

    (operational,) = targets["operational-nmgs-2021"]
    (constructing,) = targets["constructing-nmgs-2021"]
    assert (operational["invited"], operational["answered"], operational["count"]) == (24, 18, 4)
    assert operational["share_of_answered"] == 0.2222
    assert operational["share_of_invited"] == 0.1667
    assert not operational["met"]
    assert (constructing["count"], constructing["share_of_answered"]) == (11, 0.6111)
    assert not constructing["met"]


def test_a_round_compared_with_itself_has_no_changes(api):
    comparison = api("survey-compare", ROUND, ROUND)

    assert comparison["changes"] == []
    assert comparison["both"] == RESPONDENTS
    assert comparison["only_before"] == comparison["only_after"] == []
