"""Importing a survey responses file: `import_survey` and `manage.py import_survey`."""

import csv
import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from surveys.models import Answer, Response, Survey
from surveys.services.file_import import import_survey
from tests import factories

pytestmark = pytest.mark.django_db

SLUG = "nmg-survey-2020"
# The 2020 round invited 24 countries; these 20 of them.
TWENTY_INVITED = [
    "AT",
    "BE",
    "BG",
    "CY",
    "CZ",
    "DE",
    "DK",
    "EE",
    "EL",
    "ES",
    "FI",
    "HR",
    "HU",
    "IT",
    "LT",
    "LU",
    "LV",
    "MT",
    "NL",
    "NO",
]

ES_ROW = {
    "country": "ES",
    "wg1_representative": "Ana García",
    "scientific_coordinator": "same_as_wg1",
    "health_genomics_plan_url": "https://example.org/plan",
    "nmg_stage": "operational",
    "funding": "yes",
    "member_activity": "4",
}
IT_ROW = {"country": "IT", "nmg_stage": "planning", "engagement": "no"}


@pytest.fixture
def survey(db):
    return Survey.objects.get(slug=SLUG)


def header(survey) -> list[str]:
    return ["country", *survey.questions.values_list("code", flat=True)]


def csv_file(survey, *rows, delimiter=",", bom=False) -> bytes:
    """A responses file with every column of the round; cells not given are blank."""
    columns = header(survey)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def xlsx_file(survey, *rows) -> bytes:
    columns = header(survey)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(columns)
    for row in rows:
        sheet.append([row.get(column) for column in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run(survey, data, *, filename="responses.csv", **kwargs):
    return import_survey(survey=survey, data=data, filename=filename, **kwargs)


def stored(survey) -> dict[str, dict[str, str]]:
    """What the round holds: each submitted response's answers by country and question."""
    answers = Answer.objects.filter(
        response__survey=survey, response__status=Response.Status.SUBMITTED
    ).select_related("response__country", "question", "option")
    result: dict[str, dict[str, str]] = {}
    for answer in answers:
        result.setdefault(answer.response.country.code, {})[answer.question.code] = answer.value
    return result


def counts(summary, model) -> tuple[int, int, int, int]:
    c = summary.counts[model]
    return c.created, c.updated, c.unchanged, c.removed


def row_counts() -> dict[str, int]:
    """Every table an import writes, with its history, to prove nothing was written."""
    return {
        "responses": Response.objects.count(),
        "answers": Answer.objects.count(),
        "response history": Response.history.count(),
        "answer history": Answer.history.count(),
    }


def failure(survey, data, **kwargs) -> list[str]:
    from nmg_registry.tabular import ImportFailed

    before = row_counts()
    with pytest.raises(ImportFailed) as excinfo:
        run(survey, data, **kwargs)
    assert row_counts() == before
    return [str(error) for error in excinfo.value.errors]


# What a good file does


def test_rows_become_submitted_responses_of_the_round(survey):
    summary = run(survey, csv_file(survey, ES_ROW, IT_ROW))

    assert stored(survey) == {
        "ES": {k: v for k, v in ES_ROW.items() if k != "country"},
        "IT": {"nmg_stage": "planning", "engagement": "no"},
    }
    es = Response.objects.get(survey=survey, country__code="ES")
    assert es.status == Response.Status.SUBMITTED
    assert es.submitted_at is not None
    assert es.submitted_by is None  # the command line
    assert counts(summary, "responses") == (2, 0, 0, 0)
    assert counts(summary, "answers") == (8, 0, 0, 0)
    assert summary.line() == (
        "responses: 2 created, 0 updated, 0 unchanged, 0 removed; "
        "answers: 8 created, 0 updated, 0 unchanged, 0 removed"
    )
    assert "create answer ES nmg_stage: operational" in [c.description for c in summary.changes]


@pytest.mark.parametrize(
    ("code", "typed", "value"),
    [
        ("engagement", "Yes", "yes"),
        ("engagement", "yes", "yes"),
        ("engagement", "NO", "no"),
        ("nmg_stage", "Planning/preparing", "planning"),
        ("nmg_stage", "planning", "planning"),
        ("nmg_stage", "CONSTRUCTING/STARTING UP", "constructing"),
        ("nmg_stage", "no tangible activities yet", "no_tangible_activities"),
        ("scientific_coordinator", "Same as WG1 representative", "same_as_wg1"),
        ("scientific_coordinator", "same as wg1", "same_as_wg1"),
        ("member_activity", "3", "3"),
        ("member_activity", "3.0", "3"),
        ("member_activity", "5 (very active)", "5"),
    ],
)
def test_options_are_read_as_value_or_label_in_any_letter_case(survey, code, typed, value):
    run(survey, csv_file(survey, {"country": "ES", code: typed}))

    assert stored(survey) == {"ES": {code: value}}


def test_an_xlsx_file_imports_like_a_csv(survey):
    data = xlsx_file(
        survey,
        {"country": "gr", "member_activity": 3, "engagement": "Yes"},
        {"country": "ES", "member_activity": 2.0, "wg1_representative": "Ana"},
    )

    run(survey, data, filename="responses.xlsx")

    assert stored(survey) == {
        "EL": {"member_activity": "3", "engagement": "yes"},
        "ES": {"member_activity": "2", "wg1_representative": "Ana"},
    }


def test_a_semicolon_separated_csv_with_a_bom_and_iso_codes(survey):
    data = csv_file(
        survey,
        {"country": "gr", "nmg_stage": "Operational"},
        {"country": "gb", "engagement_how": "More meetings; fewer emails"},
        delimiter=";",
        bom=True,
    )

    run(survey, data)

    assert stored(survey) == {
        "EL": {"nmg_stage": "operational"},
        "UK": {"engagement_how": "More meetings; fewer emails"},
    }


def test_text_that_looks_like_a_formula_is_kept_as_typed(survey):
    run(survey, csv_file(survey, {"country": "ES", "engagement_how": "=1+1 more meetings"}))

    assert stored(survey) == {"ES": {"engagement_how": "=1+1 more meetings"}}


# Replacing and idempotency


def test_importing_the_same_file_twice_changes_nothing(survey):
    data = csv_file(survey, ES_ROW, IT_ROW)
    run(survey, data)
    submitted_at = dict(
        Response.objects.filter(survey=survey).values_list("country__code", "submitted_at")
    )
    before = row_counts()

    summary = run(survey, data)

    assert counts(summary, "responses") == (0, 0, 2, 0)
    assert counts(summary, "answers") == (0, 0, 8, 0)
    assert not summary.changed
    assert summary.changes == []
    assert row_counts() == before  # no new history records either
    assert submitted_at == dict(
        Response.objects.filter(survey=survey).values_list("country__code", "submitted_at")
    )


def test_a_countrys_earlier_response_is_replaced(survey):
    run(survey, csv_file(survey, ES_ROW))
    changed = {**ES_ROW, "nmg_stage": "Constructing/starting up", "funding": "", "engagement": "no"}

    summary = run(survey, csv_file(survey, changed))

    expected = {k: v for k, v in ES_ROW.items() if k not in ("country", "funding")}
    assert stored(survey) == {"ES": {**expected, "nmg_stage": "constructing", "engagement": "no"}}
    assert counts(summary, "responses") == (0, 1, 0, 0)
    assert counts(summary, "answers") == (1, 1, 4, 1)
    assert [(c.line, c.description) for c in summary.changes] == [
        (2, "update response ES: submitted again"),
        (2, "update answer ES nmg_stage: operational → constructing"),
        (2, "remove answer ES funding: yes"),
        (2, "create answer ES engagement: no"),
    ]
    removed = Answer.history.filter(history_type="-").get()
    assert removed.question.code == "funding"


def test_a_draft_response_becomes_submitted(survey, cast):
    draft = factories.ResponseFactory(survey=survey, country=cast.es)
    question = survey.questions.get(code="wg1_representative")
    factories.AnswerFactory(response=draft, question=question, text="Ana")

    summary = run(survey, csv_file(survey, {"country": "ES", "wg1_representative": "Ana"}))

    draft.refresh_from_db()
    assert draft.status == Response.Status.SUBMITTED
    assert counts(summary, "responses") == (0, 1, 0, 0)
    assert counts(summary, "answers") == (0, 0, 1, 0)
    assert [c.description for c in summary.changes] == ["update response ES: draft → submitted"]


def test_countries_not_in_the_file_keep_their_responses(survey):
    run(survey, csv_file(survey, ES_ROW, IT_ROW))

    run(survey, csv_file(survey, {"country": "IT", "nmg_stage": "operational"}))

    assert stored(survey)["ES"] == {k: v for k, v in ES_ROW.items() if k != "country"}
    assert stored(survey)["IT"] == {"nmg_stage": "operational"}


def test_a_dry_run_writes_nothing_but_previews_every_change(survey):
    run(survey, csv_file(survey, ES_ROW))
    before = row_counts()

    summary = run(survey, csv_file(survey, {**ES_ROW, "funding": "no"}, IT_ROW), dry_run=True)

    assert row_counts() == before
    assert summary.line().startswith("Dry run, nothing written. responses: 1 created, 1 updated")
    assert [c.description for c in summary.changes] == [
        "update response ES: submitted again",
        "update answer ES funding: yes → no",
        "create response IT (2 answers)",
        "create answer IT nmg_stage: planning",
        "create answer IT engagement: no",
    ]


# Who may import what


def test_staff_may_import_into_a_closed_round(survey, cast):
    assert survey.status == Survey.Status.CLOSED

    run(survey, csv_file(survey, IT_ROW), user=cast.staff)

    response = Response.objects.get(survey=survey, country=cast.it)
    assert response.submitted_by == cast.staff
    assert response.history.get().history_user == cast.staff


def test_a_representative_imports_their_country_into_an_open_round(survey, cast):
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.OPEN)
    survey.refresh_from_db()

    run(survey, csv_file(survey, ES_ROW), user=cast.rep_es)

    assert Response.objects.get(survey=survey, country=cast.es).submitted_by == cast.rep_es


def test_a_representatives_rows_for_another_country_are_refused(survey, cast):
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.OPEN)
    survey.refresh_from_db()

    errors = failure(survey, csv_file(survey, ES_ROW, IT_ROW), user=cast.rep_es)

    assert errors == ["line 3, country: you do not represent Italy (IT)"]


