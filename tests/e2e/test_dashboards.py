"""The dashboards in a real browser: a staff member signs in, reads the charts, downloads a
table, and every assessment page passes axe-core's serious and critical rules. The set-up
also refreshes the README's screenshot of the dashboard."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from surveys.models import Survey
from surveys.services.rounds import clone_survey, open_round
from tests import factories
from tests.assessment import ASSESSMENT_PAGES, DEMO_ROUND, load_demo
from tests.e2e.axe import describe, serious_violations

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SCREENSHOT = Path(settings.BASE_DIR) / "docs" / "screenshot-dashboard.png"
SURVEY = DEMO_ROUND


@pytest.fixture
def staff_page(live_server, page, settings):
    """The demo data loaded and a WP6 staff member signed in through the login form."""
    load_demo(settings)
    factories.make_staff("wp6browser", password=factories.TEST_PASSWORD)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("wp6browser")
    page.get_by_label("Password").fill(factories.TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="National Mirror Groups at a glance")).to_be_visible()
    save_readme_screenshot(page)
    return page


def save_readme_screenshot(page):
    """The README's picture of the dashboard, retaken on each run; a read-only checkout
    (e.g. a packaged source tree) just keeps the one it has."""
    try:
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=str(SCREENSHOT),
            clip={"x": 0, "y": 0, "width": 1280, "height": 1800},
            full_page=True,
        )
    except OSError:
        pass


def test_staff_member_reads_the_dashboard_charts(staff_page):
    page = staff_page

    expect(page.locator("svg#stage-chart[role=img]")).to_be_visible()
    expect(page.locator("svg#stage-map[role=img]")).to_be_visible()
    expect(page.locator("svg#target-0[role=img]")).to_be_visible()
    expect(page.locator(".key-value").first).to_have_text("19 of 24")
    expect(page.get_by_role("cell", name="ES, FI, IT, LT")).to_be_visible()
    assert SCREENSHOT.exists()


def test_staff_member_picks_a_round_and_reads_section_5_1(staff_page):
    page = staff_page

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Survey results").click()
    page.get_by_label("Survey round", exact=True).select_option(SURVEY)
    page.get_by_role("button", name="Show round").click()

    expect(
        page.get_by_role("heading", name="National Mirror Groups survey 2020", level=1)
    ).to_be_visible()
    expect(page.locator("svg#stage-chart[role=img]")).to_be_visible()
    expect(page.get_by_text("18 answers because UK did not answer this question.")).to_be_visible()
    # The footnote marker leads to the footnote.
    page.locator("#note-ref-1").click()
    expect(page).to_have_url(re.compile(r"/assessment/rounds/nmg-survey-2020/#note-1$"))


def test_staff_member_reads_the_composition_and_downloads_a_table(staff_page, live_server):
    page = staff_page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Composition").click()

    expect(page.locator("svg#size-chart[role=img]")).to_be_visible()
    expect(
        page.get_by_text("No country has representatives of all types of stakeholders.")
    ).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV (Countries by number of experts)").click()
    download = download_info.value

    assert download.suggested_filename == "composition-size_bands.csv"
    content = Path(download.path()).read_text(encoding="utf-8-sig")
    assert content.splitlines()[:3] == [
        "Experts,Countries,Which countries",
        "1-9,1,CY",
        '10-20,9,"BG, CZ, DE, DK, FI, HU, LT, LV, PT"',
    ]


def test_every_assessment_page_passes_axe_serious_and_critical_rules(staff_page, live_server):
    page = staff_page
    failures = {}
    for url in ASSESSMENT_PAGES:
        page.goto(f"{live_server.url}{url}")
        expect(page.locator("h1")).to_be_visible()
        violations = serious_violations(page)
        if violations:
            failures[url] = describe(violations)

    assert not failures, "\n\n".join(f"{url}\n{text}" for url, text in failures.items())


def test_the_dashboard_prints_without_navigation_or_downloads(staff_page):
    page = staff_page
    page.emulate_media(media="print")

    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(page.locator(".downloads").first).to_be_hidden()
    expect(page.locator("svg#stage-map")).to_be_visible()


def test_a_round_opened_on_the_closed_one_leaves_its_findings_with_progress_beside(
    staff_page, live_server
):
    page = staff_page
    staff = factories.make_staff("wp6opener")
    new = clone_survey(
        source=Survey.objects.get(slug=SURVEY), slug="nmg-survey-2026", title="Survey 2026"
    )
    open_round(user=staff, survey=new)

    page.goto(f"{live_server.url}/")

    # The closed round's findings stay the headline...
    findings = page.get_by_role("list", name="Key figures of the latest closed round")
    expect(findings.locator(".key-value").first).to_have_text("19 of 24")
    expect(page.locator("svg#stage-map[role=img]")).to_be_visible()
    # ...and the open round's progress stands beside them, never in their place.
    panel = page.get_by_role("complementary", name="Round in progress")
    expect(panel).to_be_visible()
    expect(panel.get_by_text("Survey 2026", exact=True)).to_be_visible()
    expect(panel.get_by_role("list", name="Progress of Survey 2026")).to_contain_text("invited")
    panel.get_by_role("link", name="Round status of Survey 2026").click()
    expect(page.get_by_role("heading", name="Round status: Survey 2026")).to_be_visible()
