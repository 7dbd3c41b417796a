"""Admin of survey rounds (staff) and of each country's responses (policy-limited)."""

from smtplib import SMTPException

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from nmg_registry import permissions
from nmg_registry.admin_base import OwnCountries, PolicyHistoryAdmin, PolicyInline, PolicyModelAdmin
from nmg_registry.admin_imports import SpreadsheetImportAdminMixin, SpreadsheetUploadForm
from nmg_registry.admin_writes import ServiceWritesAdmin
from nmg_registry.concurrency import version_of
from nmg_registry.models import PendingImport
from surveys.models import Answer, Question, QuestionOption, Response, Survey, Target
from surveys.selectors import RoundProgress, round_status
from surveys.services.answering import save_response
from surveys.services.rounds import close_round, open_round, send_round_reminders


def limit_to_round(form_class, survey_id):
    """Offer only the round's questions and options; an option's label names its question."""
    fields = form_class.base_fields
    if "question" in fields:
        fields["question"].queryset = Question.objects.filter(survey_id=survey_id).select_related(
            "survey"
        )
    if "option" in fields:
        fields["option"].queryset = QuestionOption.objects.filter(
            question__survey_id=survey_id
        ).select_related("question")
        fields["option"].label_from_instance = lambda option: (
            f"{option.question.code}: {option.label}"
        )


def answer_value(answer) -> str:
    """An answer as the answering service takes it: its option's value, else its text."""
    return answer.option.value if answer.option_id else answer.text


def stored_answers(response) -> dict[str, str]:
    """The response's answers by question code, as they are stored."""
    answers = response.answers.select_related("question", "option")
    return {answer.question.code: answer_value(answer) for answer in answers}


def inline_answers(formsets) -> dict[str, str]:
    """The answers of the inline rows by question code; a row marked for removal is left out,
    so the service removes its answer."""
    answers = {}
    for formset in formsets:
        for form in formset.forms:
            if formset._should_delete_form(form) or not (form.instance.pk or form.has_changed()):
                continue
            answers[form.cleaned_data["question"].code] = answer_value(form.instance)
    return answers


def answer_as(*, user, response, answers, version=None):
    """Save the response's answers through the answering service, keeping its status."""
    return save_response(
        user=user,
        survey=response.survey,
        country=response.country,
        answers=answers,
        version=version_of(response) if version is None else version,
        submit=False,
    )


class QuestionInline(PolicyInline, admin.TabularInline):
    model = Question
    fields = ("order", "code", "section", "kind", "text")
    extra = 0
    show_change_link = True


