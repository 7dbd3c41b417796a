"""Accounts: signing in, changing and resetting a password, and the lockout after failures."""

import re
from datetime import timedelta
from html.parser import HTMLParser
from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.db.models import F
from django.test import Client
from django.urls import reverse

from tests.factories import TEST_PASSWORD, UserFactory

NEW_PASSWORD = "a-fresh-passphrase-for-2024"
LOGIN_URL = reverse("login")


def sign_in(client, username, password, **extra):
    """Post the sign-in form, as a browser does (axes sees a real request)."""
    return client.post(LOGIN_URL, {"username": username, "password": password}, **extra)


def is_signed_in(client):
    return "_auth_user_id" in client.session


def fresh_sign_in(username, password):
    """Sign in from a new browser: True when the password was accepted."""
    client = Client()
    response = sign_in(client, username, password)
    return response.status_code == 302 and is_signed_in(client)


class _Controls(HTMLParser):
    """The ids of a page's form controls (hidden ones left out) and its labels' targets."""

    def __init__(self):
        super().__init__()
        self.controls, self.labelled = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "label" and attrs.get("for"):
            self.labelled.add(attrs["for"])
        elif tag in {"input", "select", "textarea"} and attrs.get("type") != "hidden":
            self.controls.append(attrs.get("id"))


def assert_every_control_labelled(response, expected_ids):
    parser = _Controls()
    parser.feed(response.content.decode())
    assert parser.controls == expected_ids
    for control_id in expected_ids:
        assert f'<label for="{control_id}">' in response.content.decode()
    assert set(parser.controls) <= parser.labelled


def page_text(response):
    """What a reader sees: the page's text without tags, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def tag_with_id(html, element_id):
    """The opening tag of the element with that id."""
    match = re.search(rf'<[a-z]+[^>]*\bid="{element_id}"[^>]*>', html)
    assert match, f"no element with id {element_id}"
    return match.group(0)


def element_text(html, element_id):
    """The text of the element with that id up to its closing tag (no nesting of its kind)."""
    match = re.search(rf'<([a-z]+)[^>]*\bid="{element_id}"[^>]*>(.*?)</\1>', html, re.S)
    assert match, f"no element with id {element_id}"
    return re.sub(r"<[^>]+>", "", match.group(2))


@pytest.fixture
def person(db):
    return UserFactory(username="maria", email="Maria.Lopez@example.org")


def lock_out(client, username, *, limit=3):
    """Fail `limit` sign-ins in a row; the last one is answered with the lockout page."""
    for _ in range(limit - 1):
        assert sign_in(client, username, "not-the-password").status_code == 200
    return sign_in(client, username, "not-the-password")


def time_passes(minutes):
    """Move every recorded sign-in failure that many minutes into the past."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=minutes))


# Sign-in page


def test_sign_in_page_offers_a_password_reset_link(client, db):
    response = client.get(LOGIN_URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert f'<a href="{reverse("password_reset")}">Forgot your password?</a>' in html
    assert_every_control_labelled(response, ["id_username", "id_password"])


def test_wrong_sign_in_is_summarised_in_one_alert(client, person):
    response = sign_in(client, "maria", "not-the-password")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('role="alert"') == 1
    assert "Please enter a correct username and password" in html
    assert not is_signed_in(client)


def test_blank_sign_in_shows_the_error_next_to_each_field(client, db):
    response = sign_in(client, "", "")

    html = response.content.decode()
    assert 'aria-invalid="true"' in tag_with_id(html, "id_username")
    assert 'aria-describedby="id_username_error"' in tag_with_id(html, "id_username")
    assert "This field is required." in element_text(html, "id_username_error")
    assert '<a href="#id_password">Password: This field is required.</a>' in html


# Password change


def test_password_change_needs_a_signed_in_user(client, db):
    response = client.get(reverse("password_change"))

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)


def test_password_change_page_labels_every_field(client, person):
    sign_in(client, "maria", TEST_PASSWORD)

    response = client.get(reverse("password_change"))

    assert response.status_code == 200
    assert "<h1>Change your password</h1>" in response.content.decode()
    assert_every_control_labelled(
        response, ["id_old_password", "id_new_password1", "id_new_password2"]
    )
    html = response.content.decode()
    # The rules a new password must meet are read out with the field.
    assert 'aria-describedby="id_new_password1_helptext"' in tag_with_id(html, "id_new_password1")
    assert "at least 10 characters" in element_text(html, "id_new_password1_helptext")


