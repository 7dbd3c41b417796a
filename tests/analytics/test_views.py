"""The assessment dashboards: who may see them, what they show from the demo data, their
table downloads, their empty states, and a fixed number of queries per page."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import escape

from compositions.models import Membership
from nmg_registry.models import Country, MirrorGroup, StakeholderType, WorkingGroup
from surveys.models import Answer, Question, QuestionOption, Survey, Target
from tests import factories
from tests.assessment import ASSESSMENT_PAGES, DEMO_ROUND

pytestmark = pytest.mark.django_db

SURVEY = DEMO_ROUND
# The quotes around stakeholder types in the findings.
Q, P = "\N{LEFT SINGLE QUOTATION MARK}", "\N{RIGHT SINGLE QUOTATION MARK}"


def page_text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_rows(response) -> list[list]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


# --- access --------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ASSESSMENT_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("url", ASSESSMENT_PAGES)
def test_downloads_are_closed_to_anonymous_visitors_too(client, url):
    response = client.get(url, {"download": "rounds", "format": "csv"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("url", ASSESSMENT_PAGES)
def test_every_page_opens_for_a_viewer(viewer, demo, url):
    page = page_text(viewer.get(url))

    assert "<h1>" in page
    assert "Demo data." in page


@pytest.mark.parametrize("url", ASSESSMENT_PAGES)
def test_every_page_opens_to_anonymous_visitors_when_aggregates_are_public(
    client, demo, settings, url
):
    settings.NMG_PUBLIC_AGGREGATES = True

    page = page_text(client.get(url))

    assert "Sign in" in page


def test_pages_answer_only_get(viewer, demo):
    assert viewer.post("/").status_code == 405
    assert viewer.post("/assessment/composition/").status_code == 405


# --- the dashboard -------------------------------------------------------------------------


def test_dashboard_shows_the_latest_round_at_a_glance(viewer, demo):
    page = page_text(viewer.get("/"))

    assert "National Mirror Groups survey 2020" in page
    assert "19 of 24" in page
    assert "invited countries responded" in page
    # The operational share against the 75% target, from targets_progress.
    assert "4/18" in page
    assert "4 of 24 (16.67%)" in page
    assert "Target 75%" in page
    assert "not met" in page
    # The stage distribution as a chart and as a table, and the map of Europe.
    assert 'id="stage-chart" role="img"' in page
    assert 'id="stage-map" role="img"' in page
    assert "<title>Spain (ES): 4: Operational</title>" in page
    assert "<title>United Kingdom (UK): Responded, stage not given</title>" in page
    assert "<title>Austria (AT): Invited, no response</title>" in page
    assert "<title>France (FR): Not invited to the round</title>" in page
    assert "ES, FI, IT, LT" in page


def test_dashboard_picks_the_most_recently_opened_published_round(viewer, demo):
    factories.SurveyFactory(
        slug="later-draft",
        title="A draft round",
        status="draft",
        opens_on=datetime.date(2030, 1, 1),
    )
    factories.SurveyFactory(
        slug="earlier",
        title="An earlier round",
        status="closed",
        opens_on=datetime.date(2019, 1, 1),
    )

    page = page_text(viewer.get("/"))

    assert (
        'The results of the latest closed survey round: <a href="/assessment/rounds/'
        'nmg-survey-2020/">' in page
    )
    assert "A draft round" not in page


def test_dashboard_says_when_there_is_no_round_yet(viewer):
    Survey.objects.update(status="draft")

    page = page_text(viewer.get("/"))

    assert "No survey round has been opened yet." in page
    assert "/assessment/composition/" in page


def test_dashboard_says_when_nobody_has_responded_yet(viewer):
    page = page_text(viewer.get("/"))

    assert "0 of 24" in page
    assert "No country has submitted a response to this round yet." in page


def test_dashboard_of_a_round_without_the_stage_question_says_so(viewer, demo):
    factories.SurveyFactory(
        slug="short-round",
        title="A short round",
        status="closed",
        opens_on=datetime.date(2030, 1, 1),
    )

    page = page_text(viewer.get("/"))

    assert "A short round" in page
    assert "This round does not ask for the stage of the mirror groups." in page
    assert "No roadmap target is measured on this round." in page


def test_dashboard_downloads_its_stage_table(viewer, demo):
    response = viewer.get("/", {"download": "stages", "format": "csv"})

    assert response["Content-Disposition"] == 'attachment; filename="dashboard-stages.csv"'
    assert csv_rows(response) == [
        ["Stage", "Countries", "Countries (share)", "Which countries"],
        ["1: No tangible activities yet", "1", "0.0556", "HR"],
        ["2: Planning/preparing", "6", "0.3333", "BE, CY, HU, LU, MT, NO"],
        ["3: Constructing/starting up", "7", "0.3889", "BG, CZ, DE, DK, LV, NL, PT"],
        ["4: Operational", "4", "0.2222", "ES, FI, IT, LT"],
        ["Responded, stage not given", "", "", "UK"],
        ["Invited, no response", "", "", "AT, EE, EL, SE, SI"],
    ]


# --- a round -------------------------------------------------------------------------------


def test_round_page_lays_out_section_5_1(viewer, demo):
    page = page_text(viewer.get(f"/assessment/rounds/{SURVEY}/"))

    assert "<strong>19 of 24</strong> invited countries responded" in page
    assert "BE, BG, CY, CZ, DE, DK, ES, FI, HR, HU, IT, LT, LU, LV, MT, NL, NO, PT, UK" in page
    assert "Did not respond: AT, EE, EL, SE, SI." in page
    # Each option as a count over the answers, with its share.
    assert "3/19" in page
    assert '4/18<span class="cell-note">22.22%</span>' in page
    assert '15/19<span class="cell-note">78.95%</span>' in page
    # The footnote of the deliverable, generated from the data.
    assert "18 answers because UK did not answer this question." in page
    assert '<a href="#note-1" id="note-ref-1">' in page
    # An option a question does not have is a dash, as in the deliverable.
    assert "not an option of this question" in page
    # Text questions: how many answered.
    assert "Open questions" in page


def test_round_page_says_when_nobody_has_responded_yet(viewer):
    page = page_text(viewer.get(f"/assessment/rounds/{SURVEY}/"))

    assert "<strong>0 of 24</strong> invited countries responded" in page
    assert "No country has submitted a response to this round yet." in page


def test_round_page_has_a_picker_that_works_without_script(viewer, demo):
    page = page_text(viewer.get(f"/assessment/rounds/{SURVEY}/"))

    assert '<form class="picker" method="get" action="/assessment/rounds/">' in page
    assert '<label for="round-picker">Survey round</label>' in page
    assert f'<option value="{SURVEY}" selected>' in page

    response = viewer.get("/assessment/rounds/", {"round": SURVEY})

    assert response.status_code == 302
    assert response["Location"] == f"/assessment/rounds/{SURVEY}/"


def test_round_list_says_when_the_picked_round_does_not_exist(viewer, demo):
    page = page_text(viewer.get("/assessment/rounds/", {"round": "no-such-round"}))

    assert "There is no open or closed round “no-such-round”" in page
    assert "19 of 24" in page


def test_draft_and_unknown_rounds_have_no_page(viewer):
    factories.SurveyFactory(slug="in-preparation", status="draft")

    assert viewer.get("/assessment/rounds/in-preparation/").status_code == 404
    assert viewer.get("/assessment/rounds/no-such-round/").status_code == 404


def test_round_table_downloads_as_csv_with_counts_and_shares(viewer, demo):
    response = viewer.get(
        f"/assessment/rounds/{SURVEY}/", {"download": "functioning_1", "format": "csv"}
    )

    assert response["Content-Disposition"] == f'attachment; filename="{SURVEY}-functioning_1.csv"'
    header, stage = csv_rows(response)
    assert header == [
        "Question",
        "No tangible activities yet",
        "No tangible activities yet (share)",
        "Planning/preparing",
        "Planning/preparing (share)",
        "Constructing/starting up",
        "Constructing/starting up (share)",
        "Operational",
        "Operational (share)",
        "Answered",
        "Question code",
        "Did not answer",
    ]
    assert stage[1:] == [
        "1",
        "0.0556",
        "6",
        "0.3333",
        "7",
        "0.3889",
        "4",
        "0.2222",
        "18",
        "nmg_stage",
        "UK",
    ]


def test_round_table_downloads_as_xlsx_with_numbers_as_numbers(viewer, demo):
    response = viewer.get(
        f"/assessment/rounds/{SURVEY}/", {"download": "profile", "format": "xlsx"}
    )

    rows = xlsx_rows(response)
    assert rows[0][:7] == [
        "Question",
        "Yes",
        "Yes (share)",
        "No",
        "No (share)",
        "Same as WG1 representative",
        "Same as WG1 representative (share)",
    ]
    by_code = {row[8]: row for row in rows[1:]}
    assert by_code["scientific_coordinator"][1:8] == [3, 0.1579, 9, 0.4737, 7, 0.3684, 19]
    assert by_code["additional_figure"][5:7] == [None, None]


def test_a_download_of_an_unknown_table_or_format_is_a_404(viewer, demo):
    assert viewer.get("/", {"download": "no-such-table"}).status_code == 404
    assert viewer.get("/", {"download": "stages", "format": "pdf"}).status_code == 404


def test_a_formula_in_a_question_text_is_neutralised_in_downloads(viewer, demo):
    Question.objects.filter(survey=demo, code="funding").update(
        text='=HYPERLINK("http://evil.example","Click")'
    )
    url = f"/assessment/rounds/{SURVEY}/"

    rows = csv_rows(viewer.get(url, {"download": "functioning_2", "format": "csv"}))
    workbook = openpyxl.load_workbook(
        io.BytesIO(viewer.get(url, {"download": "functioning_2", "format": "xlsx"}).content)
    )

    assert ['\'=HYPERLINK("http://evil.example","Click")', "6", "0.3158"] in [
        row[:3] for row in rows
    ]
    cell = next(c for c in workbook.worksheets[0]["A"] if str(c.value).startswith("=HYPER"))
    assert cell.data_type == "s"
    assert cell.quotePrefix


def test_a_formula_in_a_country_name_is_neutralised_in_composition_downloads(viewer, demo):
    Country.objects.filter(code="CY").update(name="@SUM(1+1)*cmd|' /C calc'!A0")

    rows = csv_rows(viewer.get("/assessment/composition/", {"download": "sizes"}))

    assert ["CY", "'@SUM(1+1)*cmd|' /C calc'!A0", "1", "1", "1-9"] in rows


# --- composition ---------------------------------------------------------------------------


def test_composition_page_writes_the_findings_of_5_2_from_the_data(viewer, demo):
    page = page_text(viewer.get("/assessment/composition/"))

    assert "12 countries have submitted the composition" in page
    assert "Only 4 (DE, ES, FI and IT) of the 12 have experts in all the initiative" in page
    assert "HU has not said which working group their experts belong to." in page
    assert "The most common size is 10-20 experts (9 countries)." in page
    assert f"In LV the most represented group is {Q}Clinical communities{P} (40%)." in page
    assert (
        f"In LT the most represented groups are {Q}Research/University{P} (33.33%) and "
        f"{Q}Clinical communities{P} (33.33%)." in page
    )
    assert (
        f"In PT the most represented group is {Q}Ministry/Agency/Executive/Policy Maker{P} "
        "(41.67%)." in page
    )
    assert f"Only one country (BG) has representatives of {Q}Patients organisations{P}." in page
    assert f"Only one country (ES) has representatives of {Q}Funding Agencies{P}." in page
    assert (
        "6 countries (BG, CZ, DE, ES, FI and PT) have representatives of "
        f"{Q}Industry/Private sector{P}." in page
    )
    assert "DK and IT have not said which type of stakeholder their experts are." in page
    assert "No country has representatives of all types of stakeholders." in page


def test_composition_page_shows_matrix_heatmap_sizes_and_gender(viewer, demo):
    page = page_text(viewer.get("/assessment/composition/"))

    # Working-group matrix: ticks with words for screen readers.
    assert '<span aria-hidden="true">✓</span><span class="visually-hidden">yes</span>' in page
    # Heatmap: the share as text, the shade only reinforcing it.
    assert '<td class="num heat-4">100%<span class="cell-note">1 of 1</span></td>' in page
    assert '<td class="num heat-2">40%<span class="cell-note">4 of 10</span></td>' in page
    # Sizes as a chart and a band table; gender with its totals.
    assert 'id="size-chart" role="img"' in page
    assert "BG, CZ, DE, DK, FI, HU, LT, LV, PT" in page
    assert "All countries" in page
    # Aggregates only: no person is named.
    assert "Demo Expert" not in page
    assert "@example.org" not in page


def test_composition_working_group_matrix_downloads(viewer, demo):
    rows = csv_rows(viewer.get("/assessment/composition/", {"download": "working_groups"}))

    header = rows[0]
    assert header[:4] == ["Country", "Country name", "WG1", "WG2"]
    assert header[-1] == "All active"
    by_code = {row[0]: row for row in rows[1:]}
    assert by_code["ES"][2:] == ["yes"] * 12
    assert by_code["CY"][2:4] == ["yes", "no"]
    assert by_code["HU"][2] == "not given"


def test_composition_page_says_when_nothing_was_submitted(viewer):
    page = page_text(viewer.get("/assessment/composition/"))

    assert "No country has submitted the composition of its mirror groups yet." in page


# --- targets, models, comparison ---------------------------------------------------------


def test_targets_page_charts_each_target_against_its_threshold(viewer, demo):
    page = page_text(viewer.get("/assessment/targets/"))

    assert "At least 75% of countries have an operational NMG" in page
    assert "All countries at least constructing their NMG" in page
    assert 'id="target-chart-0" role="img"' in page
    assert "Target 75%" in page and "Target 100%" in page
    assert "16.67%" in page and "22.22%" in page


def test_targets_table_downloads(viewer, demo):
    rows = csv_rows(
        viewer.get("/assessment/targets/", {"download": "target_operational_nmgs_2021"})
    )

    assert rows == [
        [
            "Round",
            "Opened",
            "Invited",
            "Answered",
            "Counted",
            "Share of answering",
            "Share of invited",
            "Met (75% of invited)",
        ],
        [
            "National Mirror Groups survey 2020",
            "2020-10-01",
            "24",
            "18",
            "4",
            "0.2222",
            "0.1667",
            "no",
        ],
    ]


def test_targets_page_says_when_no_target_is_defined(viewer):
    Target.objects.all().delete()

    page = page_text(viewer.get("/assessment/targets/"))

    assert "No roadmap target has been defined." in page


def test_models_page_shows_each_countrys_model_and_the_cross_tabs(viewer, demo):
    page = page_text(viewer.get("/assessment/configuration-models/"))

    assert "Core group with operational subgroup and/or forum" in page
    assert "DK, ES, IT" in page
    assert "BG, CZ, DE, LT" in page

    rows = csv_rows(
        viewer.get("/assessment/configuration-models/", {"download": "by_health_system"})
    )
    assert rows[0][:3] == [
        "Configuration model",
        "National health service (Beveridge)",
        "National health service (Beveridge) (countries)",
    ]
    assert rows[2][:3] == ["One group per working group", "3", "DK, ES, IT"]


def test_models_page_says_when_no_group_is_recorded(viewer):
    page = page_text(viewer.get("/assessment/configuration-models/"))

    assert "No country has recorded its mirror groups yet." in page


def second_round(demo, *, answers):
    """A later round with the same questions, open, with submitted responses."""
    call_command(
        "clone_survey",
        SURVEY,
        "nmg-survey-2022",
        title="NMG survey 2022",
        opens="2022-10-01",
        closes="2023-01-31",
        stdout=io.StringIO(),
    )
    survey = Survey.objects.get(slug="nmg-survey-2022")
    survey.status = Survey.Status.OPEN
    survey.save()
    for code, given in answers.items():
        respond(survey, code, given)
    return survey


def respond(survey, code, given):
    response = factories.submitted_response(survey=survey, country=factories.country(code))
    survey.invited_countries.add(response.country)
    for question_code, value in given.items():
        question = Question.objects.get(survey=survey, code=question_code)
        option = QuestionOption.objects.get(question=question, value=value)
        Answer.objects.create(response=response, question=question, option=option)


def test_comparison_lists_changes_and_who_answered_one_round_only(viewer, demo):
    second_round(
        demo,
        answers={
            "ES": {"nmg_stage": "operational"},
            "NO": {"nmg_stage": "constructing"},
            "AT": {"nmg_stage": "planning"},
        },
    )

    page = page_text(viewer.get("/assessment/compare/"))

    assert '<option value="nmg-survey-2020" selected>' in page
    assert '<option value="nmg-survey-2022" selected>' in page
    assert "Only to NMG survey 2022: AT" in page
    rows = csv_rows(viewer.get("/assessment/compare/", {"download": "changes"}))
    assert [
        "NO",
        STAGE_TEXT,
        "nmg_stage",
        "Planning/preparing",
        "planning",
        "Constructing/starting up",
        "constructing",
    ] in rows


STAGE_TEXT = "At what stage is the establishment of the country's 1+MG National Mirror Group?"


def test_comparison_names_questions_by_text_and_explains_what_each_counts(viewer, demo):
    second_round(
        demo,
        answers={
            "ES": {"nmg_stage": "operational"},  # was operational
            "NO": {"nmg_stage": "constructing"},  # was planning
            "DK": {"nmg_stage": "operational"},  # was constructing
            "IT": {"nmg_stage": "planning", "funding": "yes"},  # was operational; yes
        },
    )
    page = page_text(viewer.get("/assessment/compare/"))

    assert "The questions compared" in page
    assert f'<th scope="row">{escape(STAGE_TEXT)}</th>' in page
    assert "<td>nmg_stage</td>" not in page
    rows = csv_rows(viewer.get("/assessment/compare/", {"download": "questions"}))
    assert rows[0] == [
        "Question",
        "Question (code)",
        "What is compared",
        "Counts as an improvement",
        "Changed",
        "Unchanged",
        "Improved",
        "Went back",
    ]
    by_code = {row[1]: row for row in rows[1:]}
    # NO and DK move into a target's answers, IT out of both; ES stays operational.
    assert by_code["nmg_stage"] == [
        STAGE_TEXT,
        "nmg_stage",
        "The option chosen, one of: No tangible activities yet · Planning/preparing · "
        "Constructing/starting up · Operational",
        "A move to “Constructing/starting up” or “Operational” (target “All countries at "
        "least constructing their NMG”); A move to “Operational” (target “At least 75% of "
        "countries have an operational NMG”)",
        "3",
        "1",
        "2",
        "1",
    ]
    funding = by_code["funding"]
    assert funding[3] == "Nothing: no roadmap target is measured on this question"
    assert funding[6:] == ["", ""]
    assert by_code["wg1_representative"][2] == "The text as written: any edit counts as a change"


def test_comparison_of_a_round_with_itself_is_refused_with_a_message(viewer, demo):
    second_round(demo, answers={})

    response = viewer.get("/assessment/compare/", {"before": SURVEY, "after": SURVEY})

    assert response.status_code == 400
    assert "Choose two different rounds." in response.content.decode()


def test_comparison_needs_two_rounds(viewer, demo):
    page = page_text(viewer.get("/assessment/compare/"))

    assert "A comparison needs two open or closed survey rounds" in page


def test_navigation_links_every_assessment_page(viewer, demo):
    page = page_text(viewer.get("/assessment/targets/"))

    for name in ("rounds", "composition", "targets", "models", "compare"):
        assert f'href="{reverse(f"analytics:{name}")}"' in page
    assert f'<a href="{reverse("analytics:targets")}" aria-current="page">Targets</a>' in page


# --- fixed queries -------------------------------------------------------------------------


def populate(count: int):
    """`count` countries with everything the pages read: an invitation to two published
    rounds and a submitted response to each, experts in working groups, a mirror group."""
    codes = list(Country.objects.order_by("code").values_list("code", flat=True))[:count]
    first = Survey.objects.get(slug=SURVEY)
    call_command(
        "clone_survey",
        SURVEY,
        "nmg-survey-2022",
        title="NMG survey 2022",
        opens="2022-10-01",
        stdout=io.StringIO(),
    )
    second = Survey.objects.get(slug="nmg-survey-2022")
    second.status = Survey.Status.OPEN
    second.save()
    first.invited_countries.clear()
    stages = ["no_tangible_activities", "planning", "constructing", "operational"]
    types = list(StakeholderType.objects.order_by("order"))
    groups = list(WorkingGroup.objects.order_by("number"))
    for index, code in enumerate(codes):
        for shift, survey in enumerate((first, second)):
            respond(
                survey,
                code,
                {"nmg_stage": stages[(index + shift) % 4], "funding": "yes" if index % 2 else "no"},
            )
        country = factories.country(code)
        typed = factories.ExpertFactory(country=country, stakeholder_type=types[index % 10])
        factories.MembershipFactory(expert=typed, working_group=groups[index % 11])
        factories.MembershipFactory(expert=typed, working_group=groups[(index + 3) % 11])
        untyped = factories.ExpertFactory(country=country, gender="")
        factories.MembershipFactory(expert=untyped, working_group=None)
        factories.MirrorGroupFactory(country=country, kind=MirrorGroup.Kind.SINGLE)
    return codes


# Pinned. Every page: the session, the user, the demo-data notice (3); then what it reads.
QUERIES = {
    # countries and rounds (2), the open and closed rounds (1), the open round's progress
    # (2), the latest closed round's summary (4), the targets (3), the stage of each country
    # from the round's answers as the policy shows them (4)
    "/": 19,
    # the rounds for the picker (1), the rounds with their counts and the countries (2)
    "/assessment/rounds/": 6,
    # the round (1), its summary (4), the rounds for the picker (1)
    f"/assessment/rounds/{SURVEY}/": 9,
    # the round (1), the recommendations (5)
    f"/assessment/rounds/{SURVEY}/recommendations/": 9,
    # the composition summary with the types' labels and active working groups (4), whose
    # experts the reader may read, for the gender counts (1), the rounds for the picker (1)
    "/assessment/composition/": 9,
    # the targets measured on every round (3)
    "/assessment/targets/": 6,
    # the configuration models (1)
    "/assessment/configuration-models/": 4,
    # the rounds (1), the comparison (3)
    "/assessment/compare/": 7,
}
# A download renders no page: no demo-data notice.
DOWNLOAD_QUERIES = QUERIES["/assessment/composition/"] - 1


@pytest.mark.parametrize("countries", [2, 30])
@pytest.mark.parametrize("url", ASSESSMENT_PAGES)
def test_each_page_costs_the_same_queries_for_2_and_30_countries(
    viewer, django_assert_num_queries, countries, url
):
    codes = populate(countries)

    with django_assert_num_queries(QUERIES[url]):
        page = page_text(viewer.get(url))

    if url in ("/assessment/rounds/", "/assessment/targets/"):
        # Pages of counts: every country invited and responding.
        assert f"{countries} of {countries}" in page or f'<td class="num">{countries}</td>' in page
    else:
        assert codes[-1] in page


@pytest.mark.parametrize("countries", [2, 30])
def test_a_download_costs_the_same_queries_for_2_and_30_countries(
    viewer, django_assert_num_queries, countries
):
    populate(countries)

    with django_assert_num_queries(DOWNLOAD_QUERIES):
        rows = csv_rows(viewer.get("/assessment/composition/", {"download": "sizes"}))

    assert len(rows) == countries + 1
    assert Membership.objects.count() == countries * 3
