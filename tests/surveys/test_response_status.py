"""A response's status in words tells the truth: "changed since" only when an answer
changed after submission, an import names its file, importer and day, and the responses of
a round held in the past are dated then (`import_survey --submitted-on`)."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.template.loader import render_to_string
from django.utils import timezone

from nmg_registry.tabular import ImportFailed
from surveys.models import Response, Survey
from surveys.selectors import round_status
from surveys.services.answering import save_response
from surveys.services.file_import import import_survey
from tests.surveys.test_answering import make_round
from tests.surveys.test_import import ES_ROW, IT_ROW, SLUG, csv_file

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def status_of(response) -> str:
    text = render_to_string("surveys/_response_status.html", {"response": response})
    return " ".join(text.replace('<span class="status status-submitted">', "").split())


def answer(user, survey, country, *, submit=False, **answers) -> Response:
    stored = Response.objects.filter(survey=survey, country=country).first()
    return save_response(
        user=user,
        survey=survey,
        country=country,
        answers=answers,
        version=stored.updated_at.isoformat() if stored else "",
        submit=submit,
    )


def fresh(response) -> Response:
    return Response.objects.select_related("submitted_by").get(pk=response.pk)


def midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# "Changed since": an answer, not a save


def test_saving_a_submitted_response_without_changing_an_answer_is_no_change(cast):
    survey = make_round()
    answer(cast.rep_es, survey, cast.es, submit=True, nmg_stage="planning")
    saved = fresh(answer(cast.rep_es, survey, cast.es, nmg_stage="planning"))

    assert saved.updated_at > saved.submitted_at  # saved again...
    assert not saved.changed_since_submission  # ...but nothing changed
    assert "changed since" not in status_of(saved)


def test_changing_an_answer_after_submission_is_a_change_since(cast):
    survey = make_round()
    answer(cast.rep_es, survey, cast.es, submit=True, nmg_stage="planning")
    changed = fresh(answer(cast.rep_es, survey, cast.es, nmg_stage="operational"))

    assert changed.changed_since_submission
    when = timezone.localtime(changed.answers_changed_at)
    assert f"; changed since, on {when:%-d %b %Y, %H:%M}" in status_of(changed)


def test_removing_an_answer_after_submission_is_a_change_since(cast):
    survey = make_round()
    answer(cast.rep_es, survey, cast.es, submit=True, nmg_stage="planning", plan_url="")
    answer(cast.rep_es, survey, cast.es, submit=True, nmg_stage="planning")

    assert not fresh(Response.objects.get(survey=survey)).changed_since_submission
    answer(cast.rep_es, survey, cast.es)

    assert fresh(Response.objects.get(survey=survey)).changed_since_submission


def test_submitting_again_makes_the_changes_part_of_the_submission(cast):
    survey = make_round()
    answer(cast.rep_es, survey, cast.es, submit=True, nmg_stage="planning")
    answer(cast.rep_es, survey, cast.es, nmg_stage="operational")
    again = fresh(answer(cast.rep_es, survey, cast.es, submit=True, nmg_stage="operational"))

    assert not again.changed_since_submission
    assert status_of(again).endswith("by rep_es")


def test_a_draft_has_no_change_since(cast):
    survey = make_round()
    draft = fresh(answer(cast.rep_es, survey, cast.es, nmg_stage="planning"))
    draft = fresh(answer(cast.rep_es, survey, cast.es, nmg_stage="operational"))

    assert not draft.changed_since_submission
    assert status_of(draft).startswith('<span class="status status-draft">Draft</span>')


# What an import says, and when its responses count as submitted


@pytest.fixture
def past_round(db):
    return Survey.objects.get(slug=SLUG)  # closed, closing on 2021-03-31


def test_an_imported_response_names_its_file_importer_and_day(cast, past_round):
    import_survey(
        survey=past_round,
        data=csv_file(past_round, ES_ROW),
        filename="nmg-2020.csv",
        user=cast.staff,
    )
    response = fresh(Response.objects.get(survey=past_round, country=cast.es))

    assert response.is_imported
    assert status_of(response) == (
        "Submitted</span> on 31 Mar 2021, 00:00, imported from nmg-2020.csv by staff on "
        f"{TODAY:%-d %b %Y}"
    )


def test_a_closed_rounds_responses_are_dated_on_its_closing_date_by_default(past_round):
    import_survey(survey=past_round, data=csv_file(past_round, ES_ROW, IT_ROW), filename="a.csv")

    dates = set(Response.objects.filter(survey=past_round).values_list("submitted_at", flat=True))
    assert dates == {midnight(datetime.date(2021, 3, 31))}
    imported = Response.objects.filter(survey=past_round).values_list("imported_at", flat=True)
    assert all(at.date() >= TODAY - datetime.timedelta(days=1) for at in imported)


def test_submitted_on_dates_the_responses(past_round):
    import_survey(
        survey=past_round,
        data=csv_file(past_round, ES_ROW),
        filename="a.csv",
        submitted_on=datetime.date(2021, 2, 11),
    )

    response = Response.objects.get(survey=past_round)
    assert response.submitted_at == midnight(datetime.date(2021, 2, 11))
    assert not response.changed_since_submission


def test_an_open_rounds_imported_responses_are_dated_now(cast):
    survey = make_round()
    before = timezone.now()

    import_survey(
        survey=survey,
        data=csv_file(survey, {"country": "ES", "nmg_stage": "planning"}),
        filename="a.csv",
    )

    assert Response.objects.get(survey=survey).submitted_at >= before


def test_a_submission_date_still_to_come_is_refused(past_round):
    with pytest.raises(ImportFailed) as failed:
        import_survey(
            survey=past_round,
            data=csv_file(past_round, ES_ROW),
            filename="a.csv",
            submitted_on=TODAY + datetime.timedelta(days=1),
        )

    assert "still to come" in str(failed.value.errors[0])
    assert not Response.objects.filter(survey=past_round).exists()


def test_an_import_over_a_changed_response_submits_it_again_as_the_files(cast):
    survey = make_round()
    answer(cast.rep_es, survey, cast.es, submit=True, nmg_stage="planning")
    answer(cast.rep_es, survey, cast.es, nmg_stage="operational")

    import_survey(
        survey=survey,
        data=csv_file(survey, {"country": "ES", "nmg_stage": "planning"}),
        filename="fix.csv",
        user=cast.staff,
    )

    response = fresh(Response.objects.get(survey=survey))
    assert not response.changed_since_submission
    assert (response.imported_from, response.submitted_by) == ("fix.csv", cast.staff)


def test_the_command_takes_submitted_on(past_round, tmp_path):
    path = tmp_path / "nmg-2020.csv"
    path.write_bytes(csv_file(past_round, ES_ROW))

    call_command("import_survey", SLUG, str(path), "--submitted-on", "2021-01-15")

    response = fresh(Response.objects.get(survey=past_round))
    assert response.submitted_at == midnight(datetime.date(2021, 1, 15))
    assert status_of(response).endswith(
        f"imported from nmg-2020.csv by the command line on {TODAY:%-d %b %Y}"
    )


def test_the_command_names_a_malformed_submission_date(past_round, tmp_path):
    path = tmp_path / "nmg-2020.csv"
    path.write_bytes(csv_file(past_round, ES_ROW))

    with pytest.raises(CommandError) as refused:
        call_command("import_survey", SLUG, str(path), "--submitted-on", "2021-02-30")

    assert str(refused.value) == '--submitted-on: "2021-02-30" is not a date (YYYY-MM-DD)'
    assert not Response.objects.filter(survey=past_round).exists()


def test_the_round_status_names_the_file_and_importer_of_an_imported_response(cast, past_round):
    import_survey(
        survey=past_round, data=csv_file(past_round, ES_ROW), filename="nmg-2020.csv", user=None
    )
    rows = {row.code: row for row in round_status(survey=past_round)}

    assert rows["ES"].submitted_by == "imported from nmg-2020.csv by the command line"
