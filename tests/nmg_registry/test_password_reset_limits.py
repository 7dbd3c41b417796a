"""Password-reset mails are limited per e-mail address (default 3 an hour) and per client
address (default 20 an hour); past either no mail goes, and the page is the same "check your
e-mail" as when one does, so the limit reveals nothing about accounts."""

import logging

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import UserFactory
from tests.nmg_registry.test_settings import manage

pytestmark = pytest.mark.django_db

EMAIL = "Maria.Lopez@example.org"


@pytest.fixture
def person():
    return UserFactory(username="maria", email=EMAIL)


def request_reset(client, email, **extra):
    return client.post(reverse("password_reset"), {"email": email}, **extra)


def assert_check_your_mail(response):
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")


def test_twenty_requests_for_one_address_send_three_mails(client, person):
    responses = [request_reset(client, EMAIL) for _ in range(20)]

    for response in responses:
        assert_check_your_mail(response)
    assert len(mail.outbox) == 3
    assert {tuple(message.to) for message in mail.outbox} == {(EMAIL,)}


def test_the_address_is_counted_in_any_letter_case_and_from_any_client(client, person):
    for n, email in enumerate([EMAIL, EMAIL.upper(), EMAIL.lower(), f" {EMAIL} "]):
        request_reset(client, email, REMOTE_ADDR=f"192.0.2.{n + 1}")

    assert len(mail.outbox) == 3


# Spellings that Django's password reset matches with the account of rep-es@example.org
# (NFKC and case folding) or that name the same inbox: LATIN SMALL LETTER LONG S (U+017F,
# which PostgreSQL's UPPER() also makes S) and a domain in FULLWIDTH LATIN letters.
LOOK_ALIKES = [
    "rep-e\u017f@example.org",
    "REP-E\u017f@EXAMPLE.ORG",
    "rep-es@\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.\uff4f\uff52\uff47",
    "Rep-E\u017f@\uff25xample.org",
]


@pytest.mark.parametrize("look_alike", LOOK_ALIKES)
def test_look_alike_spellings_of_an_address_share_its_count(client, db, look_alike):
    representative = UserFactory(username="rep-es", email="rep-es@example.org")
    for n in range(3):
        assert_check_your_mail(request_reset(client, look_alike, REMOTE_ADDR=f"192.0.2.{n}"))
    sent_to_look_alikes = len(mail.outbox)

    for email in ["rep-es@example.org", "REP-ES@example.org", look_alike]:
        assert_check_your_mail(request_reset(client, email, REMOTE_ADDR="198.51.100.7"))

    # The three look-alike requests spent the address's three mails an hour, whether or not
    # the database matched them with the account (PostgreSQL does, SQLite's LIKE does not).
    assert len(mail.outbox) == sent_to_look_alikes <= 3
    assert {tuple(message.to) for message in mail.outbox} <= {(representative.email,)}


def test_mails_to_one_inbox_stop_at_three_however_the_address_is_written(client, db):
    UserFactory(username="rep-es", email="rep-es@example.org")
    addresses = ["rep-es@example.org"] * 3 + LOOK_ALIKES * 3

    for n, email in enumerate(addresses):
        request_reset(client, email, REMOTE_ADDR=f"192.0.2.{n}")

    assert [message.to for message in mail.outbox] == [["rep-es@example.org"]] * 3


def test_an_account_gets_no_more_mails_under_a_new_address(client, person):
    for _ in range(3):
        request_reset(client, EMAIL)
    person.email = "maria.lopez@example.net"
    person.save()

    assert_check_your_mail(request_reset(client, "maria.lopez@example.net"))
    assert len(mail.outbox) == 3


def test_one_client_gets_twenty_mails_an_hour_whatever_the_addresses(client, db):
    people = [UserFactory(email=f"person{n}@example.org") for n in range(25)]

    responses = [request_reset(client, person.email) for person in people]

    for response in responses:
        assert_check_your_mail(response)
    assert len(mail.outbox) == 20
    # Another client is not held back by the first one's count.
    request_reset(client, people[-1].email, REMOTE_ADDR="192.0.2.50")
    assert len(mail.outbox) == 21


def test_requests_for_unknown_addresses_count_for_the_client_too(client, person, settings):
    settings.NMG_PASSWORD_RESET_CLIENT_RATE = "5/hour"
    for n in range(5):
        request_reset(client, f"nobody{n}@example.org")

    assert_check_your_mail(request_reset(client, EMAIL))
    assert mail.outbox == []


def test_the_page_after_the_limit_is_the_same_check_your_mail_page(client, person, settings):
    settings.NMG_PASSWORD_RESET_EMAIL_RATE = "1/hour"
    sent = client.post(reverse("password_reset"), {"email": EMAIL}, follow=True)
    held = client.post(reverse("password_reset"), {"email": EMAIL}, follow=True)

    assert len(mail.outbox) == 1
    assert held.redirect_chain == sent.redirect_chain == [(reverse("password_reset_done"), 302)]
    assert held.content == sent.content


def test_behind_the_proxy_forged_forwarded_hops_do_not_dodge_the_client_limit(client, db, settings):
    settings.BEHIND_TLS_PROXY = True
    settings.NMG_PASSWORD_RESET_CLIENT_RATE = "2/hour"
    people = [UserFactory(email=f"person{n}@example.org") for n in range(3)]

    for n, person in enumerate(people):
        request_reset(client, person.email, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.9")

    assert len(mail.outbox) == 2


def test_a_held_mail_is_logged_without_the_address(client, person, settings, caplog):
    settings.NMG_PASSWORD_RESET_EMAIL_RATE = "1/hour"
    request_reset(client, EMAIL)

    with caplog.at_level(logging.WARNING, logger="nmg_registry.limits"):
        request_reset(client, EMAIL, REMOTE_ADDR="192.0.2.9")

    assert [r.getMessage() for r in caplog.records if r.name == "nmg_registry.limits"] == [
        "Password-reset mail not sent: the limit per e-mail address is reached (client 192.0.2.9)"
    ]
    assert EMAIL.lower() not in caplog.text.lower()


def test_the_limits_come_from_the_environment():
    printed = (
        "from django.conf import settings; "
        "print(settings.NMG_PASSWORD_RESET_EMAIL_RATE, settings.NMG_PASSWORD_RESET_CLIENT_RATE)"
    )

    defaults = manage(
        "shell", "-c", printed, NMG_PASSWORD_RESET_EMAIL_RATE="", NMG_PASSWORD_RESET_CLIENT_RATE=""
    )
    chosen = manage(
        "shell",
        "-c",
        printed,
        NMG_PASSWORD_RESET_EMAIL_RATE="1/Day",
        NMG_PASSWORD_RESET_CLIENT_RATE="50/hour",
    )
    malformed = manage("check", NMG_PASSWORD_RESET_EMAIL_RATE="three")

    assert defaults.stdout.splitlines()[-1] == "3/hour 20/hour", defaults.stderr
    assert chosen.stdout.splitlines()[-1] == "1/day 50/hour", chosen.stderr
    assert "NMG_PASSWORD_RESET_EMAIL_RATE must be a rate such as 60/min" in malformed.stderr
