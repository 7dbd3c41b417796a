"""Moments at the edges: the calendar's ends, offsets PostgreSQL refuses, forms that would
read otherwise than meant, comparisons the wrong way round, and dated imports over what the
registry already holds."""

import datetime
import io
import zoneinfo
from urllib.parse import urlencode

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from compositions.as_of import composition_as_of
from compositions.services.file_import import import_composition
from nmg_registry.tabular import ImportFailed
from surveys.models import Response, Survey
from surveys.services.file_import import import_survey
from tests.compositions.test_import import ANA, GIULIA, LUIS, csv_file
from tests.surveys.test_import import ES_ROW, SLUG
from tests.surveys.test_import import csv_file as responses_file

pytestmark = pytest.mark.django_db

BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
SUMMARY = reverse("analytics-api:composition-summary")
COMPARE = reverse("analytics-api:composition-compare")
EXPERTS_API = "/api/v1/experts/"
# UTC overflows past the year 9999: the moment after everything the registry holds.
EDGE = "9999-12-31T23:00:00-05:00"


def _giulia_in_2020():
    import_composition(
        data=csv_file(GIULIA),
        filename="2020.csv",
        as_of=datetime.datetime(2020, 11, 30, 12, tzinfo=BRUSSELS),
    )


def _sizes(response) -> dict[str, int]:
    return {c["country"]: c["experts"] for c in response.json()["countries"]}


@pytest.mark.parametrize(
    "url, user",
    [
        ("/assessment/composition/?" + urlencode({"as_of": EDGE}), "viewer"),
        ("/countries/IT/experts/?" + urlencode({"as_of": EDGE}), "rep_it"),
        (
            "/assessment/composition/compare/?"
            + urlencode({"before": "2020-01-01", "after": EDGE}),
            "viewer",
        ),
    ],
)
def test_a_page_shows_a_moment_at_the_calendars_edge(client, cast, url, user):
    _giulia_in_2020()
    client.force_login(getattr(cast, user))
    response = client.get(url)
    assert response.status_code == 200
    assert "Giulia" in response.content.decode() or "IT" in response.content.decode()


@pytest.mark.parametrize(
    "value", ["0001-01-01", "0001-01-01T00:00:00+14:00", "9999-12-31", EDGE, "2020-12-01T00:00:00Z"]
)
def test_the_api_answers_every_moment_at_the_calendars_edge(client, cast, value):
    _giulia_in_2020()
    client.force_login(cast.staff)
    for url in (SUMMARY, SUMMARY + "?format=csv", EXPERTS_API):
        assert client.get(url, {"as_of": value}).status_code == 200, url
    assert client.get(COMPARE, {"before": "0001-01-01", "after": value}).status_code == 200


@pytest.mark.parametrize("value", ["2020-12-01T12:00:00+16:00", "2020-12-01T00:00:00-23:59"])
@pytest.mark.parametrize(
    "url, parameter",
    [
        (SUMMARY, "as_of"),
        (EXPERTS_API, "as_of"),
        ("/assessment/composition/", "as_of"),
        ("/countries/IT/experts/", "as_of"),
        ("/compositions/export.csv", "as_of"),
        (COMPARE, "after"),
        ("/assessment/composition/compare/", "after"),
    ],
)
def test_an_offset_beyond_postgresqls_range_is_read(client, cast, url, parameter, value):
    """ISO 8601 allows offsets to ±23:59; PostgreSQL takes only ±15:59: the registry reads
    the moment in its own zone before asking the database."""
    _giulia_in_2020()
    client.force_login(cast.staff)
    query = {parameter: value, **({"before": "2019-01-01"} if parameter == "after" else {})}
    response = client.get(url, query)
    assert response.status_code == 200
    if url == SUMMARY:
        assert _sizes(response) == {"IT": 1}


@pytest.mark.parametrize("value", ["20201130", "2020-W48-1", "2020-11-30T12", "2020-11-3"])
def test_forms_that_would_read_otherwise_than_meant_are_refused(client, cast, value):
    """`2020-11-30` is the end of that day; its basic form would read as midnight."""
    client.force_login(cast.viewer)
    response = client.get(SUMMARY, {"as_of": value})
    assert response.status_code == 400
    assert "as_of" in response.json()["errors"]
    compare = client.get(COMPARE, {"before": value, "after": "2021-01-01"})
    assert compare.status_code == 400, compare.content
    assert "before" in compare.json()["errors"]


