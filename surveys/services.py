"""Writes to survey rounds: importing a responses file and starting a round as a copy of another.

Views, admin screens and commands call these and stay thin. Each runs in one transaction and
asks `nmg_registry.permissions` who may do what.
"""

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import URLValidator, validate_slug
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from simple_history.utils import bulk_create_with_history

from nmg_registry import permissions
from nmg_registry.bulk_writes import BulkHistory, import_reason
from nmg_registry.concurrency import lock_unchanged
from nmg_registry.models import Country, Representative, normalise_country_code
from nmg_registry.tabular import (
    Change,
    ErrorCollector,
    ImportFailed,
    ImportSummary,
    Row,
    RowError,
    Table,
    check_previewed,
    read_table,
)
from surveys.models import Answer, Question, QuestionOption, Response, Survey
from surveys.resources import COUNTRY_COLUMN, AnswerValue, SurveyResponseResource
from surveys.selectors import round_closed_notice, round_status, survey_invites

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
    previewed: str | None = None,
) -> ImportSummary:
    """Store a responses file as the submitted responses of `survey` (DESIGN section 5).

    All or nothing: every error in the file is raised at once in ImportFailed and nothing is
    written. A country's row replaces its earlier response in the round; what equals the
    stored data is not saved again, so importing a file twice changes nothing. `user` None
    is the command line; staff may write to a round in any status, anyone else only where
    the policy lets them answer. The queries are the same few whatever the number of rows.
    `previewed`, when given, is the fingerprint of the preview the user confirmed: if the
    import would now make other changes, PlanChanged carries the new preview.
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
        reason=import_reason("survey", filename),
    )
    for row in rows:
        plan.add_row(row, stored.get(row.country.pk))
    check_previewed(plan.summary, previewed)
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
        raise ImportFailed([*failed.errors, *missing], more=failed.more) from None
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

    def __init__(
        self, *, survey: Survey, resource: SurveyResponseResource, submitter, dry_run, reason
    ):
        self.survey = survey
        self.resource = resource
        self.submitter = submitter
        self.reason = reason
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
        elif answer_changes or not response.is_submitted:
            was_draft = response.is_draft
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
        """Responses first, so that new answers can point to them; each write followed (a
        removal preceded) by its history, which names the importer and the file."""
        history = BulkHistory(user=self.submitter, reason=self.reason, date=self.now)
        if self.new_responses:
            history.record(Response, Response.objects.bulk_create(self.new_responses), "+")
        if self.changed_responses:
            Response.objects.bulk_update(
                self.changed_responses, ["status", "submitted_at", "submitted_by", "updated_at"]
            )
            history.record(Response, self.changed_responses, "~")
        if self.new_answers:
            history.record(Answer, Answer.objects.bulk_create(self.new_answers), "+")
        if self.changed_answers:
            Answer.objects.bulk_update(self.changed_answers, ["option", "text"])
            history.record(Answer, self.changed_answers, "~")
        if self.removed_answers:
            # Nothing references an answer: a delete without per-row signals is safe.
            history.delete(Answer, self.removed_answers)


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


# Opening and closing a round, reminding the countries that have not answered


def _check_may_manage_rounds(user) -> None:
    if not permissions.can_manage_rounds(user):
        raise PermissionDenied("Only WP6 staff may open, close and follow survey rounds.")


def _locked(survey: Survey, *, user) -> Survey:
    """The round as stored, locked until the transaction ends, saving in the user's name.

    Two staff members acting on one round at once then act one after the other, each
    seeing the status the other left.
    """
    locked = Survey.objects.select_for_update().get(pk=survey.pk)
    locked._history_user = user
    return locked


@transaction.atomic
def open_round(*, user, survey: Survey) -> Survey:
    """Open a draft round for answers; returns the round as saved.

    Refused (ValidationError naming every problem) for a round that is not a draft, that has
    no questions, or whose closing date is past. `opens_on` becomes today when empty or
    later than today: the round is open from today. A round that invites no country invites
    the current signatories.
    """
    _check_may_manage_rounds(user)
    survey = _locked(survey, user=user)
    if survey.is_open:
        raise ValidationError(f"{survey.title} is already open.")
    if survey.is_closed:
        raise ValidationError(
            f"{survey.title} is closed and cannot be opened again; start a new round as a "
            "copy of it."
        )
    today = timezone.localdate()
    problems = []
    if not survey.questions.exists():
        problems.append(f"{survey.title} has no questions; add them before opening it.")
    if survey.closes_on and survey.closes_on < today:
        problems.append(
            f"{survey.title} closes on {survey.closes_on.isoformat()}, which is past; "
            "set a later closing date before opening it."
        )
    if problems:
        raise ValidationError(problems)
    survey.status = Survey.Status.OPEN
    if survey.opens_on is None or survey.opens_on > today:
        survey.opens_on = today
    survey.save(update_fields=["status", "opens_on"])
    if not survey.invited_countries.exists():
        survey.invited_countries.set(
            Country.objects.filter(participation=Country.Participation.SIGNATORY)
        )
    return survey


@transaction.atomic
def close_round(*, user, survey: Survey) -> Survey:
    """Close an open round: representatives can no longer change its responses.

    `closes_on` becomes today when empty or later than today (the round closed early); a
    closing date already past stays, as it is the deadline the round announced. An opening
    date later than today becomes today, so that the round never closes before it opens.
    A draft whose closing date is past is a round held before the registry, entered
    afterwards for its answers to be imported: it is recorded as closed as it stands.
    Refused (ValidationError) for a closed round and any other draft.
    """
    _check_may_manage_rounds(user)
    survey = _locked(survey, user=user)
    today = timezone.localdate()
    if survey.is_draft:
        if survey.closes_on is None or survey.closes_on >= today:
            raise ValidationError(
                f"{survey.title} has not been opened, so it cannot be closed. To record a "
                "round held in the past, give it its (past) closing date first."
            )
        survey.status = Survey.Status.CLOSED
        survey.save(update_fields=["status"])
        return survey
    if survey.is_closed:
        raise ValidationError(f"{survey.title} is already closed.")
    survey.status = Survey.Status.CLOSED
    if survey.closes_on is None or survey.closes_on > today:
        survey.closes_on = today
    if survey.opens_on and survey.opens_on > today:
        survey.opens_on = today
    survey.save(update_fields=["status", "opens_on", "closes_on"])
    return survey


REMINDER_TEMPLATE = "surveys/email/round_reminder.txt"


def reminder_subject(survey: Survey) -> str:
    return f"NMG Registry: {survey.title} — your answer is awaited"


def answer_path(survey: Survey, country_code: str) -> str:
    """The path of the page where a country's representatives answer the round."""
    return reverse("surveys:answer", kwargs={"slug": survey.slug, "code": country_code})


