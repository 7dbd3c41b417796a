"""Survey rounds, their questions, each country's response and the roadmap targets."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from nmg_registry.models import Country, related_if_set
from nmg_registry.tabular.limits import MAX_CELL_CHARS


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


# A round that is, or was, out with the countries. A draft is staff's work in progress: who
# may see one is `nmg_registry.permissions.can_read_round`.
PUBLISHED_STATUSES = (SurveyStatus.OPEN, SurveyStatus.CLOSED)


class SurveyQuerySet(models.QuerySet):
    """The round lifecycle as filters: the one place that says which statuses are which."""

    def published(self):
        """Open and closed rounds: those every reader of the aggregates may see."""
        return self.filter(status__in=PUBLISHED_STATUSES)

    def published_or(self, condition):
        """The published rounds, and the drafts too where `condition` (an SQL expression:
        the reader is staff) holds."""
        return self.filter(Q(status__in=PUBLISHED_STATUSES) | Q(condition))

    def drafts(self):
        return self.filter(status=SurveyStatus.DRAFT)

    def open(self):
        """Rounds the representatives answer now."""
        return self.filter(status=SurveyStatus.OPEN)

    def closed(self):
        """Rounds whose answers are final: the results the dashboards and targets judge."""
        return self.filter(status=SurveyStatus.CLOSED)

    def latest_first(self):
        """The most recently opened first; a round without an opening date counts as the
        oldest, rounds opened the same day by creation."""
        return self.order_by(models.F("opens_on").desc(nulls_last=True), "-created_at", "-slug")


class SurveyManager(models.Manager.from_queryset(SurveyQuerySet)):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Survey(models.Model):
    """A survey round: the questions every invited country answers once."""

    Status = SurveyStatus

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    opens_on = models.DateField(null=True, blank=True)
    closes_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    invited_countries = models.ManyToManyField(Country, blank=True, related_name="invitations")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(m2m_fields=[invited_countries])
    objects = SurveyManager()

    class Meta:
        ordering = ["-opens_on", "slug"]
        get_latest_by = "opens_on"
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[c.value for c in SurveyStatus]),
                name="survey_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(opens_on__isnull=True)
                | Q(closes_on__isnull=True)
                | Q(closes_on__gte=models.F("opens_on")),
                name="survey_closes_after_opening",
                violation_error_message="A round cannot close before it opens.",
            ),
        ]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (self.slug,)

    @property
    def is_draft(self) -> bool:
        """Still being prepared by staff: to everyone else the round does not exist."""
        return self.status == SurveyStatus.DRAFT

    @property
    def is_open(self) -> bool:
        """Out with the countries, whose representatives may answer it."""
        return self.status == SurveyStatus.OPEN

    @property
    def is_closed(self) -> bool:
        """Its answers are final: its figures are results, not progress."""
        return self.status == SurveyStatus.CLOSED

    def days_left(self, today: datetime.date) -> int | None:
        """Days until an open round's closing date (0 on the day itself, negative once
        past); None for a round without a closing date or not open."""
        if not self.is_open or self.closes_on is None:
            return None
        return (self.closes_on - today).days

    @property
    def is_published(self) -> bool:
        """Open or closed: the round and its results are there for every reader."""
        return self.status in PUBLISHED_STATUSES


class QuestionSection(models.TextChoices):
    PROFILE = "profile", "Profile and contacts"
    PLAN = "plan", "National Health Genomics Plan"
    ROADMAP = "roadmap", "National 1+MG Roadmap"
    FUNCTIONING = "functioning", "National Mirror Groups composition and functioning"
    LINKS = "links", "NMGs links to the 1+MG Initiative"


class QuestionKind(models.TextChoices):
    CHOICE = "choice", "Choice"
    SCALE = "scale", "Scale"
    TEXT = "text", "Text"
    URL = "url", "Web address"


class Question(models.Model):
    """A question of one round; choice and scale questions carry their options."""

    Section = QuestionSection

    Kind = QuestionKind

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    code = models.SlugField(max_length=60)
    section = models.CharField(max_length=20, choices=Section.choices)
    text = models.TextField()
    help_text = models.TextField(blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["survey", "order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "code"],
                name="question_code_unique_per_survey",
                violation_error_message="This round already has a question with that code.",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[c.value for c in QuestionKind]),
                name="question_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(section__in=[c.value for c in QuestionSection]),
                name="question_section_valid",
            ),
        ]

    def __str__(self):
        return f"{self.survey.slug}: {self.code}"

    @property
    def has_options(self) -> bool:
        return self.kind in (self.Kind.CHOICE, self.Kind.SCALE)


class QuestionOption(models.Model):
    """One allowed answer of a choice or scale question: a stored value and its label."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    value = models.CharField(max_length=60)
    label = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["question", "order", "value"]
        constraints = [
            models.UniqueConstraint(
                fields=["question", "value"],
                name="option_value_unique_per_question",
                violation_error_message="This question already has an option with that value.",
            ),
            models.CheckConstraint(
                condition=~Q(value=""),
                name="option_value_required",
                violation_error_message="An option needs a value.",
            ),
        ]

    def __str__(self):
        return f"{self.value}: {self.label}"


class ResponseStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


class ResponseQuerySet(models.QuerySet):
    """Filters the permission policy combines into who may read which responses."""

    def submitted(self):
        return self.filter(status=ResponseStatus.SUBMITTED)

    def of_countries(self, country_ids):
        return self.filter(country_id__in=country_ids)

    def of_countries_or_submitted(self, country_ids):
        return self.filter(Q(country_id__in=country_ids) | Q(status=ResponseStatus.SUBMITTED))

    def in_published_rounds(self):
        return self.filter(survey__status__in=PUBLISHED_STATUSES)


