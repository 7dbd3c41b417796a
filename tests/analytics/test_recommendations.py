"""The deliverable's recommendations applied country by country: the rules on a round where
each fires and does not, through the selector, the JSON and CSV API, the round's page with
its downloads, and each country's profile; fixed query counts; and the demo's outcomes."""

import csv
import datetime
import io
import zoneinfo

import openpyxl
import pytest
from django.urls import reverse

from analytics.recommendations import RULES, AnswerIs, Rule, round_recommendations
from compositions.services.file_import import import_composition
from nmg_registry.models import Country, StakeholderType
from surveys.models import Question, Survey
from tests import factories
from tests.compositions.test_import import csv_file
from tests.conftest import answer
from tests.demo.test_demo_data import OPTION_COUNTS

pytestmark = pytest.mark.django_db

ROUND = "nmg-survey-2020"  # shipped: closed on 2021-03-31, inviting the 24 signatories then
BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
RECEIVED = datetime.datetime(2020, 11, 15, 12, tzinfo=BRUSSELS)  # before the round closed
PATIENTS = "patient-organisations"
INDUSTRY = "industry-private-sector"
RESEARCH = "research-university"
NO_COMPOSITION = "no composition sent as of 2021-03-31"
# Questions this module's rules read, each of the shipped round's questions answered well.
ALL_WELL = {
    "scientific_coordinator": "yes",
    "national_contact_point": "yes",
    "nmg_stage": "operational",
    "formalised": "yes",
    "governance_structure": "yes",
    "engagement": "yes",
    "member_activity": "4",
    "funding": "yes",
}
# Per country, the recommendations that apply with their evidence, and those not judged.
EXPECTED = {
    "BE": {
        "profiles_contacts": ["scientific_coordinator: No"],
        "stage": ["nmg_stage: Planning/preparing"],
        "establishment": ["formalised: No"],
        "engagement": ["engagement: No"],
        "funding": ["funding: No"],
    },
    "CY": {
        "profiles_contacts": ["national_contact_point: No"],
        "stage": ["nmg_stage: No tangible activities yet"],
        "establishment": ["governance_structure: No"],
        "engagement": ["member_activity: 2"],
        "stakeholders": ["no expert of type Industry/Private sector"],
    },
    # Its patient organisation joined after the round closed: as of the round, none.
    "ES": {"stakeholders": ["no expert of type Patients organisations"]},
    "FI": {
        "engagement": ["member_activity: 1 (not active)"],
        "stakeholders": [NO_COMPOSITION],
    },
    # Its composition arrived after the round closed.
    "IT": {
        "engagement": ["engagement: No", "member_activity: not answered"],
        "stakeholders": [NO_COMPOSITION],
    },
    "LU": {},
}
FI_NOT_JUDGED = {
    "profiles_contacts": ["scientific_coordinator: not answered"],
    "establishment": ["governance_structure: not answered"],
    "funding": ["funding: not answered"],
}


def respond(survey, code, answers):
    response = factories.submitted_response(survey=survey, country=factories.country(code))
    for question, value in answers.items():
        answer(response, question, value)
    return response


def composition(*members, as_of=RECEIVED):
    """Experts (country, stakeholder type) received by file at `as_of`."""
    lines = [
        f"{code},1,expert,{slug},Institute {i},Expert {code} {i},Member,female,,{code}{i}@ex.org"
        for i, (code, slug) in enumerate(members)
    ]
    import_composition(data=csv_file(*lines), filename="nmg.csv", as_of=as_of)


