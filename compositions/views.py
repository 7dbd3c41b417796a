"""Downloads of compositions: the experts as a spreadsheet and the blank template."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.views.decorators.http import require_GET

from compositions.selectors import composition_export, composition_template_xlsx
from nmg_registry import permissions
from nmg_registry.downloads import check_file_format, spreadsheet_response
from nmg_registry.models import Country


@require_GET
@login_required
def export_composition(request, file_format):
    """The experts the user may read, in the composition file's layout; `?country=ES` narrows."""
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
    content = composition_export(user=request.user, file_format=file_format, countries=countries)
    suffix = "-".join(c.code for c in countries) if countries else "all"
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
