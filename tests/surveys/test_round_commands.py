"""`manage.py open_round` and `manage.py close_round`: the admin's services from the command
line, with the same refusals as a CommandError (exit status 1, the reason, no traceback)."""

import datetime

import pytest
from django.core.management import CommandError, ManagementUtility, call_command
from django.utils import timezone

from surveys.models import Survey
from tests import factories

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def a_round(*, status="draft", questions=1, **fields):
    survey = factories.SurveyFactory(status=status, **fields)
    for _ in range(questions):
        factories.QuestionFactory(survey=survey)
    return survey


def run(name, *args):
    call_command(name, *args, stdout=(out := _Output()), stderr=_Output())
    return out.text


class _Output:
    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass


def test_open_round_opens_a_draft_with_its_closing_date(cast):
    survey = a_round(slug="nmg-survey-2024", title="Survey 2024")
    survey.invited_countries.set([cast.es, cast.it])
    closes = TODAY + 30 * DAY

    out = run("open_round", "nmg-survey-2024", "--closes", closes.isoformat())

    survey.refresh_from_db()
    assert (survey.status, survey.opens_on, survey.closes_on) == ("open", TODAY, closes)
    assert out == (
        f"Survey 2024 is open until {closes.isoformat()}, since {TODAY.isoformat()}; "
        "2 countries invited.\n"
    )
    assert survey.history.latest().history_user is None  # the command line


def test_close_round_closes_an_open_round_today(db):
    survey = a_round(status="open", slug="nmg-survey-2024", title="Survey 2024")

    out = run("close_round", "nmg-survey-2024")

    survey.refresh_from_db()
    assert (survey.status, survey.closes_on) == ("closed", TODAY)
    assert out == f"Survey 2024 is closed (closing date {TODAY.isoformat()}).\n"


def test_close_round_records_a_past_round_entered_as_a_draft(db):
    survey = a_round(slug="nmg-survey-2019", closes_on=datetime.date(2020, 3, 31))

    run("close_round", "nmg-survey-2019")

    survey.refresh_from_db()
    assert (survey.status, survey.closes_on) == ("closed", datetime.date(2020, 3, 31))


@pytest.mark.parametrize(
    ("command", "fields", "reason"),
    [
        ("open_round", {"status": "open"}, "Survey 2024 is already open."),
        (
            "open_round",
            {"status": "closed"},
            "Survey 2024 is closed and cannot be opened again; start a new round as a copy of it.",
        ),
        (
            "open_round",
            {"questions": 0},
            "Survey 2024 has no questions; add them before opening it.",
        ),
        ("close_round", {"status": "closed"}, "Survey 2024 is already closed."),
        (
            "close_round",
            {},
            "Survey 2024 has not been opened, so it cannot be closed. To record a round held "
            "in the past, give it its (past) closing date first.",
        ),
    ],
)
def test_a_refused_command_names_the_reason_and_changes_nothing(db, command, fields, reason):
    survey = a_round(slug="nmg-survey-2024", title="Survey 2024", **fields)
    before = survey.history.count()

    with pytest.raises(CommandError) as refused:
        run(command, "nmg-survey-2024")

    assert str(refused.value) == reason
    assert survey.history.count() == before


def test_open_round_refuses_a_past_closing_date(db):
    survey = a_round(slug="nmg-survey-2024", title="Survey 2024")
    past = TODAY - DAY

    with pytest.raises(CommandError) as refused:
        run("open_round", "nmg-survey-2024", "--closes", past.isoformat())

    assert str(refused.value) == (
        f"Survey 2024 closes on {past.isoformat()}, which is past; set a later closing date "
        "before opening it."
    )
    survey.refresh_from_db()
    assert (survey.status, survey.closes_on) == ("draft", None)


def test_a_malformed_closing_date_is_named(db):
    a_round(slug="nmg-survey-2024")

    with pytest.raises(CommandError) as refused:
        run("open_round", "nmg-survey-2024", "--closes", "31/12/2026")

    assert str(refused.value) == '--closes: "31/12/2026" is not a date (YYYY-MM-DD)'
    assert Survey.objects.get(slug="nmg-survey-2024").status == "draft"


@pytest.mark.parametrize("command", ["open_round", "close_round"])
def test_an_unknown_slug_is_named_with_the_rounds_there_are(db, command):
    a_round(slug="nmg-survey-2024")

    with pytest.raises(CommandError) as refused:
        run(command, "nmg-survey-2042")

    assert str(refused.value) == (
        'unknown survey round "nmg-survey-2042"; the rounds are: nmg-survey-2020, nmg-survey-2024'
    )


def test_a_refusal_exits_with_status_1_and_no_traceback(db, capsys):
    """Run as cron would: a refusal is one line on stderr and exit status 1."""
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "close_round", "no-such-round"]).execute()

    assert exited.value.code == 1
    stderr = capsys.readouterr().err
    assert "Traceback" not in stderr
    assert stderr.startswith('CommandError: unknown survey round "no-such-round"')