@pytest.fixture
def data(db):
    """The shipped 2020 round answered so that each rule's every branch fires for one
    country and not for another; FI leaves questions blank, DE keeps a draft, the other
    invited countries do not respond. ES and IT send experts after the round closed."""
    survey = Survey.objects.get(slug=ROUND)
    respond(
        survey,
        "BE",
        ALL_WELL
        | {
            "scientific_coordinator": "no",
            "nmg_stage": "planning",
            "formalised": "no",
            "engagement": "no",
            "member_activity": "3",
            "funding": "no",
        },
    )
    respond(
        survey,
        "CY",
        ALL_WELL
        | {
            "national_contact_point": "no",
            "nmg_stage": "no_tangible_activities",
            "governance_structure": "no",
            "member_activity": "2",
        },
    )
    respond(survey, "ES", ALL_WELL | {"scientific_coordinator": "same_as_wg1"})
    blank = ("scientific_coordinator", "governance_structure", "funding")
    respond(
        survey,
        "FI",
        {q: v for q, v in ALL_WELL.items() if q not in blank} | {"member_activity": "1"},
    )
    respond(
        survey,
        "IT",
        {q: v for q, v in ALL_WELL.items() if q != "member_activity"} | {"engagement": "no"},
    )
    respond(survey, "LU", ALL_WELL)
    factories.ResponseFactory(survey=survey, country=factories.country("DE"))  # a draft
    composition(
        ("BE", PATIENTS),
        ("BE", INDUSTRY),
        ("CY", PATIENTS),
        ("CY", RESEARCH),
        ("ES", INDUSTRY),
        ("ES", RESEARCH),
        ("LU", PATIENTS),
        ("LU", INDUSTRY),
    )
    # After the round closed: ES's patient organisation, IT's first experts.
    factories.ExpertFactory(
        country=factories.country("ES"), stakeholder_type=factories.stakeholder_type(PATIENTS)
    )
    for slug in (PATIENTS, INDUSTRY):
        factories.ExpertFactory(
            country=factories.country("IT"), stakeholder_type=factories.stakeholder_type(slug)
        )
    return survey


@pytest.fixture
def reader(client, cast):
    client.force_login(cast.viewer)
    return client


def outcomes(result) -> dict[str, dict[str, list[str]]]:
    return {c.country: {a.code: a.evidence for a in c.recommendations} for c in result.responding()}


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


# --- the rules ----------------------------------------------------------------------------


def test_each_rule_applies_with_its_evidence_and_not_otherwise(data):
    result = round_recommendations(survey=data)

    assert outcomes(result) == EXPECTED
    assert [rule.code for rule in result.rules] == [
        "profiles_contacts",
        "stage",
        "establishment",
        "engagement",
        "funding",
        "stakeholders",
    ]
    assert {code: result.count(code) for code in ("funding", "engagement", "stakeholders")} == {
        "funding": 1,
        "engagement": 4,
        "stakeholders": 4,
    }


def test_an_unanswered_question_never_makes_a_rule_apply_and_the_evidence_says_so(data):
    fi = round_recommendations(survey=data).country("FI")

    assert {a.code: a.evidence for a in fi.undetermined} == FI_NOT_JUDGED
    assert fi.applied("funding") is None


def test_invited_countries_that_did_not_respond_are_listed_without_rules(data):
    result = round_recommendations(survey=data)

    invited = sorted(data.invited_countries.values_list("code", flat=True))
    assert [c.country for c in result.countries] == invited
    silent = [c for c in result.countries if not c.responded]
    assert [c.country for c in silent] == sorted(set(invited) - set(EXPECTED))
    assert "DE" in [c.country for c in silent]  # a draft is not a response
    assert all(c.recommendations == [] and c.undetermined == [] for c in silent)


def test_the_composition_is_taken_as_the_round_closed_not_now(data):
    result = round_recommendations(survey=data)

    assert result.composition_date == datetime.date(2021, 3, 31)
    # Today ES has a patient organisation and IT both types: the present would not apply.
    assert result.country("ES").applied("stakeholders").evidence == [
        "no expert of type Patients organisations"
    ]
    assert result.country("IT").applied("stakeholders").evidence == [NO_COMPOSITION]


def test_an_open_round_reads_the_compositions_now_and_names_the_questions_it_does_not_ask(data):
    later = factories.SurveyFactory(slug="round-2024", status=Survey.Status.OPEN)
    stage = factories.QuestionFactory(survey=later, code="nmg_stage", kind=Question.Kind.CHOICE)
    factories.add_options(stage, "planning", "operational")
    later.invited_countries.add(*Country.objects.filter(code__in=["ES", "IT"]))
    respond(later, "ES", {"nmg_stage": "planning"})

    result = round_recommendations(survey=later)
    es = result.country("ES")

    assert result.composition_at is None
    assert {a.code: a.evidence for a in es.recommendations} == {"stage": ["nmg_stage: Planning"]}
    assert {a.code: a.evidence for a in es.undetermined}["profiles_contacts"] == [
        "scientific_coordinator: not asked in this round",
        "national_contact_point: not asked in this round",
    ]
    assert {a.code for a in es.undetermined} == {
        "profiles_contacts",
        "establishment",
        "engagement",
        "funding",
    }
    assert not result.country("IT").responded


