"""Views of the core registry: the health check and the user's API tokens. The start page
is the assessment dashboard (`analytics.views.dashboard`)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from nmg_registry import permissions, selectors, services
from nmg_registry.forms import ApiTokenForm
from nmg_registry.models import ApiToken


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


@never_cache  # the key of a new token must not stay in any cache
@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request):
    """The user's API tokens and a form for a new one, whose key is shown once."""
    form = ApiTokenForm(request.POST or None)
    if form.is_valid():
        try:
            token, key = services.create_api_token(
                user=request.user, name=form.cleaned_data["name"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Token “{token.name}” created.")
            return render(
                request, "nmg_registry/apitoken_created.html", {"token": token, "key": key}
            )
    tokens = selectors.api_tokens_of(user=request.user)
    return render(request, "nmg_registry/apitoken_list.html", {"form": form, "tokens": tokens})


@login_required
@require_http_methods(["GET", "POST"])
def api_token_revoke(request, token_id):
    """Asks to confirm, then revokes one of the user's own tokens; anyone else's is a 404."""
    own_tokens = permissions.api_tokens_managed_by(request.user, ApiToken.objects.all())
    token = own_tokens.filter(pk=token_id).first()
    if token is None:
        raise Http404("You have no API token with that number.")
    if request.method == "POST":
        if token.is_revoked:
            messages.info(request, f"Token “{token.name}” was already revoked.")
        else:
            services.revoke_api_token(user=request.user, token_id=token.pk)
            messages.success(
                request,
                f"Token “{token.name}” ({token.prefix}…) revoked: "
                "requests that send it are refused from now on.",
            )
        return redirect("api-tokens")
    return render(request, "nmg_registry/apitoken_confirm_revoke.html", {"token": token})