@admin.register(Survey)
class SurveyAdmin(PolicyHistoryAdmin):
    list_display = (
        "title",
        "slug",
        "status",
        "opens_on",
        "closes_on",
        "invited_count",
        "submitted_count",
        "status_link",
        "downloads",
    )
    list_filter = ("status",)
    actions = ("open_rounds", "close_rounds")
    search_fields = ("title", "slug")
    ordering = ("-opens_on", "slug")
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("invited_countries",)
    inlines = (QuestionInline,)
    # A round's state changes only through the open and close actions, which check it.
    readonly_fields = ("status",)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                invited_count=Count("invited_countries", distinct=True),
                submitted_count=Count(
                    "responses",
                    filter=Q(responses__status=Response.Status.SUBMITTED),
                    distinct=True,
                ),
            )
        )

    @admin.display(description="invited", ordering="invited_count")
    def invited_count(self, survey):
        return survey.invited_count

    @admin.display(description="submitted", ordering="submitted_count")
    def submitted_count(self, survey):
        return survey.submitted_count

    @admin.display(description="submitted responses")
    def downloads(self, survey):
        url = reverse("surveys:export_responses", args=[survey.slug, "FORMAT"])
        return format_html(
            '<a href="{}">CSV</a> · <a href="{}">XLSX</a>',
            url.replace("FORMAT", "csv"),
            url.replace("FORMAT", "xlsx"),
        )

    @admin.display(description="who has answered")
    def status_link(self, survey):
        return format_html(
            '<a href="{}">Round status<span class="visually-hidden"> of {}</span></a>',
            self._status_url(survey.pk),
            survey.title,
        )

    # Opening and closing rounds, following who has answered

    @admin.action(description="Open the selected rounds", permissions=["manage_rounds"])
    def open_rounds(self, request, queryset):
        for survey in queryset.order_by("slug"):
            self._open(request, survey)

    @admin.action(description="Close the selected rounds", permissions=["manage_rounds"])
    def close_rounds(self, request, queryset):
        for survey in queryset.order_by("slug"):
            self._close(request, survey)

    def has_manage_rounds_permission(self, request):
        return permissions.can_manage_rounds(request.user)

    def _open(self, request, survey):
        """Open the round and say so, with its dates and invitations; or report the refusal."""
        if opened := self._apply(request, open_round, survey):
            until = f" until {opened.closes_on.isoformat()}" if opened.closes_on else ""
            count = opened.invited_countries.count()
            messages.success(
                request,
                f"{opened.title} is open{until}, since {opened.opens_on.isoformat()}; "
                f"{count} countr{'ies' if count != 1 else 'y'} invited.",
            )

    def _close(self, request, survey):
        """Close the round and say so, with its closing date; or report the refusal."""
        if closed := self._apply(request, close_round, survey):
            messages.success(
                request, f"{closed.title} is closed (closing date {closed.closes_on.isoformat()})."
            )

    def _apply(self, request, service, survey):
        """The round as the service saved it, or None after reporting the refusal."""
        try:
            return service(user=request.user, survey=survey)
        except ValidationError as refused:  # its messages name the round
            messages.error(request, " ".join(refused.messages))
        except PermissionDenied as refused:
            messages.error(request, f"{survey.title}: {refused}")
        return None

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<int:object_id>/status/",
                self.admin_site.admin_view(self.round_status_view),
                name="{}_{}_status".format(*info),
            ),
            *super().get_urls(),
        ]

    def _status_url(self, survey_id):
        return reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_status",
            args=[survey_id],
            current_app=self.admin_site.name,
        )

    def round_status_view(self, request, object_id):
        """Who has answered the round; open or close it and remind the late (POST)."""
        if not permissions.can_manage_rounds(request.user):
            raise PermissionDenied("Only WP6 staff may follow survey rounds.")
        survey = get_object_or_404(Survey, pk=object_id)
        if request.method == "POST":
            actions = {"open": self._open, "close": self._close, "remind": self._remind}
            act = actions.get(request.POST.get("action"))
            if act is None:
                messages.error(request, "Unknown action: nothing was done.")
            else:
                act(request, survey)
            return redirect(self._status_url(survey.pk))
        rows = round_status(survey=survey)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Round status: {survey.title}",
            "survey": survey,
            "rows": rows,
            "progress": RoundProgress.of(rows),
        }
        return TemplateResponse(request, "admin/surveys/round_status.html", context)

    def _remind(self, request, survey):
        try:
            report = send_round_reminders(
                user=request.user, survey=survey, base_url=request.build_absolute_uri("/")
            )
        except ValidationError as refused:
            messages.error(request, " ".join(refused.messages))
            return
        except (SMTPException, OSError) as failed:
            messages.error(
                request,
                f"The e-mail server could not be reached or refused the reminders ({failed}); "
                "some may not have been sent. Try again later.",
            )
            return
        if report.people:
            people = "representative" if report.people == 1 else "representatives"
            messages.success(
                request,
                f"Reminder sent to {report.people} {people} of "
                + ", ".join(report.countries_reminded),
            )
        if report.without_email:
            messages.warning(
                request,
                "No representative with an e-mail address for "
                + ", ".join(report.without_email)
                + ": nobody there was reminded; chase them another way.",
            )
        if not report.late:
            messages.info(request, "Every invited country has submitted: nobody to remind.")


