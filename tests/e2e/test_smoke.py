"""The browser set-up works: a person can sign in and reach the admin."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "a-long-browser-test-password"


def test_login_page_renders(live_server, page):
    page.goto(f"{live_server.url}/accounts/login/")

    expect(page).to_have_title("Sign in · NMG Registry")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_label("Username")).to_be_visible()
    expect(page.get_by_label("Password")).to_be_visible()


def test_admin_signs_in_and_sees_the_admin_index(live_server, page):
    get_user_model().objects.create_superuser("wp6admin", password=PASSWORD)

    page.goto(f"{live_server.url}/accounts/login/?next=/admin/")
    page.get_by_label("Username").fill("wp6admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Registry records")).to_be_visible()
    expect(page.get_by_role("link", name="Countries")).to_be_visible()
    expect(page.get_by_role("link", name="Experts")).to_be_visible()


def test_wrong_password_is_refused_with_a_message(live_server, page):
    get_user_model().objects.create_user("someone", password=PASSWORD)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("someone")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("alert")).to_contain_text("enter a correct username and password")
