"""Writes to survey rounds: importing a responses file and starting a round as a copy of another.

Views, admin screens and commands call these and stay thin. Each runs in one transaction and
asks `nmg_registry.permissions` who may do what.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.text import Truncator
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from nmg_registry import permissions
from nmg_registry.models import Country, normalise_country_code
from nmg_registry.tabular import (
    Change,
    ErrorCollector,
    ImportFailed,
    ImportSummary,
    Row,
    RowError,
    Table,
    read_table,
)
from surveys.models import Answer, Question, QuestionOption, Response, Survey
from surveys.resources import COUNTRY_COLUMN, AnswerValue, SurveyResponseResource

RESPONSES = "responses"
ANSWERS = "answers"


# Importing a responses file


@transaction.atomic
def import_survey(
    *,
    survey: Survey,
    data: bytes,
    filename: str,
    dry_run: bool = False,
    user=None,
) -> ImportSummary:
    """Store a responses file as the submitted responses of `survey` (DESIGN section 5).

    All or nothing: every error in the file is raised at once in ImportFailed and nothing is
    written. A country's row replaces its earlier response in the round; what equals the
    stored data is not saved again, so importing a file twice changes nothing. `user` None
    is the command line; staff may write to a round in any status, anyone else only where
    the policy lets them answer. The queries are the same few whatever the number of rows.
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
    plan = _ImportPlan(
        survey=survey,
        resource=resource,
        submitter=user if permissions.is_signed_in(user) else None,
        dry_run=dry_run,
    )
    for row in rows:
        plan.add_row(row, stored.get(row.country.pk))
    if not dry_run:
        plan.write()
    return plan.summary


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
        raise ImportFailed([*failed.errors, *missing]) from None
    missing = columns.missing()
    if missing:
        blank = dict.fromkeys(codes, "")
        rows = [Row(line=row.line, cells={**blank, **row.cells}) for row in table.rows]
        table = Table(columns=table.columns, rows=rows)
    return table, missing


@dataclass(frozen=True)
class _CleanRow:
    line: int
    country: Country
    answers: dict[str, AnswerValue]


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
) -> list[_CleanRow]:
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
            rows.append(_CleanRow(line=row.line, country=country, answers=answers))
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


def _shown(value: AnswerValue) -> str:
    """An answer as a preview line shows it: an option's value, or a short quoted text."""
    if isinstance(value, QuestionOption):
        return value.value
    return '"' + Truncator(" ".join(value.split())).chars(60) + '"'


class _ImportPlan:
    """Compares the file's rows with the stored responses; gathers the writes that make them
    equal, so that each kind of write is one bulk query, and the summary of it."""

    def __init__(self, *, survey: Survey, resource: SurveyResponseResource, submitter, dry_run):
        self.survey = survey
        self.resource = resource
        self.submitter = submitter
        self.now = timezone.now()
        self.summary = ImportSummary(dry_run=dry_run)
        self.response_counts = self.summary.for_model(RESPONSES)
        self.answer_counts = self.summary.for_model(ANSWERS)
        self.new_responses: list[Response] = []
        self.changed_responses: list[Response] = []
        self.new_answers: list[Answer] = []
        self.changed_answers: list[Answer] = []
        self.removed_answers: list[Answer] = []

    def add_row(self, row: _CleanRow, response: Response | None) -> None:
        is_new = response is None
        if is_new:
            response = Response(survey=self.survey, country=row.country)
        stored = {} if is_new else {a.question_id: a for a in response.answers.all()}
        answer_changes = [
            change
            for question in self.resource.questions
            if (change := self._plan_answer(row, response, question, stored.get(question.pk)))
        ]
        if is_new:
            self._submit(response, new=True)
            count = len(row.answers)
            answers = f"{count} answer{'s' if count != 1 else ''}"
            self._change("create", "response", f"{row.country.code} ({answers})", row)
        elif answer_changes or response.status != Response.Status.SUBMITTED:
            was_draft = response.status == Response.Status.DRAFT
            self._submit(response, new=False)
            how = "draft → submitted" if was_draft else "submitted again"
            self._change("update", "response", f"{row.country.code}: {how}", row)
        else:
            self.response_counts.unchanged += 1
        for action, description in answer_changes:
            self._change(action, "answer", description, row)

    def _submit(self, response: Response, *, new: bool) -> None:
        response.status = Response.Status.SUBMITTED
        response.submitted_at = self.now
        response.submitted_by = self.submitter
        response.updated_at = self.now  # bulk_update skips auto_now
        if new:
            self.new_responses.append(response)
            self.response_counts.created += 1
        else:
            self.changed_responses.append(response)
            self.response_counts.updated += 1

    def _plan_answer(self, row, response, question: Question, answer: Answer | None):
        """The (action, description) of the change to one answer, or None when it stays."""
        value = row.answers.get(question.code)
        about = f"{row.country.code} {question.code}"
        option = value if isinstance(value, QuestionOption) else None
        text = value if isinstance(value, str) else ""
        if value is None and answer is None:
            return None
        if value is None:
            self.removed_answers.append(answer)
            self.answer_counts.removed += 1
            return "remove", f"{about}: {_shown(self._stored_value(answer))}"
        if answer is None:
            self.new_answers.append(
                Answer(response=response, question=question, option=option, text=text)
            )
            self.answer_counts.created += 1
            return "create", f"{about}: {_shown(value)}"
        if answer.option_id == (option.pk if option else None) and answer.text == text:
            self.answer_counts.unchanged += 1
            return None
        before = _shown(self._stored_value(answer))
        answer.option, answer.text = option, text
        self.changed_answers.append(answer)
        self.answer_counts.updated += 1
        return "update", f"{about}: {before} → {_shown(value)}"

    def _stored_value(self, answer: Answer) -> AnswerValue:
        """A stored answer's value, its option taken from the loaded ones rather than queried."""
        return self.resource.option(answer.option_id) if answer.option_id else answer.text

    def _change(self, action: str, model: str, description: str, row: _CleanRow) -> None:
        self.summary.changes.append(
            Change(action, model, f"{action} {model} {description}", line=row.line)
        )

    def write(self) -> None:
        """Responses first, so that new answers can point to them; history in bulk too."""
        user = self.submitter
        if self.new_responses:
            bulk_create_with_history(self.new_responses, Response, default_user=user)
        if self.changed_responses:
            bulk_update_with_history(
                self.changed_responses,
                Response,
                ["status", "submitted_at", "submitted_by", "updated_at"],
                default_user=user,
            )
        if self.new_answers:
            bulk_create_with_history(self.new_answers, Answer, default_user=user)
        if self.changed_answers:
            bulk_update_with_history(
                self.changed_answers, Answer, ["option", "text"], default_user=user
            )
        if self.removed_answers:
            _remove_with_history(self.removed_answers, user=user, when=self.now)