def test_a_representative_cannot_import_into_a_closed_round(survey, cast):
    errors = failure(survey, csv_file(survey, ES_ROW), user=cast.rep_es)

    assert errors == [
        "line 2, country: nmg-survey-2020 is not open; only WP6 staff may change its responses"
    ]


# Faults


def test_every_bad_cell_is_reported_at_once_and_nothing_is_written(survey):
    data = csv_file(
        survey,
        {"country": "ES", "nmg_stage": "operational"},
        {"country": "XX", "engagement": "yes"},
        {"country": "EL", "health_genomics_plan_url": "www.x"},
        {"country": "PL", "engagement": "maybe"},
        {"country": "es", "member_activity": "7"},
        {"country": "GR"},
        {"engagement": "yes"},
    )

    errors = failure(survey, data)

    assert errors == [
        'line 3, country: unknown country "XX"',
        'line 4, health_genomics_plan_url: "www.x" is not a web address (start with https://)',
        "line 5, country: Poland (PL) was not invited to nmg-survey-2020",
        'line 5, engagement: "maybe" is not one of yes, no',
        "line 6, country: ES appears also on line 2",
        'line 6, member_activity: "7" is not one of 1, 2, 3, 4, 5',
        'line 7, country: "GR" is EL, which appears also on line 4',
        "line 8, country: the country is missing",
    ]


