"""Views of the core registry: the health check, the user's API tokens, and the countries'
pages (list, profiles, "My countries", the record and mirror-group forms, the history). The
start page is the assessment dashboard (`analytics.views.dashboard`)."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.template.defaultfilters import pluralize
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from nmg_registry import history, permissions, personal_data, selectors, services
from nmg_registry.concurrency import EditConflict
from nmg_registry.errors import RETRY_AFTER_SECONDS
from nmg_registry.filters import CountryFilterSet
from nmg_registry.forms import (
    ApiTokenForm,
    CountryRecordForm,
    MirrorGroupForm,
    MirrorGroupRemovalForm,
    RepresentativeRoleFormSet,
    submitted_copy,
)
from nmg_registry.limits import may_send_password_reset
from nmg_registry.models import ApiToken, Country, MirrorGroup


class SignInView(auth_views.LoginView):
    """Sign-in. Without a `next` address a representative starts on My countries, the
    records they keep; staff and viewers start on the dashboard."""

    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        user = self.request.user
        if permissions.represented_country_ids(user) and not permissions.is_registry_staff(user):
            return resolve_url("countries:mine")
        return resolve_url(settings.LOGIN_REDIRECT_URL)


class PasswordResetView(auth_views.PasswordResetView):
    """Password reset by e-mail, with a limit on the mails per e-mail address (and per account
    it reaches) and per client address (nmg_registry.limits); past either, no mail goes but
    the page is the same "check your e-mail", so the limit tells nobody whether an account
    has that address."""

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        # The accounts the form would mail, found as the form finds them.
        accounts = [user.pk for user in form.get_users(email)]
        if may_send_password_reset(self.request, email, accounts=accounts):
            return super().form_valid(form)
        return HttpResponseRedirect(self.get_success_url())


@require_GET
def privacy(request):
    """The privacy notice, for anyone: what the registry holds and why, who may see what (the
    permission table itself), how long it is kept, and whom to ask."""
    return render(
        request,
        "nmg_registry/privacy.html",
        {
            "held": personal_data.held_data(),
            "min_cell": settings.NMG_MIN_CELL,
            "roles": [heading for _, heading in permissions.ROLES],
            "policy": [
                (line.records, [getattr(line, role) for role, _ in permissions.ROLES])
                for line in permissions.POLICY_TABLE
            ],
            "public_aggregates": settings.NMG_PUBLIC_AGGREGATES,
            "contact": settings.NMG_PRIVACY_CONTACT,
            "marker": personal_data.MARKER,
            "erased_user": personal_data.ERASED_USER,
        },
    )


@never_cache
@require_GET
def healthz(request):
    """200 when the database answers, 503 when it does not; for load balancers and monitors."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        response = JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
        # Like every other 503 of the registry: the monitor may simply ask again.
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
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


# The countries' pages

HISTORY_LIMIT = 200


def country_or_404(code: str) -> Country:
    """The country an address names by its EU or ISO code, in any case; else a 404 naming it."""
    try:
        return Country.objects.resolve(code)
    except Country.DoesNotExist as exc:
        raise Http404(
            f"The registry has no such country ({exc}). Countries are named by their EU code "
            "(EL, UK) or their ISO code (GR, GB), in any letter case."
        ) from None


def country_page(may, refusal: str):
    """Hands the view the country named by the URL's code instead of the code, once the
    policy's `may(user, country)` lets the user in; else a 403 saying `refusal`, in which
    `{country}` stands for the country's name."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, code, *args, **kwargs):
            country = country_or_404(code)
            if not may(request.user, country):
                raise PermissionDenied(refusal.format(country=country.name))
            return view(request, country, *args, **kwargs)

        return wrapper

    return decorator


def _may_read_profile(user, country) -> bool:
    return permissions.can_read_country_profiles(user)


country_profile_page = country_page(_may_read_profile, "Sign in to read the country profiles.")
country_edit_page = country_page(
    permissions.can_edit_country,
    "Only the representatives of {country} and WP6 staff may change its record.",
)


def add_service_errors(form, exc: ValidationError) -> None:
    """A service's refusal on the form: next to the field it names, else above the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
