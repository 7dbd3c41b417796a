"""An edit conflict seen in a real browser: two representatives of Spain open the record
form at the same time; the second to save is told who changed the record meanwhile, sees
the current value in the form, and saves again."""

import pytest
from playwright.sync_api import expect

from nmg_registry.models import Country
from tests import factories
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

FIRST = "https://www.sanidad.gob.es/1mg-roadmap"
SECOND = "https://www.isciii.es/1mg-roadmap"


def signed_in_page(new_context, live_server, username):
    """A browser of its own for each representative, signed in, on My countries."""
    page = new_context().new_page()
    sign_in(page, live_server, username)
    expect(page.get_by_role("heading", name="My countries", level=1)).to_be_visible()
    return page


def test_the_second_save_of_the_record_form_shows_the_conflict_and_the_current_value(
    live_server, new_context
):
    factories.make_representative("lucia", "ES", first_name="Lucía", last_name="García")
    factories.make_representative("javier", "ES", first_name="Javier", last_name="López")
    lucia = signed_in_page(new_context, live_server, "lucia")
    javier = signed_in_page(new_context, live_server, "javier")
    for page in (lucia, javier):
        page.goto(f"{live_server.url}/countries/ES/edit/")
        expect(page.get_by_label("National 1+MG roadmap")).to_have_value("")

    lucia.get_by_label("National 1+MG roadmap").fill(FIRST)
    lucia.get_by_role("button", name="Save the record").click()
    expect(lucia.locator("ul.messages")).to_have_text("The record of Spain was saved.")

    roadmap = javier.get_by_label("National 1+MG roadmap")
    roadmap.fill(SECOND)
    javier.get_by_role("button", name="Save the record").click()

    alert = javier.get_by_role("alert")
    expect(alert).to_contain_text("Nothing was saved")
    expect(alert).to_contain_text("Spain (ES) was changed by Lucía García at")
    expect(alert).to_contain_text("so your changes were not saved")
    expect(alert).to_contain_text(f"“” → “{FIRST}”")
    expect(javier.get_by_role("heading", name="Edit the record of Spain")).to_be_visible()
    expect(roadmap).to_have_value(FIRST)
    assert Country.objects.get(code="ES").national_roadmap_url == FIRST

    # The form carries the current version: applying the change again saves it.
    roadmap.fill(SECOND)
    javier.get_by_role("button", name="Save the record").click()
    expect(javier.locator("ul.messages")).to_have_text("The record of Spain was saved.")
    expect(javier.get_by_role("link", name=SECOND)).to_be_visible()
    spain = Country.objects.get(code="ES")
    assert spain.national_roadmap_url == SECOND
    assert [record.history_user.username for record in spain.history.all()[:2]] == [
        "javier",
        "lucia",
    ]
