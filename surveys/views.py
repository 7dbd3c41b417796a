"""Downloads of survey rounds."""

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from nmg_registry import permissions
from nmg_registry.downloads import check_file_format, spreadsheet_response
from surveys.models import Survey
from surveys.selectors import response_export


@require_GET
def export_responses(request, slug, file_format):
    """A round's submitted responses in the survey import layout, as the policy lets the
    user read them."""
    check_file_format(file_format)
    if not permissions.can_read_aggregates(request.user):
        return redirect_to_login(request.get_full_path())
    survey = get_object_or_404(Survey, slug=slug)
    content = response_export(survey=survey, user=request.user, file_format=file_format)
    return spreadsheet_response(
        content, filename=f"{survey.slug}-responses", file_format=file_format
    )
