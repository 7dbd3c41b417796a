"""The health check and the start page (the assessment dashboard)."""

from unittest import mock

import pytest
from django.db import OperationalError

from nmg_registry.models import DemoDataset
from tests import factories

pytestmark = pytest.mark.django_db


def test_healthz_answers_200_with_json_when_the_database_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_does_not(client):
    with mock.patch(
        "nmg_registry.views.connection.cursor", side_effect=OperationalError("connection refused")
    ):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json() == {"status": "unavailable", "database": "unreachable"}


def test_home_sends_anonymous_visitors_to_sign_in(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_home_is_open_to_anonymous_visitors_when_aggregates_are_public(client, settings):
    settings.NMG_PUBLIC_AGGREGATES = True

    response = client.get("/")

    assert response.status_code == 200
    assert "Sign in" in response.content.decode()


def test_home_shows_the_latest_round_and_every_country_in_fixed_queries(
    client, cast, django_assert_num_queries
):
    client.force_login(cast.viewer)
    factories.SurveyFactory(title="Round of 2025")

    # session, user, the demo-data notice, then the dashboard's reads (see
    # tests/analytics/test_views.py); with no response yet, no answers to fetch.
    with django_assert_num_queries(19):
        response = client.get("/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "National Mirror Groups survey 2020" in page
    assert "0 of 24" in page
    assert "Round of 2025" in page
    # The map has a square for each of the 31 countries of the registry.
    assert page.count('<g class="tile ') == 31
    assert "<title>Greece (EL): Invited, no response</title>" in page


def test_home_query_count_does_not_grow_with_rounds(client, cast, django_assert_num_queries):
    client.force_login(cast.viewer)
    for _ in range(10):
        survey = factories.SurveyFactory()
        factories.submitted_response(survey=survey, country=cast.es)

    with django_assert_num_queries(19):
        response = client.get("/")
    assert response.content.decode().count("1 of 0") == 10


def test_login_page_has_labelled_fields(client):
    page = client.get("/accounts/login/").content.decode()

    assert '<label for="id_username">Username</label>' in page
    assert '<label for="id_password">Password</label>' in page


def test_signing_in_with_the_form_reaches_the_dashboard(client, cast):
    response = client.post(
        "/accounts/login/",
        {"username": "viewer", "password": factories.TEST_PASSWORD},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == "/"
    assert "Signed in as <strong>viewer</strong>" in response.content.decode()


def test_unknown_page_is_a_404_not_a_500(client):
    assert client.get("/no-such-page/").status_code == 404


def test_pages_say_when_the_data_is_a_synthetic_demo(client, cast):
    client.force_login(cast.viewer)
    assert "Demo data." not in client.get("/").content.decode()

    DemoDataset.objects.create(description="Per-country values are invented.")

    page = client.get("/").content.decode()
    assert "<strong>Demo data.</strong> Per-country values are invented." in page


def test_a_refused_page_says_why_in_the_sites_look(client, cast):
    client.force_login(cast.rep_es)

    response = client.get("/countries/IT/experts/")

    assert response.status_code == 403
    page = response.content.decode()
    assert "<h1>Not allowed</h1>" in page
    assert "You may not see or change the experts of Italy." in page
    assert "My countries" in page  # the site's navigation, not a bare error
