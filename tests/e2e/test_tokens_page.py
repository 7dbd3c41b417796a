"""The API tokens page in a real browser: a user creates a token, copies its key with the
button, revokes it; each page passes axe-core's serious and critical rules."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.e2e.axe import describe, serious_violations

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "a-long-browser-test-password"


def test_a_user_creates_copies_and_revokes_a_token(live_server, page, context):
    get_user_model().objects.create_user("analyst", password=PASSWORD)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("analyst")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="API tokens", exact=True)).to_be_visible()
    assert not (violations := serious_violations(page)), describe(violations)
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("alert")).to_contain_text("Give the token a name.")
    page.get_by_label("Token name").fill("Nightly report")
    page.get_by_role("button", name="Create token").click()

    expect(page.get_by_role("heading", name="Token “Nightly report” created")).to_be_visible()
    key = page.get_by_label("Key of “Nightly report”").input_value()
    assert len(key) == 43
    assert not (violations := serious_violations(page)), describe(violations)
    page.get_by_role("button", name="Copy key").click()
    expect(page.get_by_role("status").last).to_have_text("Key copied to the clipboard.")
    assert page.evaluate("navigator.clipboard.readText()") == key

    page.get_by_role("link", name="Back to your API tokens").click()
    expect(page.get_by_role("row", name="Nightly report")).to_contain_text(key[:8])
    assert key not in page.content()
    page.get_by_role("link", name="Revoke “Nightly report”").click()
    assert not (violations := serious_violations(page)), describe(violations)
    page.get_by_role("button", name="Revoke “Nightly report”").click()

    expect(page.get_by_role("status").first).to_contain_text("Token “Nightly report”")
    expect(page.get_by_role("heading", name="Revoked tokens")).to_be_visible()
