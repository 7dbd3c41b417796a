"""The survey responses file import (DESIGN section 5): reading and checking the file.

`import_survey` reads the file, cleans every row (each error of the file reported at once),
and hands the rows to `import_plan`, which compares them with the stored responses and
writes the difference with its history.
"""

import datetime
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from nmg_registry import permissions
from nmg_registry.bulk_writes import import_reason
from nmg_registry.models import Country, normalise_country_code
from nmg_registry.tabular import (
    ErrorCollector,
    ImportFailed,
    ImportSummary,
    Row,
    RowError,
    Table,
    check_previewed,
    read_table,
)
from surveys.models import Answer, Response, Survey
from surveys.resources import COUNTRY_COLUMN, SurveyResponseResource
from surveys.services.import_plan import CleanRow, ResponsesPlan


@transaction.atomic
def import_survey(
    *,
    survey: Survey,
    data: bytes,
    filename: str,
    dry_run: bool = False,
    user=None,
    previewed: str | None = None,
    submitted_on: datetime.date | None = None,
) -> ImportSummary:
    """Store a responses file as the submitted responses of `survey` (DESIGN section 5).

    All or nothing: every error in the file is raised at once in ImportFailed and nothing is
    written. A country's row replaces its earlier response in the round; what equals the
    stored data is not saved again, so importing a file twice changes nothing. `user` None
    is the command line; staff may write to a round in any status, anyone else only where
    the policy lets them answer. The queries are the same few whatever the number of rows.
    `previewed`, when given, is the fingerprint of the preview the user confirmed: if the
    import would now make other changes, PlanChanged carries the new preview.
    `submitted_on` dates the responses it submits (`submission_time`).
    """
    resource = SurveyResponseResource.for_survey(survey, country_index=Country.objects.code_index())
    table, header_errors = _read_responses_file(
        data, filename=filename, codes=resource.question_codes
    )
    checks = _CountryChecks(survey=survey, user=user)
    rows = _clean_rows(table, resource=resource, checks=checks, header_errors=header_errors)
    if not dry_run:
        _lock_round(survey)
    stored = _stored_responses(survey, [row.country for row in rows], lock=not dry_run)
    plan = ResponsesPlan(
        survey=survey,
        resource=resource,
        submitter=user if permissions.is_signed_in(user) else None,
        reason=import_reason("survey", filename),
        filename=filename,
        submitted_at=submission_time(survey, submitted_on),
    )
    for row in rows:
        plan.add_row(row, stored.get(row.country.pk))
    summary = plan.summary(dry_run=dry_run)
    check_previewed(summary, previewed)
    if not dry_run:
        plan.write()
    return summary


def submission_time(survey: Survey, submitted_on: datetime.date | None) -> datetime.datetime | None:
    """When the responses a file submits count as submitted: the start of `submitted_on`
    (in the registry's time zone); by default the closing date of a closed round, whose
    answers were given then; None (the import's own time) for a round without that date.
    A date still to come, or before the round opened, is refused (ImportFailed)."""
    if submitted_on is None:
        if not (survey.is_closed and survey.closes_on):
            return None
        submitted_on = survey.closes_on
    elif submitted_on > timezone.localdate():
        raise ImportFailed(
            [RowError(f"the submission date {submitted_on.isoformat()} is still to come")]
        )
    elif survey.opens_on and submitted_on < survey.opens_on:
        raise ImportFailed(
            [
                RowError(
                    f"the submission date {submitted_on.isoformat()} is before the round "
                    f"opened on {survey.opens_on.isoformat()}"
                )
            ]
        )
    return timezone.make_aware(datetime.datetime.combine(submitted_on, datetime.time.min))


class _QuestionColumns:
    """Accepts the round's question codes as columns and notes which ones the header names."""

    def __init__(self, codes: Sequence[str]):
        self.codes = list(codes)
        self.seen: set[str] = set()

    def __call__(self, name: str) -> bool:
        if name in self.codes:
            self.seen.add(name)
            return True
        return False

    def missing(self) -> list[RowError]:
        return [
            RowError(f'missing column "{code}"', line=1)
            for code in self.codes
            if code not in self.seen
        ]


