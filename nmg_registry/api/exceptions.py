"""The API's errors: JSON with a `detail` message, whatever format the client asked for."""

from django.http import JsonResponse
from django.views import defaults
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.views import exception_handler as drf_exception_handler

API_PREFIX = "/api/"


class InvalidParameters(exceptions.ValidationError):
    """Query parameters that cannot be understood (a filter, `limit`, `offset`, `format`):
    a 400 whose `detail` names each parameter and its problem, and whose `errors` maps each
    parameter to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        errors = {name: [str(message) for message in messages] for name, messages in errors.items()}
        problems = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in errors.items())
        super().__init__({"detail": f"Invalid query parameter. {problems}", "errors": errors})


def api_exception_handler(exc, context):
    """DRF's handler, except that an error is rendered as JSON even when the client asked
    for CSV (a spreadsheet of one `detail` cell would hide the message) or for the browsable
    page: the schema documents every error as JSON."""
    response = drf_exception_handler(exc, context)
    request = context.get("request")
    renderer = getattr(request, "accepted_renderer", None)
    if response is not None and renderer is not None and renderer.format != "json":
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = JSONRenderer.media_type
    return response


def page_not_found(request, exception):
    """Django's 404 page, or a JSON 404 for an address under /api/ that names no endpoint."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse(
            {"detail": f'No API endpoint at "{request.path}"; see /api/docs/.'}, status=404
        )
    return defaults.page_not_found(request, exception)