class OptionInline(PolicyInline, admin.TabularInline):
    model = QuestionOption
    fields = ("order", "value", "label")
    extra = 0


@admin.register(Question)
class QuestionAdmin(PolicyHistoryAdmin):
    list_display = ("code", "survey", "section", "kind", "order", "short_text")
    list_filter = ("survey", "section", "kind")
    search_fields = ("code", "text")
    list_select_related = ("survey",)
    ordering = ("survey", "order", "code")
    inlines = (OptionInline,)

    @admin.display(description="text")
    def short_text(self, question):
        return Truncator(question.text).chars(80)


@admin.register(QuestionOption)
class QuestionOptionAdmin(PolicyModelAdmin):
    list_display = ("value", "label", "question", "order")
    list_filter = ("question__survey",)
    search_fields = ("value", "label", "question__code")
    list_select_related = ("question__survey",)
    ordering = ("question__survey", "question__order", "order")
    autocomplete_fields = ("question",)


@admin.register(Target)
class TargetAdmin(PolicyModelAdmin):
    list_display = ("name", "slug", "question_code", "answer_values", "threshold", "due_on")
    search_fields = ("name", "slug", "question_code")
    ordering = ("due_on", "slug")
    prepopulated_fields = {"slug": ("name",)}


class AnswerInline(PolicyInline, admin.TabularInline):
    """Shown once the response is saved: its round decides the questions on offer."""

    model = Answer
    fields = ("question", "option", "text")
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("question__survey", "option")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if obj is not None:
            limit_to_round(formset.form, obj.survey_id)
        return formset


