"""Pages of a country's experts (list, add, edit, remove, composition upload) and the
downloads of compositions: the experts as a spreadsheet and the blank template."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from compositions import selectors
from compositions.filters import expert_filterset
from compositions.forms import (
    CompositionUploadForm,
    ExpertForm,
    SeatFormSet,
    prepare_filter_form,
)
from compositions.models import Expert
from compositions.selectors import composition_export, composition_template_xlsx
from compositions.services.experts import create_expert, remove_expert, update_expert
from nmg_registry import imports, permissions
from nmg_registry.concurrency import EditConflict, version_of
from nmg_registry.downloads import check_file_format, spreadsheet_response
from nmg_registry.forms import submitted_copy
from nmg_registry.models import Country, PendingImport
from nmg_registry.moments import AS_OF, ROUND, page_moment
from nmg_registry.tabular import ImportFailed, PlanChanged
from nmg_registry.views import add_service_errors, country_page

EXPERTS_PER_PAGE = 50


@require_GET
@login_required
def export_composition(request, file_format):
    """The experts the user may read, in the composition file's layout; `?country=ES` narrows,
    `?as_of=` or `?round=` gives the composition as it stood then."""
    check_file_format(file_format)
    countries = None
    codes = request.GET.getlist("country")
    if codes:
        try:
            countries = [Country.objects.resolve(code) for code in codes]
        except Country.DoesNotExist as exc:
            return HttpResponseBadRequest(str(exc))
        if not all(permissions.can_read_experts(request.user, c) for c in countries):
            raise PermissionDenied("You may not read the experts of that country.")
    elif not permissions.can_list_experts(request.user):
        raise PermissionDenied("Only staff and country representatives may export experts.")
    # The moment is read once the user may export: asking for the past opens no door.
    return _export_at(request, file_format, countries)


@page_moment
def _export_at(request, file_format, countries, *, moment):
    content = composition_export(
        user=request.user, file_format=file_format, countries=countries, moment=moment
    )
    suffix = "-".join(c.code for c in countries) if countries else "all"
    if not moment.is_present:
        suffix += f"-{moment.round or moment.at.date().isoformat()}"
    return spreadsheet_response(
        content, filename=f"nmg-composition-{suffix}", file_format=file_format
    )


@require_GET
@login_required
def composition_template(request):
    """The blank composition file, with the valid values on a second sheet."""
    return spreadsheet_response(
        composition_template_xlsx(), filename="nmg-composition-template", file_format="xlsx"
    )


# A country's experts: the list, one expert's form, removal, and the composition upload

# The pages get the country of the URL (EU or ISO code, any case; an unknown one is a 404
# naming it) if the user may read, or change, its experts; anyone else gets a 403.
EXPERTS_REFUSAL = "You may not see or change the experts of {country}."
_experts_page = country_page(permissions.can_read_experts, EXPERTS_REFUSAL)
_experts_edit_page = country_page(permissions.can_edit_experts, EXPERTS_REFUSAL)


def _expert_or_404(request, country: Country, pk: int):
    try:
        return selectors.expert_of_country(user=request.user, country=country, pk=pk)
    except Expert.DoesNotExist:
        raise Http404(f"{country.name} has no expert with that number.") from None


@require_GET
@login_required
@_experts_page
@page_moment
def expert_list(request, country, moment):
    """The country's experts: search, filters, pages of 50, and the ways to change them; at
    `?as_of=` or `?round=`, the experts as they stood then, read-only."""
    data = request.GET.copy()
    data.pop("country", None)  # the page's country, whatever the query says
    data.pop("page", None)
    experts = selectors.country_experts(user=request.user, country=country, moment=moment)
    filterset = expert_filterset(moment)(data, queryset=experts, moment=moment)
    prepare_filter_form(filterset.form)
    experts = filterset.qs if filterset.is_valid() else experts.none()
    page = Paginator(experts, EXPERTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "country": country,
        "filter_form": filterset.form,
        "filtered": any(data.get(name) for name in filterset.form.fields),
        "page": page,
        "query_string": data.urlencode(),
    }
    if not moment.is_present:
        page.object_list = selectors.with_seats_then(page.object_list, moment)
        fields = _moment_fields(request.GET)
        context.update(moment=moment, moment_fields=fields, moment_query=urlencode(fields))
    return render(request, "compositions/expert_list.html", context)


def _moment_fields(query) -> dict[str, str]:
    """The query parameters that name the page's moment, for its links and forms to keep."""
    return {name: query[name].strip() for name in (AS_OF, ROUND) if query.get(name, "").strip()}


@login_required
@require_http_methods(["GET", "POST"])
@_experts_edit_page
def expert_add(request, country):
    """A new expert of the country with their seats."""
    return _expert_form(request, country, expert=None)


@login_required
@require_http_methods(["GET", "POST"])
@_experts_edit_page
def expert_edit(request, country, pk):
    """An expert and their seats; a save over someone else's meanwhile is refused."""
    return _expert_form(request, country, expert=_expert_or_404(request, country, pk))