def test_nothing_is_written_when_one_row_of_many_is_bad(survey):
    run(survey, csv_file(survey, ES_ROW))
    rows = [{"country": code, "nmg_stage": "planning"} for code in TWENTY_INVITED]
    rows[-1]["nmg_stage"] = "finished"

    errors = failure(survey, csv_file(survey, *rows))

    assert errors == [
        'line 21, nmg_stage: "finished" is not one of no_tangible_activities, planning, '
        "constructing, operational"
    ]
    assert stored(survey)["ES"]["nmg_stage"] == "operational"


def test_a_missing_column_and_bad_cells_are_reported_together(survey):
    data = without_column(csv_file(survey, {"country": "ES", "engagement": "maybe"}), "funding")

    assert failure(survey, data) == [
        'line 1: missing column "funding"',
        'line 2, engagement: "maybe" is not one of yes, no',
    ]


def without_column(data: bytes, column: str) -> bytes:
    rows = list(csv.reader(io.StringIO(data.decode())))
    index = rows[0].index(column)
    buffer = io.StringIO()
    csv.writer(buffer).writerows([r[:index] + r[index + 1 :] for r in rows])
    return buffer.getvalue().encode()


@pytest.mark.parametrize(
    ("make_file", "expected"),
    [
        (lambda s: b"", ["the file is empty"]),
        (lambda s: b"\n\n", ["the file is empty"]),
        (lambda s: csv_file(s), ["the file has a header but no data rows"]),
        (
            lambda s: "country,engagement_how\nES,Más reuniones\n".encode("latin-1"),
            [
                "the file is not UTF-8 text (byte 28 cannot be read); save it as CSV UTF-8 "
                "or as XLSX"
            ],
        ),
        (
            lambda s: without_column(csv_file(s, ES_ROW), "country"),
            ['line 1: missing column "country"'],
        ),
        (
            lambda s: without_column(csv_file(s, ES_ROW), "funding"),
            ['line 1: missing column "funding"'],
        ),
        (
            lambda s: csv_file(s, ES_ROW).replace(b"country,", b"country,foo,", 1),
            ['line 1: unknown column "foo"; expected country and the question codes'],
        ),
        (
            lambda s: without_column(csv_file(s, ES_ROW), "funding").replace(
                b"country,", b"country,foo,", 1
            ),
            [
                'line 1: unknown column "foo"; expected country and the question codes',
                'line 1: missing column "funding"',
            ],
        ),
        (
            lambda s: b"PK\x03\x04 not really a workbook",
            ["the file is not a readable XLSX workbook"],
        ),
    ],
    ids=[
        "empty",
        "blank lines",
        "header only",
        "not utf-8",
        "no country column",
        "a question column missing",
        "unknown column",
        "unknown and missing columns together",
        "broken xlsx",
    ],
)
def test_a_bad_file_is_refused_naming_the_problem(survey, make_file, expected):
    assert failure(survey, make_file(survey)) == expected