@require_GET
def country_list(request):
    """Every country with its participation, health system and number of mirror groups."""
    if not permissions.can_read_country_profiles(request.user):
        raise PermissionDenied("Sign in to read the country profiles.")
    filterset = CountryFilterSet(request.GET or None, queryset=selectors.country_list())
    countries = list(filterset.qs)
    return render(
        request,
        "nmg_registry/country_list.html",
        {"filterset": filterset, "countries": countries},
    )


@login_required
@require_GET
@country_profile_page
def country_detail(request, country):
    """A country's non-personal profile and its trajectory round by round; its
    representatives only for those who may read them."""
    profile = selectors.country_profile(
        country=country,
        with_representatives=permissions.can_read_representatives(request.user, country),
        user=request.user,
    )
    return render(
        request,
        "nmg_registry/country_detail.html",
        {
            "country": country,
            "profile": profile,
            "can_edit": permissions.can_edit_country(request.user, country),
            "can_read_history": permissions.can_read_country_history(request.user, country),
        },
    )


@login_required
@require_GET
def my_countries(request):
    """A representative's start page: their countries and where each stands in open rounds."""
    if not permissions.acts_for_a_country(request.user):
        messages.info(request, "You do not keep any country's record; here is the dashboard.")
        return redirect("home")
    kept = selectors.countries_kept(user=request.user)
    return render(request, "nmg_registry/my_countries.html", {"kept": kept})


def _record_forms(country, data=None, *, representatives=None):
    """The record form and its representatives' roles; `representatives` when already read."""
    if representatives is None:
        representatives = selectors.country_representatives(country=country)
    form = CountryRecordForm(data, instance=country)
    formset = RepresentativeRoleFormSet(data, representatives=representatives, prefix="roles")
    return form, formset


@login_required
@require_http_methods(["GET", "POST"])
@country_edit_page
def country_edit(request, country):
    """The country's record form: plan and roadmap links, notes and its representatives' roles."""
    form, formset = _record_forms(country, request.POST if request.method == "POST" else None)
    if request.method == "POST" and all([form.is_valid(), formset.is_valid()]):
        try:
            services.update_country_record(
                user=request.user,
                country=country,
                version=form.submitted_version,
                health_genomics_plan_url=form.cleaned_data["health_genomics_plan_url"],
                national_roadmap_url=form.cleaned_data["national_roadmap_url"],
                notes=form.cleaned_data["notes"],
                roles=formset.roles,
            )
        except EditConflict as exc:
            if exc.removed:
                raise Http404(exc.summary) from None
            form, formset = _record_forms_on_current(country)
            form.add_error(None, exc.message)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"The record of {country.name} was saved.")
            return redirect("countries:detail", code=country.code)
    return render(
        request,
        "nmg_registry/country_form.html",
        {"country": country, "form": form, "formset": formset},
    )


def _record_forms_on_current(country):
    """The record form and roles bound to what is saved now, with the current version."""
    current = Country.objects.get(pk=country.pk)
    representatives = selectors.country_representatives(country=current)
    shown_form, shown_formset = _record_forms(current, representatives=representatives)
    data = {**submitted_copy(shown_form), **submitted_copy(shown_formset)}
    form, formset = _record_forms(current, data, representatives=representatives)
    form.full_clean()
    formset.full_clean()
    return form, formset


def _country_group(country, pk):
    """A mirror group of this country; one of another country is a 404 here."""
    return get_object_or_404(
        MirrorGroup.objects.select_related("country", "working_group"), pk=pk, country=country
    )


@login_required
@require_http_methods(["GET", "POST"])
@country_edit_page
def mirror_group_add(request, country):
    """Add a mirror group to the country."""
    return _mirror_group_form(request, country, pk=None)