def _remove_with_history(answers: Sequence[Answer], *, user, when: datetime.datetime) -> None:
    """Delete answers with one history insert and one delete.

    A queryset delete would write each answer's history record in its own query (through
    simple_history's post_delete signal); nothing references an answer, so Django's
    signal-free fast delete is safe once the history is written here.
    """
    history = Answer.history.model
    history.objects.bulk_create(
        history(
            history_type="-",
            history_date=when,
            history_user=user,
            **{field.attname: getattr(answer, field.attname) for field in history.tracked_fields},
        )
        for answer in answers
    )
    doomed = Answer.objects.filter(pk__in=[answer.pk for answer in answers])
    doomed._raw_delete(doomed.db)


# Starting a round


@transaction.atomic
def clone_survey(
    *,
    source: Survey,
    slug: str,
    title: str,
    opens_on: datetime.date | None = None,
    closes_on: datetime.date | None = None,
) -> Survey:
    """A new draft round asking `source`'s questions, inviting today's signatories.

    A round owns its questions (DESIGN section 3), so they are copied: editing the new round
    never changes what an earlier round asked. Raises ValidationError naming each problem.
    """
    title = (title or "").strip()
    _check_new_round(slug=slug, title=title, opens_on=opens_on, closes_on=closes_on)
    survey = Survey.objects.create(
        slug=slug,
        title=title,
        opens_on=opens_on,
        closes_on=closes_on,
        status=Survey.Status.DRAFT,
    )
    _copy_questions(source=source, target=survey)
    survey.invited_countries.set(
        Country.objects.filter(participation=Country.Participation.SIGNATORY)
    )
    return survey


def _check_new_round(*, slug: str, title: str, opens_on, closes_on) -> None:
    errors: dict[str, str] = {}
    max_slug = Survey._meta.get_field("slug").max_length
    try:
        validate_slug(slug)
        if len(slug) > max_slug:
            raise ValidationError("too long")
    except ValidationError:
        errors["slug"] = (
            f'"{slug}" is not a valid slug: use up to {max_slug} letters, digits, '
            "hyphens and underscores"
        )
    else:
        if Survey.objects.filter(slug=slug).exists():
            errors["slug"] = f'a round with the slug "{slug}" already exists'
    max_title = Survey._meta.get_field("title").max_length
    if not title:
        errors["title"] = "the round needs a title"
    elif len(title) > max_title:
        errors["title"] = f"the title is longer than {max_title} characters"
    if opens_on and closes_on and closes_on < opens_on:
        errors["closes_on"] = (
            f"the round cannot close ({closes_on.isoformat()}) before it opens "
            f"({opens_on.isoformat()})"
        )
    if errors:
        raise ValidationError(errors)


def _copy_questions(*, source: Survey, target: Survey) -> None:
    originals = list(source.questions.prefetch_related("options"))
    copies = bulk_create_with_history(
        [
            Question(
                survey=target,
                code=q.code,
                section=q.section,
                text=q.text,
                help_text=q.help_text,
                kind=q.kind,
                order=q.order,
            )
            for q in originals
        ],
        Question,
    )
    QuestionOption.objects.bulk_create(
        QuestionOption(question=copy, value=o.value, label=o.label, order=o.order)
        for original, copy in zip(originals, copies, strict=True)
        for o in original.options.all()
    )
