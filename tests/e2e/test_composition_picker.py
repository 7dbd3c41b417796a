"""The composition page's picker in a real browser: moving between two rounds changes the
figures, and the page says which moment it shows."""

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.analytics.test_composition_as_of import history  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def viewer_page(live_server, page, history):  # noqa: F811
    factories.UserFactory(username="composition-reader")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("composition-reader")
    page.get_by_label("Password").fill(factories.TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/assessment/composition/")
    return page


def test_the_picker_moves_between_two_rounds_and_the_numbers_change(viewer_page):
    page = viewer_page
    expect(page.locator("#composition-moment")).to_contain_text("now")

    page.get_by_label("As when a round closed").select_option("round-2020")
    page.locator("#composition-round-show").click()
    expect(page.locator("#composition-moment")).to_contain_text("round-2020")
    expect(page.locator(".facts")).to_contain_text("1 country has submitted")
    expect(page.locator(".facts")).to_contain_text("ES")

    page.get_by_label("As when a round closed").select_option("round-2022")
    page.locator("#composition-round-show").click()
    expect(page.locator("#composition-moment")).to_contain_text("round-2022")
    expect(page.locator(".facts")).to_contain_text("2 countries have submitted")
    expect(page.locator(".facts")).to_contain_text("ES and IT")
