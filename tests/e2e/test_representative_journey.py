"""A representative's journey in a real browser: a representative of Spain signs in, keeps
the NMG record, adds an expert, uploads a composition file, answers the open round (draft,
then submit) and is refused another country's expert; WP6 staff then see Spain's response
on the round's status page. Every page of the journey passes axe-core's serious and
critical rules."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from compositions.models import Expert, Membership
from nmg_registry.models import Country, WorkingGroup
from surveys.models import Question, Response, Survey
from tests import factories
from tests.e2e.axe import describe, serious_violations
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROUND_SLUG = "nmg-survey-2025"
ROUND_TITLE = "NMG survey 2025"
OPENS_ON = datetime.date(2025, 10, 1)
STAGE_QUESTION = "At what stage is your NMG?"
WG1_QUESTION = "Who is your WG1 representative?"
ROADMAP = "https://www.sanidad.gob.es/1mg-roadmap"
HEADER = "country,working_group,role,stakeholder_type,institution,name,position,gender,region,email"
COMPOSITION = [
    "ES,WG3,coordinator,research-university,ISCIII,Ana García,Researcher,female,Madrid,"
    "ana@example.org",
    "ES,1,expert,clinical-communities,CNAG,Luis Pérez,Clinician,male,,luis@example.org",
]


def open_round(*, slug=ROUND_SLUG, title=ROUND_TITLE, status=Survey.Status.OPEN, opens_on=OPENS_ON):
    """A round inviting Spain with a choice question and a text question."""
    survey = factories.SurveyFactory(
        slug=slug,
        title=title,
        status=status,
        opens_on=opens_on,
        closes_on=opens_on + datetime.timedelta(days=120),
    )
    survey.invited_countries.set(Country.objects.filter(code="ES"))
    stage = factories.QuestionFactory(
        survey=survey,
        code="nmg_stage",
        section=Question.Section.FUNCTIONING,
        kind=Question.Kind.CHOICE,
        text=STAGE_QUESTION,
        order=2,
    )
    factories.add_options(stage, "planning", "operational")
    factories.QuestionFactory(
        survey=survey,
        code="wg1_representative",
        section=Question.Section.PROFILE,
        kind=Question.Kind.TEXT,
        text=WG1_QUESTION,
        order=1,
    )
    return survey


def messages(page):
    """The confirmations shown above the page's content."""
    return page.locator("ul.messages")


def write_composition(tmp_path):
    path = tmp_path / "composition.csv"
    path.write_text("\n".join([HEADER, *COMPOSITION]) + "\n", encoding="utf-8")
    return path