@dataclass(frozen=True)
class ReminderReport:
    """What `send_round_reminders` did: country codes are sorted."""

    countries_reminded: tuple[str, ...]
    people: int
    without_email: tuple[str, ...]

    @property
    def late(self) -> tuple[str, ...]:
        return tuple(sorted(self.countries_reminded + self.without_email))


def send_round_reminders(*, user, survey: Survey, base_url: str) -> ReminderReport:
    """E-mail the representatives of every invited country that has not submitted.

    One e-mail per person, listing each of their late countries with its status and the
    link to its answer page (`base_url` is the registry's address, e.g.
    "https://registry.example.org"). Only active users with an e-mail address are written
    to; the late countries without any are reported so that staff chase them otherwise.
    Only for an open round. Nothing is written to the database.
    """
    _check_may_manage_rounds(user)
    survey = Survey.objects.get(pk=survey.pk)
    if not survey.is_open:
        raise ValidationError(
            f"{survey.title} is {survey.get_status_display().lower()}; "
            "reminders are sent only for an open round."
        )
    late = {row.country_id: row for row in round_status(survey=survey) if row.is_late}
    representatives = (
        Representative.objects.filter(country_id__in=late, user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
        .order_by("user_id")
    )
    countries_of: dict[int, list] = {}
    users = {}
    for representative in representatives:
        users[representative.user_id] = representative.user
        countries_of.setdefault(representative.user_id, []).append(late[representative.country_id])
    base_url = base_url.rstrip("/")
    emails = [
        _reminder(
            survey=survey,
            recipient=users[user_id],
            countries=sorted(rows, key=lambda row: row.code),
            base_url=base_url,
            sender=user,
        )
        for user_id, rows in countries_of.items()
    ]
    if emails:
        with get_connection() as connection:
            connection.send_messages(emails)
    reminded = {row.code for rows in countries_of.values() for row in rows}
    return ReminderReport(
        countries_reminded=tuple(sorted(reminded)),
        people=len(emails),
        without_email=tuple(sorted(row.code for row in late.values() if row.code not in reminded)),
    )


def _reminder(*, survey: Survey, recipient, countries, base_url: str, sender) -> EmailMessage:
    body = render_to_string(
        REMINDER_TEMPLATE,
        {
            "survey": survey,
            "name": recipient.get_full_name() or recipient.get_username(),
            "countries": [
                {"row": row, "url": base_url + answer_path(survey, row.code)} for row in countries
            ],
        },
    )
    reply_to = [sender.email] if sender.email else None
    return EmailMessage(
        subject=reminder_subject(survey), body=body, to=[recipient.email], reply_to=reply_to
    )


# Answering a round: a representative's draft and submission


@transaction.atomic
def save_response(
    *,
    user,
    survey: Survey,
    country: Country,
    answers: Mapping[str, str],
    version: str,
    submit: bool,
) -> Response:
    """Store the country's answers to an open round as a draft, or submit them.

    `answers` maps question codes to an option value or a text; a question left out or blank
    is not answered, and its stored answer is removed. Saving keeps a submitted response
    submitted; `submit` records who submitted it and when. `version` is the response's
    `updated_at` when the form was opened ("" when there was none): a response saved since
    then raises EditConflict and nothing is written. Only the answers that changed are
    written. Raises PermissionDenied when the user may not answer for the country or the
    round is not open, and ValidationError naming each bad answer by question code.
    """
    survey = Survey.objects.get(pk=survey.pk)
    if not permissions.can_answer_survey(user, survey, country):
        raise PermissionDenied(f"You may not answer {survey.title} for {country.name}.")
    if not survey.is_open:
        raise PermissionDenied(round_closed_notice(survey=survey))
    if not survey_invites(survey=survey, country=country):
        raise ValidationError(f"{country.code} is not invited to this round.")
    questions = list(survey.questions.prefetch_related("options"))
    wanted = _clean_answers(questions, answers)
    label = f"The response of {country.code} to {survey.title}"
    existing = _stored_response_id(survey, country)
    if existing is not None:
        response = lock_unchanged(Response.objects.all(), pk=existing, version=version, label=label)
        stored = {answer.question_id: answer for answer in response.answers.order_by()}
    else:
        response, stored = Response(survey=survey, country=country), {}
    response._history_user = user
    if submit:
        response.status = Response.Status.SUBMITTED
        response.submitted_by = user
        response.submitted_at = timezone.now()
    if response.pk:
        response.save()
    else:
        _create_response(response, label=label)
    _write_answers(response, questions, wanted=wanted, stored=stored, user=user)
    return response


def _clean_answers(
    questions: Sequence[Question], answers: Mapping[str, str]
) -> dict[int, tuple[QuestionOption | None, str]]:
    """The wanted answers by question id as (option, text); ValidationError names every bad
    one by its question code."""
    by_code = {question.code: question for question in questions}
    errors: dict[str, str] = {
        code: "This round has no such question." for code in answers if code not in by_code
    }
    wanted = {}
    check_url = URLValidator()
    for question in questions:
        raw = (answers.get(question.code) or "").strip()
        if not raw:
            continue
        if question.has_options:
            option = next((o for o in question.options.all() if o.value == raw), None)
            if option is None:
                errors[question.code] = f"“{raw}” is not one of the options of this question."
            wanted[question.pk] = (option, "")
            continue
        if question.kind == Question.Kind.URL:
            try:
                check_url(raw)
            except ValidationError:
                errors[question.code] = (
                    "Enter a full web address, starting with https:// or http://."
                )
        wanted[question.pk] = (None, raw)
    if errors:
        raise ValidationError(errors)
    return wanted


def _stored_response_id(survey: Survey, country: Country) -> int | None:
    return (
        Response.objects.filter(survey=survey, country=country).values_list("pk", flat=True).first()
    )


def _create_response(response: Response, *, label: str) -> None:
    """Insert the country's first response to the round; another one stored meanwhile (the
    unique constraint) is a conflict like any other change made while the form was open."""
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError:
        current = Response.objects.filter(survey=response.survey, country=response.country)
        if not current.exists():
            raise
        lock_unchanged(Response.objects.all(), pk=current.get().pk, version="", label=label)
        raise


def _write_answers(response: Response, questions, *, wanted, stored, user) -> None:
    """Create, change and remove only the answers that differ, each kind in bulk with its
    history."""
    new, changed, removed = [], [], []
    for question in questions:
        answer = stored.get(question.pk)
        if question.pk not in wanted:
            if answer is not None:
                removed.append(answer)
            continue
        option, text = wanted[question.pk]
        if answer is None:
            new.append(Answer(response=response, question=question, option=option, text=text))
        elif answer.option_id != (option.pk if option else None) or answer.text != text:
            answer.option, answer.text = option, text
            changed.append(answer)
    history = BulkHistory(user=user, reason=None)
    if new:
        history.record(Answer, Answer.objects.bulk_create(new), "+")
    if changed:
        Answer.objects.bulk_update(changed, ["option", "text"])
        history.record(Answer, changed, "~")
    if removed:
        history.delete(Answer, removed)