def test_a_composition_without_any_stakeholder_type_says_so(data):
    composition(("NL", ""))
    respond(data, "NL", ALL_WELL)

    nl = round_recommendations(survey=data).country("NL")

    assert nl.applied("stakeholders").evidence == [
        "no expert of type Patients organisations",
        "no expert of type Industry/Private sector",
        "no expert's stakeholder type is recorded",
    ]


def test_the_rules_are_data_wp6_can_change_in_one_place(data):
    stricter = Rule(
        code="funding",
        title="Funding",
        text="Fund them.",
        answers=(AnswerIs("funding", ("no",)), AnswerIs("member_activity", ("1",))),
    )

    result = round_recommendations(survey=data, rules=[stricter])

    assert result.applied_to("funding") == ["BE", "FI"]
    assert result.country("FI").applied("funding").evidence == [
        "funding: not answered",
        "member_activity: 1 (not active)",
    ]
    assert stricter.condition == (
        "the answer to funding is “no”; or the answer to member_activity is “1”"
    )
    stakeholders = next(rule for rule in RULES if rule.code == "stakeholders")
    assert "“patient-organisations” or “industry-private-sector”" in stakeholders.condition


def test_the_stakeholder_types_are_named_as_the_database_names_them(data):
    StakeholderType.objects.filter(slug=PATIENTS).update(label="Patient associations")

    es = round_recommendations(survey=data).country("ES")

    assert es.applied("stakeholders").evidence == ["no expert of type Patient associations"]


def more_respondents(survey, countries: int, *, with_experts: bool = False) -> list[str]:
    """The first `countries` invited countries not yet in the fixture respond (and send
    experts): each answers so that `funding` applies."""
    invited = survey.invited_countries.order_by("code").values_list("code", flat=True)
    added = [code for code in invited if code not in EXPECTED and code != "DE"][:countries]
    for code in added:
        respond(survey, code, ALL_WELL | {"funding": "no"})
        if with_experts:
            composition((code, PATIENTS), (code, RESEARCH))
    return added


@pytest.mark.parametrize("countries", [1, 17])
def test_round_recommendations_cost_fixed_queries(data, django_assert_num_queries, countries):
    added = more_respondents(data, countries, with_experts=True)
    # The invited countries, the responses with their answers, the round's questions, the
    # experts as the round closed, the stakeholder types' labels.
    with django_assert_num_queries(5):
        result = round_recommendations(survey=data)

    assert result.applied_to("funding") == sorted(["BE", *added])
    assert all(result.country(code).applied("stakeholders") for code in added)


# --- the API ------------------------------------------------------------------------------


def api_url(slug=ROUND):
    return reverse("analytics-api:survey-recommendations", args=[slug])


def test_the_json_lists_the_rules_and_each_country_with_its_evidence(reader, data):
    body = reader.get(api_url()).json()

    assert set(body) == {"survey", "rules", "countries"}
    assert body["survey"] == ROUND
    assert [set(rule) for rule in body["rules"]] == [{"code", "title", "text"}] * 6
    funding = next(rule for rule in body["rules"] if rule["code"] == "funding")
    assert funding["text"].startswith("Ways should be sought through which the work of the NMGs")
    countries = {c["country"]: c for c in body["countries"]}
    assert [c["country"] for c in body["countries"]] == sorted(countries)
    assert {frozenset(c) for c in body["countries"]} == {
        frozenset({"country", "responded", "recommendations", "not_judged"})
    }
    assert {
        code: {r["code"]: r["evidence"] for r in c["recommendations"]}
        for code, c in countries.items()
        if c["responded"]
    } == EXPECTED
    assert countries["AT"] == {
        "country": "AT",
        "responded": False,
        "recommendations": [],
        "not_judged": [],
    }
    # A blank answer does not make a rule apply, and is not taken for a good answer either.
    not_judged = {
        code: {r["code"]: r["evidence"] for r in c["not_judged"]}
        for code, c in countries.items()
        if c["not_judged"]
    }
    assert not_judged
    assert all(
        any("not answered" in e or "not asked" in e for e in evidence)
        for rules in not_judged.values()
        for evidence in rules.values()
    )