class ResponsesUploadForm(SpreadsheetUploadForm):
    survey = forms.ModelChoiceField(
        queryset=Survey.objects.all(),
        label="Survey round",
        help_text="The file's rows become the submitted responses of this round.",
    )
    submitted_on = forms.DateField(
        required=False,
        label="Submitted on",
        help_text=(
            "The day the responses count as submitted (YYYY-MM-DD). Blank: the round's "
            "closing date for a closed round, else now."
        ),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    field_order = ("survey", "submitted_on", "file")


@admin.register(Response)
class ResponseAdmin(SpreadsheetImportAdminMixin, ServiceWritesAdmin, PolicyHistoryAdmin):
    """Staff start, delete and import responses; representatives edit their own in open
    rounds.

    Answers are saved by the answer page's service, with its checks (the round open, the
    country invited, each answer one the question takes, the response's version).
    Submitting goes through the survey pages: the status fields are set when staff start a
    response, and read-only after.
    """

    import_kind = PendingImport.Kind.SURVEY
    import_title = "Import survey responses"
    import_form_class = ResponsesUploadForm

    country_lookup = "country"
    list_display = (
        "country",
        "survey",
        "status",
        "submitted_by",
        "submitted_at",
        "answer_count",
        "updated_at",
    )
    list_filter = ("status", "survey", ("country", OwnCountries))
    search_fields = ("country__name", "country__code", "survey__slug", "survey__title")
    list_select_related = ("country", "survey", "submitted_by")
    ordering = ("-survey__opens_on", "survey__slug", "country__code")
    inlines = (AnswerInline,)
    staff_only_fields = ("survey", "country", "status", "submitted_by", "submitted_at")

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()

    def visible_to(self, user, queryset):
        return permissions.responses_visible_to(user, queryset)

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if obj is None:
            return readonly
        return tuple(dict.fromkeys((*readonly, *self.staff_only_fields)))

    def write(self, request, form, formsets, change):
        response = form.instance
        if change:
            return answer_as(
                user=request.user,
                response=response,
                answers=inline_answers(formsets),
                version=self.version_shown(form),
            )
        return save_response(
            user=request.user,
            survey=response.survey,
            country=response.country,
            answers={},
            version="",
            submit=response.status == Response.Status.SUBMITTED,
        )

    def remove(self, request, obj) -> None:
        obj.delete()  # staff's, with no rule beyond the policy

    def import_options(self, form):
        submitted_on = form.cleaned_data.get("submitted_on")
        return {
            "survey": form.cleaned_data["survey"].slug,
            "submitted_on": submitted_on.isoformat() if submitted_on else "",
        }

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(answer_count=Count("answers"))

    @admin.display(description="answers", ordering="answer_count")
    def answer_count(self, response):
        return response.answer_count

    # Who submitted for a country is personal data, like who represents it: staff and the
    # country's representatives read it; others see the response without it.

    def get_list_display(self, request):
        user = request.user
        if permissions.can_manage_registry(user):
            return self.list_display

        @admin.display(description="submitted by")
        def submitted_by(response):
            if permissions.can_read_representatives(user, response.country_id):
                return response.submitted_by
            return None

        return tuple(submitted_by if name == "submitted_by" else name for name in self.list_display)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is None or permissions.can_read_representatives(request.user, obj.country_id):
            return fields
        return [name for name in fields if name != "submitted_by"]

    def has_view_permission(self, request, obj=None):
        user = request.user
        if obj is not None:
            return permissions.can_read_response(user, obj)
        # Representatives are signed in, so they read aggregates (submitted responses) too.
        return permissions.can_read_aggregates(user)

    def has_change_permission(self, request, obj=None):
        user = request.user
        if obj is not None:
            return permissions.can_edit_response(user, obj)
        return permissions.acts_for_a_country(user)


@admin.register(Answer)
class AnswerAdmin(ServiceWritesAdmin, PolicyHistoryAdmin):
    """Answers are part of their response: the response's permissions decide.

    Staff add answers here; representatives edit them in their response's page.
    """

    country_lookup = "response__country"
    list_display = ("question__code", "value", "response__country", "response__survey")
    list_filter = ("response__status", "response__survey", ("response__country", OwnCountries))
    search_fields = ("question__code", "text", "option__value", "response__country__name")
    list_select_related = ("response__country", "response__survey", "question", "option")
    ordering = ("response__survey__slug", "response__country__code", "question__order")
    autocomplete_fields = ("response", "question")

    def visible_to(self, user, queryset):
        return permissions.answers_visible_to(user, queryset)

    # An answer is part of its response, whose version the answer form carries: the
    # answering service saves the response with the answer changed, giving it a new
    # version, so a form opened before refuses to save over the correction.

    def write(self, request, form, formsets, change):
        answer = form.instance
        answers = stored_answers(answer.response) | {answer.question.code: answer_value(answer)}
        response = answer_as(user=request.user, response=answer.response, answers=answers)
        return response.answers.get(question=answer.question)

    def remove(self, request, obj) -> None:
        answers = stored_answers(obj.response)
        answers.pop(obj.question.code, None)
        answer_as(user=request.user, response=obj.response, answers=answers)

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if obj is None:
            return readonly
        return tuple(dict.fromkeys((*readonly, "response", "question")))

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if response := self.response_of(obj):
            limit_to_round(form, response.survey_id)
        return form

    def response_admin(self):
        return self.admin_site.get_model_admin(Response)

    @staticmethod
    def response_of(answer):
        """The answer's response; None without an answer, or for a past version of an
        answer whose response was since removed (its history alone remains)."""
        try:
            return answer and answer.response
        except ObjectDoesNotExist:
            return None

    def has_view_permission(self, request, obj=None):
        return self.response_admin().has_view_permission(request, self.response_of(obj))

    def has_change_permission(self, request, obj=None):
        return self.response_admin().has_change_permission(request, self.response_of(obj))

    def has_delete_permission(self, request, obj=None):
        return self.response_admin().has_change_permission(request, self.response_of(obj))