# Query counts


def answer_rows(codes):
    """Five answers per country, so 20 countries stay below SQLite's 999 parameters a query
    (about 110 history rows): past that Django splits a bulk insert, on SQLite only."""
    return [
        {
            "country": code,
            "nmg_stage": "operational",
            "funding": "yes",
            "member_activity": "3",
            "engagement_how": f"Meetings in {code}",
            "health_genomics_plan_url": f"https://example.org/{code}",
        }
        for code in codes
    ]


@pytest.mark.parametrize("countries", [2, 20])
def test_import_queries_do_not_grow_with_the_number_of_countries(
    survey, countries, django_assert_num_queries
):
    rows = answer_rows(TWENTY_INVITED[:countries])
    first = csv_file(survey, *rows)
    second = csv_file(
        survey,
        *({**row, "funding": "no", "engagement_how": "", "engagement": "yes"} for row in rows),
    )

    # savepoint, countries, questions, options, invitations, round lock, responses (none:
    # so no answers to fetch), responses and answers inserted with their history, release
    with django_assert_num_queries(12):
        run(survey, first)
    # the reads, now with the answers; the responses updated, answers created, updated and
    # removed, each write with its history
    with django_assert_num_queries(17):
        run(survey, second)
    # the reads alone: nothing to write
    with django_assert_num_queries(9):
        summary = run(survey, second)
    assert not summary.changed


# The command


def test_command_prints_the_summary(survey, tmp_path, capsys):
    path = tmp_path / "responses.csv"
    path.write_bytes(csv_file(survey, ES_ROW, IT_ROW))

    call_command("import_survey", SLUG, str(path))

    assert capsys.readouterr().out.strip() == (
        "responses: 2 created, 0 updated, 0 unchanged, 0 removed; "
        "answers: 8 created, 0 updated, 0 unchanged, 0 removed"
    )
    assert len(stored(survey)) == 2


def test_command_dry_run_lists_the_changes_and_writes_nothing(survey, tmp_path, capsys):
    path = tmp_path / "responses.csv"
    path.write_bytes(csv_file(survey, IT_ROW))

    call_command("import_survey", SLUG, str(path), "--dry-run")

    assert capsys.readouterr().out.splitlines() == [
        "line 2: create response IT (2 answers)",
        "line 2: create answer IT nmg_stage: planning",
        "line 2: create answer IT engagement: no",
        "Dry run, nothing written. responses: 1 created, 0 updated, 0 unchanged, 0 removed; "
        "answers: 2 created, 0 updated, 0 unchanged, 0 removed",
    ]
    assert not Response.objects.exists()


def test_command_prints_every_error_and_exits_with_status_1(survey, tmp_path, capsys):
    path = tmp_path / "responses.csv"
    path.write_bytes(csv_file(survey, {"country": "XX"}, {"country": "ES", "funding": "perhaps"}))

    with pytest.raises(SystemExit) as excinfo:
        call_command("import_survey", SLUG, str(path))

    assert excinfo.value.code == 1
    assert capsys.readouterr().err.splitlines() == [
        'line 2, country: unknown country "XX"',
        'line 3, funding: "perhaps" is not one of yes, no',
        "2 errors; nothing was written.",
    ]
    assert not Response.objects.exists()


def test_command_names_an_unknown_round_and_lists_the_rounds(tmp_path):
    factories.SurveyFactory(slug="nmg-survey-2022")
    path = tmp_path / "responses.csv"
    path.write_bytes(b"country\nES\n")

    with pytest.raises(CommandError) as excinfo:
        call_command("import_survey", "nmg-survey-2021", str(path))

    assert str(excinfo.value) == (
        'unknown survey round "nmg-survey-2021"; the rounds are: nmg-survey-2020, nmg-survey-2022'
    )


def test_command_reports_a_file_it_cannot_read(survey, tmp_path):
    with pytest.raises(CommandError, match=r"cannot read .*missing\.csv"):
        call_command("import_survey", SLUG, str(tmp_path / "missing.csv"))