class Response(models.Model):
    """A country's answers to one round, kept as a draft until submitted."""

    Status = ResponseStatus

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="responses")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Blank for responses entered by import.",
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    answers_changed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When an answer last changed after the response was submitted; blank when "
        "none has since. Set by the services that write answers.",
    )
    imported_from = models.CharField(
        max_length=255,
        blank=True,
        help_text="The file of the import that last submitted the response; blank when it "
        "was submitted otherwise.",
    )
    imported_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When that import ran (the submission may be dated earlier).",
    )

    history = HistoricalRecords()
    objects = ResponseQuerySet.as_manager()

    class Meta:
        ordering = ["survey", "country__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "country"],
                name="response_one_per_country_per_survey",
                violation_error_message="This country already has a response in that round.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[c.value for c in ResponseStatus]),
                name="response_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status=ResponseStatus.DRAFT) | Q(submitted_at__isnull=False),
                name="response_submitted_has_time",
                violation_error_message="A submitted response records when it was submitted.",
            ),
        ]

    def __str__(self):
        return f"{self.country.code} in {self.survey.slug} ({self.get_status_display()})"

    @property
    def is_submitted(self) -> bool:
        return self.status == ResponseStatus.SUBMITTED

    @property
    def is_draft(self) -> bool:
        return self.status == ResponseStatus.DRAFT

    @property
    def changed_since_submission(self) -> bool:
        """An answer changed after the response was submitted (a save that only touched the
        response, or wrote the same answers again, does not count)."""
        return self.is_submitted and self.answers_changed_at is not None

    @property
    def is_imported(self) -> bool:
        """Submitted by an import of a responses file (`imported_from`, `imported_at`; the
        importer is `submitted_by`, None for the command line)."""
        return self.is_submitted and bool(self.imported_from)

    def mark_submitted(self, *, by, at) -> None:
        """Submitted as it stands, by a user (None: the command line) at a time: nothing has
        changed since, and it is no import's until the import says so (`mark_imported`)."""
        self.status = ResponseStatus.SUBMITTED
        self.submitted_by = by
        self.submitted_at = at
        self.answers_changed_at = None
        self.imported_from, self.imported_at = "", None

    def mark_imported(self, *, filename: str, at) -> None:
        self.imported_from = filename[: self._meta.get_field("imported_from").max_length]
        self.imported_at = at

    def note_answers_changed(self, *, at) -> None:
        """Answers were written: after submission, that is a change since."""
        if self.is_submitted:
            self.answers_changed_at = at


class AnswerQuerySet(models.QuerySet):
    """The same filters as `ResponseQuerySet`, through each answer's response."""

    def submitted(self):
        return self.filter(response__status=ResponseStatus.SUBMITTED)

    def of_countries(self, country_ids):
        return self.filter(response__country_id__in=country_ids)

    def of_countries_or_submitted(self, country_ids):
        return self.filter(
            Q(response__country_id__in=country_ids) | Q(response__status=ResponseStatus.SUBMITTED)
        )

    def in_published_rounds(self):
        return self.filter(response__survey__status__in=PUBLISHED_STATUSES)


class Answer(models.Model):
    """A response's answer to one question: an option for choices and scales, text otherwise.

    A question left blank has no answer row.
    """

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    option = models.ForeignKey(
        QuestionOption, on_delete=models.PROTECT, null=True, blank=True, related_name="answers"
    )
    # An answer must fit a spreadsheet cell, so that every export imports back.
    text = models.TextField(blank=True, max_length=MAX_CELL_CHARS)

    history = HistoricalRecords()
    objects = AnswerQuerySet.as_manager()

    class Meta:
        ordering = ["response", "question__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"],
                name="answer_one_per_question_per_response",
                violation_error_message="This response already answers that question.",
            ),
            models.CheckConstraint(
                condition=(Q(option__isnull=False) & Q(text=""))
                | (Q(option__isnull=True) & ~Q(text="")),
                name="answer_is_option_or_text",
                violation_error_message="An answer is either one option or a text, not both.",
            ),
        ]

    def __str__(self):
        return f"{self.question.code} = {self.value}"

    @property
    def value(self) -> str:
        return self.option.value if self.option_id else self.text

    def clean(self):
        # Relations across tables cannot be CHECK constraints; services call full_clean().
        question, response = related_if_set(self, "question"), related_if_set(self, "response")
        if question is None:
            return
        if response is not None and response.survey_id != question.survey_id:
            raise ValidationError({"question": "The question belongs to another round."})
        if question.has_options:
            if self.option_id is None or self.option.question_id != question.pk:
                raise ValidationError({"option": f"Choose one of the options of {question.code}."})
        elif self.option_id is not None:
            raise ValidationError({"option": f"{question.code} takes a text, not an option."})
        elif question.kind == Question.Kind.URL:
            URLValidator()(self.text)


class TargetManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Target(models.Model):
    """A roadmap target: a share of countries giving certain answers, measured on every round."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    question_code = models.SlugField(
        max_length=60, help_text="The question of each round the target is measured on."
    )
    answer_values = models.JSONField(help_text="The option values that count towards the target.")
    threshold = models.DecimalField(
        max_digits=5, decimal_places=4, help_text="The share to reach, from 0 to 1."
    )
    due_on = models.DateField()

    objects = TargetManager()

    class Meta:
        ordering = ["due_on", "slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold__gte=0) & Q(threshold__lte=1),
                name="target_threshold_is_share",
                violation_error_message="The threshold is a share between 0 and 1.",
            ),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)

    def clean(self):
        values = self.answer_values
        if (
            not isinstance(values, list)
            or not values
            or not all(isinstance(v, str) and v for v in values)
        ):
            raise ValidationError(
                {"answer_values": 'List the option values, e.g. ["operational"].'}
            )