def test_password_change_with_a_wrong_old_password_is_refused_next_to_the_field(client, person):
    sign_in(client, "maria", TEST_PASSWORD)

    response = client.post(
        reverse("password_change"),
        {
            "old_password": "not-my-password",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    html = response.content.decode()
    assert response.status_code == 200
    old = tag_with_id(html, "id_old_password")
    assert 'aria-invalid="true"' in old
    assert 'aria-describedby="id_old_password_error"' in old
    assert "Your old password was entered incorrectly" in element_text(
        html, "id_old_password_error"
    )
    assert 'role="alert"' in html
    assert '<a href="#id_old_password">Old password: Your old password' in html
    person.refresh_from_db()
    assert person.check_password(TEST_PASSWORD)


def test_password_change_refuses_a_too_short_new_password(client, person):
    sign_in(client, "maria", TEST_PASSWORD)

    response = client.post(
        reverse("password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": "short1", "new_password2": "short1"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "at least 10 characters" in element_text(html, "id_new_password2_error")
    person.refresh_from_db()
    assert person.check_password(TEST_PASSWORD)


def test_password_change_confirms_and_only_the_new_password_signs_in(client, person):
    sign_in(client, "maria", TEST_PASSWORD)

    response = client.post(
        reverse("password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
        follow=True,
    )

    assert response.redirect_chain == [(reverse("password_change_done"), 302)]
    html = response.content.decode()
    assert "<h1>Password changed</h1>" in html
    assert "Your password has been changed" in html
    assert is_signed_in(client)
    assert fresh_sign_in("maria", NEW_PASSWORD)
    assert not fresh_sign_in("maria", TEST_PASSWORD)


def test_admin_password_change_uses_the_same_page(client, db):
    staff = UserFactory(username="wp6", is_staff=True)
    sign_in(client, staff.username, TEST_PASSWORD)

    response = client.get(reverse("admin:password_change"))

    assert response.status_code == 200
    assert "<h1>Change your password</h1>" in response.content.decode()
    assert_every_control_labelled(
        response, ["id_old_password", "id_new_password1", "id_new_password2"]
    )


@pytest.mark.parametrize("other_accounts", [2, 10])
def test_password_change_page_query_count_is_fixed(
    client, person, django_assert_num_queries, other_accounts
):
    UserFactory.create_batch(other_accounts)
    sign_in(client, "maria", TEST_PASSWORD)

    # The session, the user, the demo banner.
    with django_assert_num_queries(3):
        response = client.get(reverse("password_change"))

    assert response.status_code == 200


# Password reset


def request_reset(client, email):
    return client.post(reverse("password_reset"), {"email": email})


def reset_link(message):
    match = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_password_reset_page_labels_its_field(client, db):
    response = client.get(reverse("password_reset"))

    assert response.status_code == 200
    assert "<h1>Reset your password</h1>" in response.content.decode()
    assert_every_control_labelled(response, ["id_email"])


def test_password_reset_mails_one_link_in_plain_text(client, person, settings):
    response = request_reset(client, "maria.lopez@EXAMPLE.org")

    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["Maria.Lopez@example.org"]
    assert message.subject == "NMG Registry: reset your password"
    assert message.alternatives == []
    assert '"maria"' in message.body
    assert "&quot;" not in message.body
    assert reset_link(message).startswith("/accounts/reset/")
    days = settings.PASSWORD_RESET_TIMEOUT // (24 * 60 * 60)
    assert f"for {days} days" in message.body
    assert "If you did not ask for this, ignore this e-mail" in message.body


def test_password_reset_link_lets_the_person_choose_a_new_password(client, person):
    request_reset(client, "Maria.Lopez@example.org")
    link = reset_link(mail.outbox[0])

    response = client.get(link)
    assert response.status_code == 302
    set_password_url = response["Location"]
    assert set_password_url.endswith("/set-password/")

    response = client.get(set_password_url)
    assert "<h1>Choose a new password</h1>" in response.content.decode()
    assert_every_control_labelled(response, ["id_new_password1", "id_new_password2"])

    response = client.post(
        set_password_url,
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert response.redirect_chain == [(reverse("password_reset_complete"), 302)]
    assert "Your new password is set" in response.content.decode()
    assert fresh_sign_in("maria", NEW_PASSWORD)
    assert not fresh_sign_in("maria", TEST_PASSWORD)


def test_password_reset_link_works_only_once(client, person):
    request_reset(client, "Maria.Lopez@example.org")
    link = reset_link(mail.outbox[0])
    set_password_url = client.get(link)["Location"]
    client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    response = Client().get(link)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Link no longer valid</h1>" in html
    assert f'<a href="{reverse("password_reset")}">Ask for a new link</a>' in html
    assert "<input" not in html.split("<main", 1)[1]


def test_password_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(client, person):
    known = request_reset(Client(), "Maria.Lopez@example.org")
    mail.outbox.clear()

    unknown = request_reset(client, "nobody@example.org")

    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"] == reverse("password_reset_done")
    assert mail.outbox == []
    page = client.get(unknown["Location"]).content.decode()
    assert "<h1>Check your e-mail</h1>" in page
    assert "If a registry account has the address you entered" in page


def test_password_reset_with_a_malformed_address_is_refused_next_to_the_field(client, person):
    response = request_reset(client, "not an address")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'aria-invalid="true"' in tag_with_id(html, "id_email")
    assert "Enter a valid email address." in element_text(html, "id_email_error")
    assert mail.outbox == []


@pytest.mark.parametrize("other_accounts", [2, 10])
def test_password_reset_page_query_count_is_fixed(
    client, db, django_assert_num_queries, other_accounts
):
    UserFactory.create_batch(other_accounts)

    # The demo banner; an anonymous visitor has no session to read.
    with django_assert_num_queries(1):
        response = client.get(reverse("password_reset"))

    assert response.status_code == 200


# Lockout after repeated failures


@pytest.fixture
def lockout_after_three(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = 30 / 60  # hours, as NMG_LOGIN_COOLOFF_MINUTES=30 gives


def test_lockout_page_after_the_failure_limit(client, person, lockout_after_three):
    response = lock_out(client, "maria")

    text = page_text(response)
    assert response.status_code == 429
    assert "<title>Sign-in locked · NMG Registry</title>" in response.content.decode()
    assert (
        "Too many failed sign-ins: after 3 failed attempts, signing in as maria from this "
        "network address is locked for 30 minutes." in text
    )
    assert "Every attempt while the lock lasts, even with the right password," in text
    assert "starts the 30 minutes again" in text
    assert "a new password does not lift the lock" in text


def test_locked_out_person_cannot_sign_in_even_with_the_right_password(
    client, person, lockout_after_three
):
    lock_out(client, "maria")

    response = sign_in(client, "maria", TEST_PASSWORD)

    assert response.status_code == 429
    assert "<h1>Sign-in locked</h1>" in response.content.decode()
    assert not is_signed_in(client)


def test_lockout_is_per_username_and_address(client, person, lockout_after_three):
    UserFactory(username="jonas")
    lock_out(client, "maria")

    other_user = sign_in(client, "jonas", TEST_PASSWORD)
    assert other_user.status_code == 302
    assert is_signed_in(client)

    other_address = sign_in(Client(), "maria", TEST_PASSWORD, REMOTE_ADDR="192.0.2.44")
    assert other_address.status_code == 302


def test_sign_in_works_again_after_the_cool_off(client, person, lockout_after_three):
    lock_out(client, "maria")

    time_passes(31)
    response = sign_in(client, "maria", TEST_PASSWORD)

    assert response.status_code == 302
    assert is_signed_in(client)


def test_an_attempt_during_the_lock_starts_the_wait_again(client, person, lockout_after_three):
    lock_out(client, "maria")
    time_passes(25)

    assert sign_in(client, "maria", TEST_PASSWORD).status_code == 429
    time_passes(10)  # 35 minutes after the lockout, 10 after the last attempt

    assert sign_in(client, "maria", TEST_PASSWORD).status_code == 429
    assert not is_signed_in(client)


def test_a_password_reset_does_not_lift_the_lock(client, person, lockout_after_three):
    lock_out(client, "maria")
    request_reset(client, "Maria.Lopez@example.org")
    set_password_url = client.get(reset_link(mail.outbox[0]))["Location"]
    client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert get_user_model().objects.get(username="maria").check_password(NEW_PASSWORD)

    response = sign_in(client, "maria", NEW_PASSWORD)

    assert response.status_code == 429
    assert not is_signed_in(client)


def test_staff_can_lift_the_lock_from_the_command_line(client, person, lockout_after_three):
    lock_out(client, "maria")

    call_command("axes_reset_username", "maria", stdout=StringIO())
    response = sign_in(client, "maria", TEST_PASSWORD)

    assert response.status_code == 302
    assert is_signed_in(client)


def test_without_a_cool_off_the_page_says_staff_must_lift_the_lock(client, person, settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = None

    response = lock_out(client, "maria")

    text = page_text(response)
    assert response.status_code == 429
    assert "from this network address is locked until WP6 staff lift the lock." in text
    assert "minute" not in text


def test_a_representative_starts_on_my_countries_staff_and_viewers_on_the_dashboard(client, cast):
    def start_of(username):
        client.post(reverse("logout"))
        signed_in = client.post(reverse("login"), {"username": username, "password": TEST_PASSWORD})
        assert signed_in.status_code == 302
        return signed_in["Location"]

    assert start_of("rep_es") == reverse("countries:mine")
    assert start_of("staff") == reverse("home")
    assert start_of("viewer") == reverse("home")
    # A `next` address still wins.
    signed_in = client.post(
        reverse("login") + "?next=/countries/",
        {"username": "rep_es", "password": TEST_PASSWORD},
    )
    assert signed_in["Location"] == "/countries/"