@login_required
@require_http_methods(["GET", "POST"])
@country_edit_page
def mirror_group_edit(request, country, pk):
    """Change one of the country's mirror groups."""
    return _mirror_group_form(request, country, pk=pk)


def _mirror_group_form(request, country, *, pk):
    """The mirror group form: a new group without `pk`, else the country's group `pk`."""
    group = _country_group(country, pk) if pk is not None else None
    form = MirrorGroupForm(request.POST if request.method == "POST" else None, instance=group)
    if request.method == "POST" and form.is_valid():
        try:
            if group is None:
                saved = services.create_mirror_group(
                    user=request.user, country=country, **form.values
                )
            else:
                saved = services.update_mirror_group(
                    user=request.user, group=group, version=form.submitted_version, **form.values
                )
        except EditConflict as exc:
            if exc.removed:
                messages.error(request, exc.summary)
                return redirect("countries:detail", code=country.code)
            group = _country_group(country, pk)
            form = MirrorGroupForm(submitted_copy(MirrorGroupForm(instance=group)), instance=group)
            form.full_clean()
            form.add_error(None, exc.message)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            done = "added" if group is None else "saved"
            messages.success(request, f"The mirror group “{saved.name}” was {done}.")
            return redirect("countries:detail", code=country.code)
    return render(
        request,
        "nmg_registry/mirrorgroup_form.html",
        {"country": country, "form": form, "group": group},
    )


@login_required
@require_http_methods(["GET", "POST"])
@country_edit_page
def mirror_group_delete(request, country, pk):
    """Asks to confirm, saying which memberships go with the group, then removes it; a group
    changed, or given other memberships, since the page was opened is not removed: the page
    says so and shows the group as it is now."""
    group = _country_group(country, pk)
    seats = group.memberships.count()
    form = MirrorGroupRemovalForm(
        request.POST if request.method == "POST" else None, instance=group, seats=seats
    )
    if request.method == "POST" and form.is_valid():
        try:
            removed = services.remove_mirror_group(
                user=request.user,
                group=group,
                version=form.submitted_version,
                seats=form.shown_seats,
            )
        except EditConflict as exc:
            if exc.removed:
                messages.error(request, exc.summary)
                return redirect("countries:detail", code=country.code)
            form, group, seats = _removal_on_current(country, pk)
            form.add_error(
                None, exc.summary + " The page now shows the group as it is: confirm again."
            )
        except ValidationError as exc:
            form, group, seats = _removal_on_current(country, pk)
            form.add_error(None, exc)
        else:
            text = f"The mirror group “{group.name}” was removed"
            if removed:
                text += f", with the {removed} membership{pluralize(removed)} in it"
            messages.success(request, text + ".")
            return redirect("countries:detail", code=country.code)
    return render(
        request,
        "nmg_registry/mirrorgroup_confirm_delete.html",
        {"country": country, "group": group, "seats": seats, "form": form},
    )


def _removal_on_current(country, pk):
    """The removal confirmation of the group as it is now: its current version and number of
    memberships, bound so that it can carry an error."""
    group = _country_group(country, pk)
    seats = group.memberships.count()
    form = MirrorGroupRemovalForm(
        submitted_copy(MirrorGroupRemovalForm(instance=group, seats=seats)),
        instance=group,
        seats=seats,
    )
    form.full_clean()
    return form, group, seats


@login_required
@require_GET
@country_page(
    permissions.can_read_country_history,
    "Only the representatives of {country} and WP6 staff may read its history.",
)
def country_history(request, country):
    """What changed in the country's record, groups, experts and responses, and who did it."""
    entries = history.country_history(country=country, limit=HISTORY_LIMIT, user=request.user)
    return render(
        request,
        "nmg_registry/country_history.html",
        {"country": country, "entries": entries, "limit": HISTORY_LIMIT},
    )