def _read_responses_file(
    data: bytes, *, filename: str, codes: Sequence[str]
) -> tuple[Table, list[RowError]]:
    """The file's rows, and the question columns its header lacks as errors.

    Every question is a required column: a column left out by mistake must not silently
    erase the answers it would have held. The rows are still read and checked, blank in the
    missing columns, so that the file's every error is reported at once.
    """
    columns = _QuestionColumns(codes)
    try:
        table = read_table(
            data, filename=filename, required=[COUNTRY_COLUMN], extra_allowed=columns
        )
    except ImportFailed as failed:
        # An error with a line number means the header was read: report its gaps as well.
        header_read = any(error.line for error in failed.errors)
        missing = columns.missing() if header_read else []
        raise ImportFailed([*failed.errors, *missing], more=failed.more) from None
    missing = columns.missing()
    if missing:
        blank = dict.fromkeys(codes, "")
        rows = [Row(line=row.line, cells={**blank, **row.cells}) for row in table.rows]
        table = Table(columns=table.columns, rows=rows)
    return table, missing


class _CountryChecks:
    """What a row's country must be besides known: named once, invited, open to the user."""

    def __init__(self, *, survey: Survey, user):
        self.survey = survey
        self.user = user
        self.invited = frozenset(survey.invited_countries.values_list("pk", flat=True))
        self.check_access = user is not None and not permissions.is_registry_staff(user)
        self.first_lines: dict[int, int] = {}

    def problem(self, country: Country, *, line: int, typed: str) -> str | None:
        first = self.first_lines.setdefault(country.pk, line)
        if first != line:
            if normalise_country_code(typed) != country.code:
                return f'"{typed}" is {country.code}, which appears also on line {first}'
            return f"{country.code} appears also on line {first}"
        if country.pk not in self.invited:
            return f"{country} was not invited to {self.survey.slug}"
        if self.check_access and not permissions.can_answer_survey(self.user, self.survey, country):
            if not permissions.represents(self.user, country):
                return f"you do not represent {country}"
            return f"{self.survey.slug} is not open; only WP6 staff may change its responses"
        return None


def _clean_rows(
    table: Table,
    *,
    resource: SurveyResponseResource,
    checks: _CountryChecks,
    header_errors: Sequence[RowError],
) -> list[CleanRow]:
    """Every row cleaned, or ImportFailed carrying every error of the file in line order."""
    errors = ErrorCollector()
    errors.errors.extend(header_errors)
    rows = []
    for row in table.rows:
        country = resource.clean_country(row, errors=errors)
        if country is not None:
            typed = row.cells[COUNTRY_COLUMN]
            if problem := checks.problem(country, line=row.line, typed=typed):
                errors.add(problem, line=row.line, column=COUNTRY_COLUMN)
        answers = resource.clean_answers(row, errors=errors)
        if country is not None:
            rows.append(CleanRow(line=row.line, country=country, answers=answers))
    errors.raise_if_any()
    return rows


def _lock_round(survey: Survey) -> None:
    """Two imports into one round run one after the other, each seeing the other's result."""
    Survey.objects.select_for_update().only("pk").get(pk=survey.pk)


def _stored_responses(
    survey: Survey, countries: Iterable[Country], *, lock: bool
) -> dict[int, Response]:
    """The round's responses of these countries with their answers, by country id."""
    queryset = (
        Response.objects.filter(survey=survey, country__in=countries)
        .order_by()  # the default ordering would join (and lock) the countries
        .prefetch_related(Prefetch("answers", queryset=Answer.objects.order_by()))
    )
    if lock:
        queryset = queryset.select_for_update()
    return {response.country_id: response for response in queryset}


def import_upload(*, options, only_countries=None, **import_args) -> ImportSummary:
    """The survey import as the staged-upload engine runs it (nmg_registry.imports):
    `options` name the round and may give `submitted_on` (YYYY-MM-DD). A responses file is
    never restricted to one country's page."""
    if only_countries is not None:
        raise ValueError("A responses file is imported for a round, not from a country's page.")
    survey = Survey.objects.filter(slug=options["survey"]).first()
    if survey is None:
        raise ImportFailed([RowError(f"the round {options['survey']} no longer exists")])
    submitted_on = options.get("submitted_on")
    if submitted_on:
        submitted_on = datetime.date.fromisoformat(submitted_on)
    return import_survey(survey=survey, submitted_on=submitted_on or None, **import_args)
