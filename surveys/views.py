"""Pages of survey rounds: the rounds a representative answers, a country's answer form, and
the download of a round's responses."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from nmg_registry import permissions
from nmg_registry.concurrency import EditConflict
from nmg_registry.downloads import check_file_format, spreadsheet_response
from nmg_registry.views import country_or_404
from surveys import selectors
from surveys.forms import ResponseForm
from surveys.models import Response, Survey
from surveys.selectors import response_export
from surveys.services import answering


@require_GET
def export_responses(request, slug, file_format):
    """A round's submitted responses in the survey import layout, as the policy lets the
    user read them."""
    check_file_format(file_format)
    if not permissions.can_read_aggregates(request.user):
        return redirect_to_login(request.get_full_path())
    survey = _visible_round_or_404(request.user, slug)
    content = response_export(survey=survey, user=request.user, file_format=file_format)
    return spreadsheet_response(
        content, filename=f"{survey.slug}-responses", file_format=file_format
    )


@login_required
@require_GET
def rounds_to_answer(request):
    """ "Rounds to answer": the open rounds of the user's countries and their progress, and
    the closed rounds they answered."""
    rounds = selectors.rounds_to_answer(user=request.user)
    return render(request, "surveys/survey_answer_list.html", {"rounds": rounds})


@login_required
@require_http_methods(["GET", "POST"])
def answer(request, slug, code):
    """A country's response to a round: the form while the round is open, the answers
    read-only otherwise."""
    survey = _visible_round_or_404(request.user, slug)
    country = country_or_404(code)
    if not permissions.can_open_answer_page(request.user, country):
        raise PermissionDenied(f"Only {country.name}'s representatives answer for it.")
    if not selectors.survey_invites(survey=survey, country=country):
        raise Http404(f"{country.code} is not invited to this round.")
    if not survey.is_open:
        return _read_only(request, survey=survey, country=country)
    sheet = selectors.answer_sheet(survey=survey, country=country)
    form = ResponseForm(request.POST or None, sheet=sheet)
    if form.is_valid():
        try:
            response = answering.save_response(
                user=request.user,
                survey=survey,
                country=country,
                answers=form.answers(),
                version=form.submitted_version,
                submit=form.wants_submit,
            )
        except EditConflict as conflict:
            current = selectors.answer_sheet(survey=survey, country=country, prefill=False)
            form = ResponseForm.of_current(current)
            form.add_error(None, conflict.message)
        except ValidationError as error:
            form.add_answer_errors(error)
        else:
            messages.success(request, _saved_message(response, submitted=form.wants_submit))
            return redirect("surveys:answer", slug=survey.slug, code=country.code)
    return render(
        request,
        "surveys/response_form.html",
        {"survey": survey, "country": country, "sheet": form.sheet, "form": form},
    )


def _visible_round_or_404(user, slug) -> Survey:
    """The round, or 404 naming the rounds the user may see: a draft is staff's alone."""
    try:
        return selectors.visible_round(user=user, slug=slug)
    except Survey.DoesNotExist as exc:
        raise Http404(str(exc)) from None


def _read_only(request, *, survey, country):
    """The answers of a round that is not open; a save is refused with the reason."""
    notice = selectors.round_closed_notice(survey=survey)
    refused = request.method == "POST"
    sheet = selectors.answer_sheet(survey=survey, country=country, prefill=False)
    return render(
        request,
        "surveys/response_detail.html",
        {
            "survey": survey,
            "country": country,
            "sheet": sheet,
            "notice": notice,
            "refused": refused,
        },
        status=403 if refused else 200,
    )


def _saved_message(response: Response, *, submitted: bool) -> str:
    if submitted:
        return "Response submitted."
    if response.is_submitted:
        return "Changes saved; the response remains submitted."
    return "Draft saved."