def test_a_representative_keeps_spain_and_answers_the_round(
    live_server, page, new_context, tmp_path
):
    representative = factories.make_representative(
        "lucia", "ES", first_name="Lucía", last_name="García"
    )
    factories.make_staff("wp6", password=factories.TEST_PASSWORD)
    survey = open_round()
    giulia = factories.ExpertFactory(country=Country.objects.get(code="IT"), name="Giulia Rossi")
    wg1 = WorkingGroup.objects.get(number=1)

    # Signing in lands on My countries.
    sign_in(page, live_server, "lucia")
    expect(page).to_have_url(f"{live_server.url}/my-countries/")
    expect(page.get_by_role("heading", name="My countries", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Spain (ES)", level=2)).to_be_visible()

    # The NMG record: the roadmap's address.
    page.get_by_role("link", name="Edit record of Spain").click()
    expect(page.get_by_role("heading", name="Edit the record of Spain")).to_be_visible()
    page.get_by_label("National 1+MG roadmap").fill(ROADMAP)
    page.get_by_role("button", name="Save the record").click()
    expect(messages(page)).to_have_text("The record of Spain was saved.")
    expect(page).to_have_url(f"{live_server.url}/countries/ES/")
    expect(page.get_by_role("link", name=ROADMAP)).to_be_visible()

    # One expert with one seat.
    page.get_by_role("list", name="Actions on this country").get_by_role(
        "link", name="Experts"
    ).click()
    expect(page.get_by_role("heading", name="Experts of Spain")).to_be_visible()
    expect(page.get_by_text("Spain has no experts in the registry yet")).to_be_visible()
    page.get_by_role("link", name="Add an expert").click()
    page.get_by_label("Name").fill("Marta Ruiz")
    page.get_by_label("Institution").fill("Hospital La Paz")
    page.get_by_label("E-mail").fill("marta@example.org")
    page.get_by_label("Seat 1: working group").select_option(str(wg1.pk))
    page.get_by_role("button", name="Add the expert").click()
    expect(messages(page)).to_have_text("Expert “Marta Ruiz” added to Spain.")
    marta_row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Marta Ruiz"))
    expect(marta_row).to_contain_text("Hospital La Paz")
    expect(marta_row).to_contain_text("WG1 expert")
    expect(page.locator(".result-count")).to_have_text("1 expert")

    # The composition file: a preview of what it creates, then the import.
    page.get_by_role("link", name="Upload composition file").click()
    page.get_by_label("Composition file").set_input_files(write_composition(tmp_path))
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", name="Preview of composition.csv")).to_be_visible()
    changes = page.get_by_role("table", name="What the import will change")
    expect(changes.get_by_role("row", name="Experts")).to_have_text(re.compile(r"Experts\s*2\s*0"))
    expect(page.get_by_text("line 2: create expert Ana García (ES)")).to_be_visible()
    expect(page.get_by_text("line 3: create expert Luis Pérez (ES)")).to_be_visible()
    assert Expert.objects.filter(country__code="ES").count() == 1  # nothing written yet
    page.get_by_role("button", name="Confirm import").click()
    expect(messages(page)).to_contain_text("Imported composition.csv. experts: 2 created")
    expect(page.get_by_role("heading", name="Experts of Spain")).to_be_visible()
    expect(page.locator(".result-count")).to_have_text("3 experts")
    for name in ("Ana García", "Luis Pérez", "Marta Ruiz"):
        expect(page.get_by_role("rowheader", name=name)).to_be_visible()

    # The open round, from My countries: a draft, then the submission.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My countries").click()
    rounds = page.get_by_role("table", name="Open survey rounds for Spain")
    expect(rounds.get_by_role("row", name=re.compile(ROUND_TITLE))).to_contain_text("not started")
    rounds.get_by_role("link", name=f"Answer {ROUND_TITLE} for Spain").click()
    expect(page.get_by_role("heading", name=f"{ROUND_TITLE}: Spain (ES)")).to_be_visible()
    expect(page.locator(".response-status")).to_contain_text("Not started")
    page.get_by_role("group", name=STAGE_QUESTION).get_by_role("radio", name="Operational").check()
    page.get_by_label(WG1_QUESTION).fill("Lucía García, ISCIII")
    page.get_by_role("button", name="Save draft").click()
    expect(messages(page)).to_have_text("Draft saved.")
    expect(page.locator(".response-status")).to_contain_text("Draft, last saved")

    page.reload()
    expect(page.get_by_role("radio", name="Operational")).to_be_checked()
    expect(page.get_by_label(WG1_QUESTION)).to_have_value("Lucía García, ISCIII")
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(messages(page)).to_have_text("Response submitted.")
    expect(page.locator(".response-status")).to_contain_text("Submitted on")
    expect(page.locator(".response-status")).to_contain_text("by Lucía García")

    # Another country's expert, addressed by URL: refused.
    refused = page.goto(f"{live_server.url}/countries/IT/experts/{giulia.pk}/")
    assert refused.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.get_by_text("You may not see or change the experts of Italy.")).to_be_visible()
    expect(page.get_by_text("Giulia Rossi")).to_have_count(0)

    # WP6 staff follow the round: Spain submitted, by whom and when.
    response = Response.objects.get(survey=survey, country__code="ES")
    staff_page = new_context().new_page()
    sign_in(staff_page, live_server, "wp6")
    staff_page.goto(f"{live_server.url}/admin/surveys/survey/{survey.pk}/status/")
    expect(staff_page.get_by_role("heading", name=f"Round status: {ROUND_TITLE}")).to_be_visible()
    spain = staff_page.get_by_role("row").filter(
        has=staff_page.get_by_role("rowheader", name="ES Spain")
    )
    submitted_at = timezone.localtime(response.submitted_at).strftime("%Y-%m-%d %H:%M")
    expect(spain.get_by_role("cell")).to_have_text(
        [
            "submitted",
            re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d"),
            submitted_at,
            "Lucía García",
            "2",
            "1",
        ]
    )
    expect(staff_page.locator(".round-facts")).to_contain_text(re.compile(r"Submitted\s*1"))

    # What the registry now holds.
    spain_record = Country.objects.get(code="ES")
    assert spain_record.national_roadmap_url == ROADMAP
    assert spain_record.history.first().history_user == representative
    assert set(Expert.objects.filter(country__code="ES").values_list("name", flat=True)) == {
        "Ana García",
        "Luis Pérez",
        "Marta Ruiz",
    }
    seats = Membership.objects.filter(expert__country__code="ES")
    assert sorted(
        (m.expert.name, m.working_group.number, m.role)
        for m in seats.select_related("expert", "working_group")
    ) == [
        ("Ana García", 3, "coordinator"),
        ("Luis Pérez", 1, "expert"),
        ("Marta Ruiz", 1, "expert"),
    ]
    assert list(Expert.objects.filter(country__code="IT").values_list("name", flat=True)) == [
        "Giulia Rossi"
    ]
    assert response.status == Response.Status.SUBMITTED
    assert response.submitted_by == representative
    assert {
        answer.question.code: answer.option.value if answer.option else answer.text
        for answer in response.answers.select_related("question", "option")
    } == {"nmg_stage": "operational", "wg1_representative": "Lucía García, ISCIII"}


def answered_closed_round():
    """An earlier round, closed, that Spain answered."""
    survey = open_round(
        slug="nmg-survey-2023",
        title="NMG survey 2023",
        status=Survey.Status.CLOSED,
        opens_on=datetime.date(2023, 10, 1),
    )
    response = factories.submitted_response(survey=survey)
    stage = survey.questions.get(code="nmg_stage")
    factories.AnswerFactory(
        response=response, question=stage, option=stage.options.get(value="planning"), text=""
    )
    factories.AnswerFactory(
        response=response,
        question=survey.questions.get(code="wg1_representative"),
        text="Ana García, ISCIII",
    )
    return survey


def test_every_page_of_the_journey_passes_axe_serious_and_critical_rules(
    live_server, page, new_context, settings, tmp_path
):
    settings.AXES_FAILURE_LIMIT = 2
    factories.make_representative("lucia", "ES", first_name="Lucía", last_name="García")
    open_round()
    closed = answered_closed_round()
    expert = factories.ExpertFactory(name="Marta Ruiz")
    factories.MembershipFactory(expert=expert)
    failures = {}

    def check(name):
        expect(page.locator("h1")).to_be_visible()
        if violations := serious_violations(page):
            failures[name] = describe(violations)

    def visit(path):
        page.goto(f"{live_server.url}{path}")
        check(path)

    sign_in(page, live_server, "lucia")
    check("/my-countries/")
    visit("/countries/ES/")

    visit("/countries/ES/edit/")
    page.get_by_label("National 1+MG roadmap").fill("not a web address")
    page.get_by_role("button", name="Save the record").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was saved")
    expect(page.get_by_label("National 1+MG roadmap")).to_have_attribute("aria-invalid", "true")
    check("/countries/ES/edit/ with an invalid address")
    page.get_by_label("National 1+MG roadmap").fill(ROADMAP)
    page.get_by_role("button", name="Save the record").click()
    expect(messages(page)).to_have_text("The record of Spain was saved.")
    check("/countries/ES/ after a save")

    visit("/countries/ES/experts/")
    visit("/countries/ES/experts/add/")
    page.get_by_role("button", name="Add the expert").click()
    expect(page.get_by_role("alert")).to_contain_text("The expert was not saved")
    check("/countries/ES/experts/add/ without a name")

    visit("/countries/ES/composition/upload/")
    page.get_by_label("Composition file").set_input_files(write_composition(tmp_path))
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("button", name="Confirm import")).to_be_visible()
    check("/countries/ES/composition/upload/ preview")

    visit(f"/surveys/{ROUND_SLUG}/answer/ES/")
    expect(page.get_by_text("Answers prefilled from NMG survey 2023")).to_be_visible()
    visit(f"/surveys/{closed.slug}/answer/ES/")
    expect(page.get_by_text("Ana García, ISCIII")).to_be_visible()
    expect(page.get_by_role("button", name="Submit")).to_have_count(0)
    visit("/surveys/")
    visit("/countries/ES/history/")
    expect(page.get_by_text(ROADMAP).first).to_be_visible()
    visit("/accounts/password_change/")

    # The lockout page, for a browser that keeps failing to sign in.
    page = new_context().new_page()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill("lucia")
        page.get_by_label("Password").fill("not-the-password")
        page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Sign-in locked")).to_be_visible()
    check("the lockout page")

    assert not failures, "\n\n".join(f"{name}\n{text}" for name, text in failures.items())