def _expert_form(request, country, *, expert):
    """The expert form with the seat rows: a new expert of the country without `expert`."""
    data = request.POST if request.method == "POST" else None
    form = ExpertForm(data, instance=expert if expert is not None else Expert(country=country))
    formset = SeatFormSet(data, country=country, expert=expert)
    if data is not None and form.is_valid() and formset.is_valid():
        seats, removed = formset.seats()
        try:
            if expert is None:
                saved = create_expert(
                    user=request.user, country=country, values=form.cleaned_data, seats=seats
                )
            else:
                saved = update_expert(
                    user=request.user,
                    expert=expert,
                    version=form.submitted_version,
                    values=form.cleaned_data,
                    seats=seats,
                    removed_seat_ids=removed,
                )
        except EditConflict as conflict:
            if conflict.removed:
                return _removed_meanwhile(request, country, expert, "nothing was saved")
            form, formset = _bound_to_current(request, country, expert.pk)
            form.add_error(None, conflict.message)
        except ValidationError as exc:
            _add_expert_errors(form, formset, exc)
        else:
            if expert is None:
                messages.success(request, f"Expert “{saved.name}” added to {country.name}.")
            else:
                messages.success(request, f"Expert “{saved.name}” saved.")
            return redirect("compositions:experts", code=country.code)
    return render(
        request,
        "compositions/expert_form.html",
        {"country": country, "form": form, "formset": formset, "expert": expert},
    )


def _add_expert_errors(form, formset, exc: ValidationError) -> None:
    """A service's refusal on the form: the seat errors on their rows (or above the form
    when they name none), the others next to their field."""
    seat_errors = exc.error_dict.pop("seats", []) if hasattr(exc, "error_dict") else []
    for message in formset.add_service_errors(seat_errors):
        form.add_error(None, message)
    add_service_errors(form, exc)


def _removed_meanwhile(request, country, expert, outcome: str):
    messages.error(request, f"“{expert.name}” was removed meanwhile; {outcome}.")
    return redirect("compositions:experts", code=country.code)


def _bound_to_current(request, country, pk):
    """The form and seats bound to the record as it is now, with its current version."""
    current = _expert_or_404(request, country, pk)
    data = {
        **submitted_copy(ExpertForm(instance=current)),
        **submitted_copy(SeatFormSet(country=country, expert=current)),
    }
    form = ExpertForm(data, instance=current)
    formset = SeatFormSet(data, country=country, expert=current)
    # Validated, so that the conflict can be added as the form's error.
    form.full_clean()
    formset.full_clean()
    return form, formset


@login_required
@require_http_methods(["GET", "POST"])
@_experts_edit_page
def expert_delete(request, country, pk):
    """Asks to confirm, then removes the expert and their seats, if nobody changed the
    expert since the confirmation page showed them."""
    expert = _expert_or_404(request, country, pk)
    conflict = None
    if request.method == "POST":
        try:
            remove_expert(user=request.user, expert=expert, version=request.POST.get("version", ""))
        except EditConflict as exc:
            if exc.removed:
                return _removed_meanwhile(request, country, expert, "there is nothing to remove")
            conflict = (
                exc.summary + " Nothing was removed. The page now shows the expert as they "
                "are: confirm again to remove them."
            )
            expert = _expert_or_404(request, country, pk)  # as they are now
        else:
            messages.success(request, f"Expert “{expert.name}” and their seats removed.")
            return redirect("compositions:experts", code=country.code)
    return render(
        request,
        "compositions/expert_confirm_delete.html",
        {
            "country": country,
            "expert": expert,
            "version": version_of(expert),
            "conflict": conflict,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@_experts_edit_page
def composition_upload(request, country):
    """Upload a composition file: a preview of every change (or every error), then confirm."""
    form = CompositionUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data, replace = upload.read(), form.cleaned_data["replace"]
        try:
            pending, summary = imports.upload(
                user=request.user,
                kind=PendingImport.Kind.COMPOSITION,
                filename=upload.name,
                data=data,
                options={"replace": replace, "country": country.code},
                only_countries=[country],  # the page imports its country alone
            )
        except ImportFailed as failed:
            return _upload_page(
                request, country, form=form, errors=failed.errors, filename=upload.name
            )
        return _upload_page(request, country, pending=pending, summary=summary)
    return _upload_page(request, country, form=form)


@login_required
@require_POST
@_experts_edit_page
def composition_upload_confirm(request, country, pending_id):
    """Import the previewed file, if the import would still make the changes the preview
    showed (else the new preview); only its uploader may, and only while it waits."""
    pending = selectors.waiting_upload(country=country, pk=pending_id)
    try:
        if pending is None:
            raise imports.UploadNotWaiting
        summary = imports.confirm(
            pending,
            user=request.user,
            previewed=request.POST.get("plan", ""),
            only_countries=[country],
        )
    except imports.UploadNotWaiting as gone:
        messages.error(request, str(gone))
        return redirect("compositions:upload", code=country.code)
    except PlanChanged as changed:
        # Someone changed the composition since the preview: the user sees the changes the
        # import would now make and confirms those, or not.
        return _upload_page(
            request, country, pending=pending, summary=changed.summary, plan_changed=True
        )
    except ImportFailed as failed:
        # The registry changed since the preview in a way that makes the file invalid.
        return _upload_page(
            request,
            country,
            form=CompositionUploadForm(),
            errors=failed.errors,
            filename=pending.filename,
        )
    messages.success(request, f"Imported {pending.filename}. {summary.line()}")
    return redirect("compositions:experts", code=country.code)


def _upload_page(
    request,
    country,
    *,
    form=None,
    errors=(),
    filename="",
    pending=None,
    summary=None,
    plan_changed=False,
):
    """The upload page: the form (with the file's errors, if any), or the preview of a
    staged upload with the fingerprint of its plan for the confirmation to hand back."""
    return render(
        request,
        "compositions/composition_upload.html",
        {
            "country": country,
            "form": form,
            "errors": errors,
            "filename": filename,
            "pending": pending,
            "plan_changed": plan_changed,
            **imports.preview_context(summary),
        },
    )
