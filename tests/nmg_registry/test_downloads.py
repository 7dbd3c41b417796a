"""Spreadsheet downloads: who gets which rows, and clear refusals."""

import csv
import io

import openpyxl
import pytest

from surveys.models import Survey
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def experts(cast):
    factories.MembershipFactory(expert__country=cast.es, expert__name="Ana ES")
    factories.MembershipFactory(expert__country=cast.it, expert__name="Bea IT")


def csv_rows(response):
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_a_representative_downloads_only_their_countrys_experts(client, cast, experts):
    client.force_login(cast.rep_es)

    response = client.get("/compositions/export.csv")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="nmg-composition-all.csv"'
    assert [row["name"] for row in csv_rows(response)] == ["Ana ES"]


def test_staff_download_every_country_or_one_by_code(client, cast, experts):
    client.force_login(cast.staff)

    everyone = csv_rows(client.get("/compositions/export.csv"))
    italy = csv_rows(client.get("/compositions/export.csv?country=it"))

    assert {row["name"] for row in everyone} == {"Ana ES", "Bea IT"}
    assert [row["country"] for row in italy] == ["IT"]


def test_a_representative_asking_for_another_country_is_refused(client, cast, experts):
    client.force_login(cast.rep_es)

    assert client.get("/compositions/export.csv?country=IT").status_code == 403


def test_a_viewer_cannot_download_experts(client, cast, experts):
    client.force_login(cast.viewer)

    assert client.get("/compositions/export.xlsx").status_code == 403


def test_an_unknown_country_or_format_is_named(client, cast):
    client.force_login(cast.staff)

    response = client.get("/compositions/export.csv?country=XX")
    assert response.status_code == 400
    assert response.content.decode() == 'unknown country "XX"'
    assert client.get("/compositions/export.pdf").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/compositions/template.xlsx")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_blank_template_is_an_xlsx_with_the_valid_values(client, cast):
    client.force_login(cast.viewer)

    response = client.get("/compositions/template.xlsx")

    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    header = [cell.value for cell in next(workbook.worksheets[0].iter_rows(max_row=1))]
    assert header[:2] == ["country", "working_group"]
    assert len(workbook.worksheets) == 2


def test_a_viewer_downloads_a_rounds_submitted_responses(client, cast):
    survey = Survey.objects.get(slug="nmg-survey-2020")
    factories.submitted_response(survey=survey, country=factories.country("EL"))
    factories.ResponseFactory(survey=survey, country=cast.es)  # a draft
    client.force_login(cast.viewer)

    response = client.get("/surveys/nmg-survey-2020/responses.csv")

    assert response.status_code == 200
    assert [row["country"] for row in csv_rows(response)] == ["EL"]


def test_responses_of_an_unknown_round_are_a_404(client, cast):
    client.force_login(cast.viewer)

    assert client.get("/surveys/no-such-round/responses.csv").status_code == 404


def test_responses_are_for_signed_in_users_unless_public(client, settings):
    assert client.get("/surveys/nmg-survey-2020/responses.csv").status_code == 302

    settings.NMG_PUBLIC_AGGREGATES = True
    assert client.get("/surveys/nmg-survey-2020/responses.csv").status_code == 200