def test_the_csv_has_a_row_per_country_and_recommendation(reader, data):
    header, *rows = csv_rows(reader.get(api_url(), {"format": "csv"}))

    assert header == [
        "country",
        "responded",
        "not_judged",
        "recommendations.code",
        "recommendations.evidence",
    ]
    assert ["IT", "true", "engagement", "engagement: No; member_activity: not answered"] in [
        row[:2] + row[3:] for row in rows
    ]
    assert ["AT", "false", "", "", ""] in rows
    assert len([row for row in rows if row[0] == "BE"]) == 5


def test_the_api_is_for_readers_of_the_aggregates(client, data, cast, settings):
    assert client.get(api_url()).status_code in (401, 403)
    client.force_login(cast.viewer)
    assert client.get(api_url()).status_code == 200
    client.logout()
    settings.NMG_PUBLIC_AGGREGATES = True
    assert client.get(api_url()).status_code == 200


def test_a_draft_round_is_for_staff_alone_and_an_unknown_round_a_404_naming_it(client, cast):
    factories.SurveyFactory(slug="round-draft", status=Survey.Status.DRAFT)
    client.force_login(cast.viewer)

    for slug in ("round-draft", "no-such-round"):
        response = client.get(api_url(slug))
        assert response.status_code == 404
        assert response.json() == {"detail": f'No survey round "{slug}".'}
    client.force_login(cast.staff)
    assert client.get(api_url("round-draft")).status_code == 200


def test_the_schema_documents_the_endpoint(client, db):
    schema = client.get("/api/schema/?format=json").json()

    operation = schema["paths"]["/api/v1/surveys/{slug}/recommendations/"]["get"]
    assert operation["operationId"] == "survey_recommendations"


@pytest.mark.parametrize("countries", [1, 17])
def test_the_api_costs_fixed_queries(reader, data, django_assert_num_queries, countries):
    added = more_respondents(data, countries)
    # The session and its user, the round by its slug, then the selector's five.
    with django_assert_num_queries(2 + 1 + 5):
        body = reader.get(api_url()).json()

    assert sum(c["responded"] for c in body["countries"]) == len(EXPECTED) + len(added)


# --- the page -----------------------------------------------------------------------------


def page_url(slug=ROUND):
    return reverse("analytics:round-recommendations", args=[slug])


def test_the_page_shows_the_counts_the_matrix_with_evidence_and_the_rules(reader, data):
    page = reader.get(page_url()).content.decode()

    assert "<strong>1 of 6 countries</strong>: Funding or specific assignment" in page
    assert "<strong>4 of 6 countries</strong>: Engagement between NMGs and initiative" in page
    # The mark, its evidence on hover and written beneath it.
    assert 'title="member_activity: 1 (not active)"' in page
    assert '<span class="cell-note">member_activity: 1 (not active)</span>' in page
    stakeholders = "Stakeholders\N{RIGHT SINGLE QUOTATION MARK} representation"
    assert f"<strong>{stakeholders}</strong>: no expert of type Patients" in page
    assert "Not judged, Funding or specific assignment: funding: not answered" in page
    assert "Invited but did not respond" in page and "Austria (AT)" in page
    assert "Ways should be sought through which the work of the NMGs is funded" in page
    assert "the answer to funding is “no”" in page


def test_the_matrix_and_the_counts_download(reader, data):
    header, *rows = csv_rows(
        reader.get(page_url(), {"download": "recommendations", "format": "csv"})
    )
    counts = csv_rows(reader.get(page_url(), {"download": "recommendation_counts"}))
    workbook = reader.get(page_url(), {"download": "recommendations", "format": "xlsx"})

    assert header[:6] == [
        "Country",
        "Country name",
        "Responded",
        "profiles_contacts",
        "profiles_contacts evidence",
        "stage",
    ]
    cyprus = next(row for row in rows if row[0] == "CY")
    assert cyprus[2:5] == ["yes", "yes", "national_contact_point: No"]
    finland = dict(zip(header, next(row for row in rows if row[0] == "FI"), strict=True))
    assert (finland["funding"], finland["funding evidence"]) == (
        "not judged",
        "funding: not answered",
    )
    assert (finland["stage"], finland["stage evidence"]) == ("no", "")
    austria = next(row for row in rows if row[0] == "AT")
    assert austria[2] == "no" and set(austria[3:]) == {""}
    assert counts[0] == [
        "Recommendation",
        "Code",
        "Countries",
        "Responding countries",
        "Share",
        "Which countries",
        "Not judged (a question not answered or not asked)",
    ]
    assert counts[5] == [
        "Funding or specific assignment",
        "funding",
        "1",
        "6",
        "0.1667",
        "BE",
        "FI",
    ]
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.content)).worksheets[0]
    assert sheet.max_row == len(rows) + 1