def test_the_extended_forms_are_read(client, cast):
    _giulia_in_2020()
    client.force_login(cast.viewer)
    for value in (
        "2020-11-30",
        "2020-11-30T12:00",
        "2020-11-30t11:00:00z",
        "2020-11-30T13:00+0100",
    ):
        assert _sizes(client.get(SUMMARY, {"as_of": value})) == {"IT": 1}, value
    assert _sizes(client.get(SUMMARY, {"as_of": "2020-11-30T11:59"})) == {}


def test_a_comparison_the_wrong_way_round_is_a_400_naming_before(client, cast):
    client.force_login(cast.viewer)
    query = {"before": "2021-01-01", "after": "2020-01-01"}
    response = client.get(COMPARE, query)
    assert response.status_code == 400
    assert "later than after" in response.json()["errors"]["before"][0]
    page = client.get("/assessment/composition/compare/", query)
    assert page.status_code == 400
    assert "later than after" in page.content.decode()
    assert client.get(COMPARE, {"before": "2020-01-01", "after": "2020-01-01"}).status_code == 200


def test_a_dated_import_over_people_held_since_later_is_refused_naming_them(db):
    import_composition(data=csv_file(ANA, LUIS), filename="today.csv")
    with pytest.raises(ImportFailed) as refused:
        import_composition(
            data=csv_file(ANA, LUIS),
            filename="2020.csv",
            as_of=datetime.datetime(2020, 11, 30, 23, 59, tzinfo=BRUSSELS),
        )
    message = " ".join(str(e) for e in refused.value.errors)
    assert "Luis Pérez" in message and "history only moves forward" in message
    assert composition_as_of(datetime.datetime(2020, 12, 1, tzinfo=BRUSSELS)) == {}


def test_the_command_refuses_a_dated_import_over_people_held_since_later(tmp_path, db):
    path = tmp_path / "es.csv"
    path.write_bytes(csv_file(ANA, LUIS))
    call_command("import_composition", str(path), stdout=io.StringIO())
    for extra in ([], ["--dry-run"]):
        err = io.StringIO()
        with pytest.raises(SystemExit) as exited:
            call_command(
                "import_composition", str(path), "--as-of", "2020-11-30", *extra, stderr=err
            )
        assert exited.value.code == 1
        assert "Luis Pérez" in err.getvalue() and "history only moves forward" in err.getvalue()


def test_a_blank_as_of_on_the_command_line_is_refused(tmp_path, db):
    path = tmp_path / "es.csv"
    path.write_bytes(csv_file(ANA))
    with pytest.raises(CommandError, match="--as-of"):
        call_command("import_composition", str(path), "--as-of", "")


def test_a_dated_import_with_an_offset_beyond_postgresqls_range_is_read(tmp_path, db):
    path = tmp_path / "2020.csv"
    path.write_bytes(csv_file(GIULIA))
    call_command("import_composition", str(path), "--as-of", "2020-11-30T12:00:00+16:00")
    assert composition_as_of(datetime.datetime(2020, 11, 30, tzinfo=BRUSSELS))["IT"].experts == 1


def test_a_dated_survey_import_redates_the_responses_it_finds_unchanged(db):
    past_round = Survey.objects.get(slug=SLUG)  # closed on 2021-03-31
    data = responses_file(past_round, ES_ROW)
    import_survey(
        survey=past_round, data=data, filename="2020.csv", submitted_on=timezone.localdate()
    )
    summary = import_survey(
        survey=past_round, data=data, filename="2020.csv", submitted_on=datetime.date(2021, 3, 31)
    )
    response = Response.objects.get(survey=past_round)
    assert timezone.localtime(response.submitted_at).date() == datetime.date(2021, 3, 31)
    assert any(
        "submitted on" in c.description and "→ 2021-03-31" in c.description for c in summary.changes
    )
    again = import_survey(
        survey=past_round, data=data, filename="2020.csv", submitted_on=datetime.date(2021, 3, 31)
    )
    assert again.counts["responses"].unchanged == 1


def test_a_submission_date_before_the_round_opened_is_refused(db):
    past_round = Survey.objects.get(slug=SLUG)
    assert past_round.opens_on is not None
    with pytest.raises(ImportFailed, match="before the round opened"):
        import_survey(
            survey=past_round,
            data=responses_file(past_round, ES_ROW),
            filename="2020.csv",
            submitted_on=past_round.opens_on - datetime.timedelta(days=1),
        )
