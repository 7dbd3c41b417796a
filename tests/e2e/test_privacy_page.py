"""The privacy notice in a browser: reached from the sign-in page by an anonymous visitor,
it shows the permission table and passes axe-core's serious and critical rules."""

import pytest
from playwright.sync_api import expect

from tests.e2e.axe import describe, serious_violations

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_an_anonymous_visitor_reads_the_privacy_notice_from_the_sign_in_page(live_server, page):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("main").get_by_role("link", name="privacy notice").click()

    expect(page).to_have_title("Privacy notice · NMG Registry")
    table = page.get_by_role("table", name="Who may read or change what (X: a country)")
    expect(table.get_by_role("columnheader", name="representative of X")).to_be_visible()
    expect(table.get_by_role("rowheader", name="experts of X (personal data)")).to_be_visible()
    violations = serious_violations(page)
    assert not violations, describe(violations)
