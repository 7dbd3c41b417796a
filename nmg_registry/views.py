"""Views of the core registry: the start page and the health check."""

from django.contrib.auth.views import redirect_to_login
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from nmg_registry import permissions
from nmg_registry.selectors import home_overview


@require_GET
def home(request):
    """The start page: countries and survey rounds at a glance."""
    if not permissions.can_read_aggregates(request.user):
        return redirect_to_login(request.get_full_path())
    overview = home_overview()
    return render(request, "nmg_registry/home.html", {"overview": overview})


@never_cache
@require_GET
def healthz(request):
    """200 when the database answers, 503 when it does not; for load balancers and monitors."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
