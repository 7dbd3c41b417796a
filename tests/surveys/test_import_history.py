"""A survey import says who imported which file: every history row of the responses and
answers it writes names the user (blank from the command line) and "survey import: <file>",
as a composition import does."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from nmg_registry.history import country_history
from surveys.models import Answer, Response, Survey
from surveys.services.answering import save_response
from tests.admin_helpers import admin_url
from tests.surveys.test_import import ES_ROW, IT_ROW, SLUG, csv_file, run

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(db):
    return Survey.objects.get(slug=SLUG)


def history_rows(survey):
    """(model, history type, user id, change reason) of every history row of the round's
    responses and answers."""
    responses = Response.history.filter(survey=survey)
    answers = Answer.history.filter(response_id__in=responses.values("id"))
    return [
        (model, row.history_type, row.history_user_id, row.history_change_reason)
        for model, rows in (("response", responses), ("answer", answers))
        for row in rows.order_by("history_id")
    ]


def test_a_command_import_names_the_file_on_every_history_row(survey, tmp_path):
    path = tmp_path / "nmg-2020.csv"
    path.write_bytes(csv_file(survey, ES_ROW, IT_ROW))

    call_command("import_survey", SLUG, str(path))

    rows = history_rows(survey)
    assert {model for model, *_ in rows} == {"response", "answer"}
    assert {(user, reason) for _, _, user, reason in rows} == {
        (None, "survey import: nmg-2020.csv")
    }


def test_changes_and_removals_of_a_later_import_name_their_file(survey, cast):
    run(survey, csv_file(survey, ES_ROW), filename="first.csv", user=cast.staff)
    changed = ES_ROW | {"nmg_stage": "planning", "funding": ""}  # one changed, one removed

    run(survey, csv_file(survey, changed), filename="second.csv", user=cast.staff)

    later = [row for row in history_rows(survey) if row[3] == "survey import: second.csv"]
    assert sorted((model, kind) for model, kind, _, _ in later) == [
        ("answer", "-"),
        ("answer", "~"),
        ("response", "~"),
    ]
    assert {user for _, _, user, _ in history_rows(survey)} == {cast.staff.pk}


def test_an_admin_import_names_the_staff_member_and_the_file(client, cast, survey):
    client.force_login(cast.staff)
    upload = SimpleUploadedFile("responses-2020.csv", csv_file(survey, ES_ROW, IT_ROW))

    preview = client.post(
        admin_url(Response, "import"), {"survey": survey.pk, "file": upload}, follow=True
    )
    plan = re.search(r'name="plan" value="([0-9a-f]{64})"', preview.content.decode()).group(1)
    client.post(preview.redirect_chain[-1][0], {"plan": plan})

    rows = history_rows(survey)
    assert len([row for row in rows if row[0] == "response"]) == 2
    assert {(user, reason) for _, _, user, reason in rows} == {
        (cast.staff.pk, "survey import: responses-2020.csv")
    }


def test_the_countrys_history_shows_who_imported_which_file(survey, cast):
    run(survey, csv_file(survey, ES_ROW), filename="es-2020.csv", user=cast.staff)

    entries = country_history(country=cast.es, limit=50, user=cast.staff)

    imported = [entry for entry in entries if entry.reason == "survey import: es-2020.csv"]
    assert len(imported) == 1 + len(ES_ROW) - 1  # the response and each of its answers
    assert {entry.who for entry in imported} == {"staff"}


def test_a_form_save_keeps_its_history_without_a_reason(cast):
    survey = Survey.objects.get(slug=SLUG)
    survey.status = Survey.Status.OPEN
    survey.save()

    save_response(
        user=cast.staff,
        survey=survey,
        country=cast.es,
        answers={"nmg_stage": "operational"},
        version="",
        submit=False,
    )

    assert {(user, reason) for _, _, user, reason in history_rows(survey)} == {
        (cast.staff.pk, None)
    }
