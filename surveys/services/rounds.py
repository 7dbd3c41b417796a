"""Round management: starting a round as a copy of another, opening and closing it, and
reminding the countries that have not answered. Only WP6 staff manage rounds."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_slug
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from nmg_registry import permissions
from nmg_registry.models import Country, Representative
from surveys.models import Question, QuestionOption, Survey
from surveys.selectors import round_status

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
    """Staff only; `user` None is the command line (`open_round`, `close_round`), trusted as
    the import commands are."""
    if user is not None and not permissions.can_manage_rounds(user):
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
def open_round(*, user, survey: Survey, closes_on: datetime.date | None = None) -> Survey:
    """Open a draft round for answers; returns the round as saved.

    Refused (ValidationError naming every problem) for a round that is not a draft, that has
    no questions, or whose closing date is past. `opens_on` becomes today when empty or
    later than today: the round is open from today. `closes_on`, when given, replaces the
    round's closing date first. A round that invites no country invites the current
    signatories.
    """
    _check_may_manage_rounds(user)
    survey = _locked(survey, user=user)
    if closes_on is not None:
        survey.closes_on = closes_on
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
    survey.save(update_fields=["status", "opens_on", "closes_on"])
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
