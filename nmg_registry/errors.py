"""The registry's error answers: 400, 500 and 503, as the site's own short pages or, under
/api/, as JSON with a `detail` message.

Every page here is rendered without the request, so no context processor runs: nothing reads
the database (no user, no demo banner) while the database may be the very thing that failed.
"""

import sqlite3
import sys

from django.db import DataError, InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader

# How long a client is asked to wait before trying again while the database is away.
RETRY_AFTER_SECONDS = 30

UNAVAILABLE = (
    "The registry's database cannot be reached just now. Nothing was changed; "
    f"please try again in a minute (Retry-After: {RETRY_AFTER_SECONDS} seconds)."
)
SERVER_ERROR = "The registry ran into an error and could not answer. Nothing was changed."
BAD_REQUEST = "The registry cannot understand this request."
UNUSABLE_VALUE = "A value in this request cannot be looked up or stored by the registry's database."


def wants_json(request) -> bool:
    # Imported here: the API's modules import DRF, whose settings import this module's users.
    from nmg_registry.api.exceptions import API_PREFIX

    return request.path.startswith(API_PREFIX)


def plain_page(template: str, *, status: int, context: dict | None = None) -> HttpResponse:
    """A page in the site's look, rendered without the request (see the module's docstring)."""
    return HttpResponse(loader.render_to_string(template, context or {}), status=status)


def refusal(
    request, message: str, *, status: int = 400, errors: dict[str, list[str]] | None = None
) -> HttpResponse:
    """A 400 (or a 404) naming the problem: JSON under /api/, else the site's page. The API's
    400s carry `errors` (what each named parameter is wrong with) beside `detail`, as its
    refusals of bad filters do."""
    if wants_json(request):
        body = {"detail": message} if status != 400 else {"detail": message, "errors": errors or {}}
        return JsonResponse(body, status=status)
    if status == 404:
        return plain_page("404.html", status=404, context={"exception": message})
    return plain_page("400.html", status=status, context={"message": message})


def unavailable(request) -> HttpResponse:
    """503 with Retry-After: the database is away; the client may simply try again."""
    if wants_json(request):
        response = JsonResponse({"detail": UNAVAILABLE}, status=503)
    else:
        response = plain_page("503.html", status=503, context={"message": UNAVAILABLE})
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


# SQLite reports a missing table or a syntax error as an OperationalError too; only these
# say that the database file itself cannot be used just now.
SQLITE_AWAY = ("unable to open database file", "database is locked", "disk i/o error")


def database_is_away(exc: BaseException | None) -> bool:
    """Whether an exception says the database cannot be reached (a refused or broken
    connection, an unknown database, a locked or missing SQLite file), rather than that a
    query was wrong."""
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    if isinstance(exc.__cause__, sqlite3.Error):
        return str(exc.__cause__).lower().startswith(SQLITE_AWAY)
    return True


def bad_request(request, exception=None):
    """handler400: Django's refusals of malformed requests (SuspiciousOperation, BadRequest,
    a broken upload)."""
    return refusal(request, BAD_REQUEST)


def server_error(request):
    """handler500. Django calls it inside the `except` block of the exception it answers,
    also for exceptions raised in middleware (sessions, authentication, sign-in records), so
    the exception tells an unreachable database (503) and a value the database refuses
    (400) from a fault of the registry (500)."""
    exc = sys.exc_info()[1]
    if database_is_away(exc):
        return unavailable(request)
    if isinstance(exc, DataError):
        # Input the database cannot hold or compare (a NUL byte, a number out of range):
        # the request is at fault, not the registry.
        return refusal(request, UNUSABLE_VALUE)
    if wants_json(request):
        return JsonResponse({"detail": SERVER_ERROR}, status=500)
    return plain_page("500.html", status=500, context={"message": SERVER_ERROR})