def test_the_round_page_links_to_its_recommendations(reader, data):
    page = reader.get(reverse("analytics:round", args=[ROUND])).content.decode()

    assert f'href="{page_url()}"' in page


def test_the_page_of_a_draft_or_unknown_round_is_a_404_but_for_staff(client, cast):
    factories.SurveyFactory(slug="round-draft", status=Survey.Status.DRAFT, title="Borrador")
    client.force_login(cast.viewer)

    assert client.get(page_url("round-draft")).status_code == 404
    missing = client.get(page_url("no-such-round"))
    assert missing.status_code == 404
    assert "no-such-round" in missing.content.decode()
    client.force_login(cast.staff)
    assert "Draft" in client.get(page_url("round-draft")).content.decode()


def test_anonymous_visitors_sign_in_before_the_page(client, data):
    response = client.get(page_url())

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- the country profile ------------------------------------------------------------------

# The profile's section: the latest closed round (1), and its recommendations (5); pinned
# with the whole profile in tests/nmg_registry/test_country_pages.py.
RECOMMENDATION_QUERIES = 1 + 5


def profile(client, code) -> str:
    response = client.get(f"/countries/{code}/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_profile_shows_the_recommendations_of_the_latest_closed_round(reader, data):
    page = profile(reader, "CY")

    assert '<h2 id="recommendations-heading">Recommendations</h2>' in page
    assert "National Mirror Groups survey 2020" in page
    assert "Stakeholders\N{RIGHT SINGLE QUOTATION MARK} representation" in page
    assert "(no expert of type Industry/Private sector)" in page
    assert "(member_activity: 2)" in page
    assert "Funding or specific assignment" not in page


def test_a_profile_says_why_there_is_no_recommendation(reader, data):
    assert "Finland" in profile(reader, "FI") and "funding: not answered" in profile(reader, "FI")
    assert "Germany did not respond to National Mirror Groups survey 2020." in profile(reader, "DE")
    assert "Poland was not invited to National Mirror Groups survey 2020" in profile(reader, "PL")
    assert "None of the deliverable&#x27;s recommendations applies to Luxembourg" in profile(
        reader, "LU"
    )
    Survey.objects.filter(slug=ROUND).update(status=Survey.Status.OPEN)
    assert "No survey round has closed yet" in profile(reader, "CY")


# --- the demo -----------------------------------------------------------------------------


def test_the_demo_round_gives_the_deliverables_figures(reader, settings):
    from tests.assessment import load_demo

    load_demo(settings)

    body = reader.get(api_url()).json()
    applied = {
        rule["code"]: [
            c["country"]
            for c in body["countries"]
            if rule["code"] in {r["code"] for r in c["recommendations"]}
        ]
        for rule in body["rules"]
    }
    # The single-question rules count what the published table of section 5.1 counts.
    assert len(applied["funding"]) == OPTION_COUNTS["funding"]["no"] == 13
    assert applied["funding"] == (
        ["BE", "BG", "CY", "CZ", "DE", "HR", "HU", "LU", "LV", "MT", "NL", "NO", "UK"]
    )
    stages = OPTION_COUNTS["nmg_stage"]
    assert len(applied["stage"]) == stages["no_tangible_activities"] + stages["planning"]
    # Only Bulgaria had both patients' and industry's representatives as the round closed.
    assert sorted({c["country"] for c in body["countries"] if c["responded"]}) == sorted(
        [*applied["stakeholders"], "BG"]
    )
    uk = next(c for c in body["countries"] if c["country"] == "UK")
    assert {r["code"]: r["evidence"] for r in uk["recommendations"]}["stakeholders"] == [
        NO_COMPOSITION
    ]
    page = reader.get(page_url()).content.decode()
    assert "<strong>13 of 19 countries</strong>: Funding or specific assignment" in page
