"""The base classes through which every admin asks the policy: querysets, choices, inlines,
history views and query strings go through `nmg_registry.permissions`.

Django's model permissions play no part: `nmg_registry.permissions` decides who may see or
change what, so a representative given admin access sees only their own countries' records.
"""

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import IGNORED_PARAMS, PAGE_VAR, ChangeList
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import models
from django.db.models import F, OuterRef, Subquery
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import is_historic

from nmg_registry import permissions
from nmg_registry.concurrency import is_versioned, versioned_model_form

# A country filter listing only the countries of the rows the policy lets the user see.
OwnCountries = admin.RelatedOnlyFieldListFilter

# PostgreSQL refuses the NUL character in text; no stored value can hold one.
NUL = "\x00"
# The changelist's own parameters: search, ordering, page, popups, facets, the error flag.
DJANGO_PARAMETERS = frozenset((*IGNORED_PARAMS, PAGE_VAR))


class FilterOnlyChangeList(ChangeList):
    """A list filtered only through its admin's own list filters and date hierarchy.

    Django applies any query-string parameter the filters leave over as a lookup on the
    queryset, so `?name__regex=[` reached the database (an error on PostgreSQL). Here a
    parameter no filter takes, or a value holding a NUL, is an invalid lookup: the admin's
    ordinary answer, a redirect to the unfiltered list with `?e=1`.
    """

    def get_filters(self, request):
        params = self.get_filters_params()
        for key, values in params.items():
            if any(NUL in value for value in values):
                raise IncorrectLookupParameters(f"The value of {key} holds a NUL character.")
            if not all(self.model_admin.lookup_allowed(key, value, request) for value in values):
                raise IncorrectLookupParameters(f"{key} is not a filter of this list.")
        try:
            filters = super().get_filters(request)
        except OverflowError as refused:  # a date hierarchy's year past any calendar
            raise IncorrectLookupParameters(refused) from refused
        left_over = set(filters[2]) - self.date_hierarchy_bounds(params)
        if left_over:
            raise IncorrectLookupParameters(f"{', '.join(sorted(left_over))}: not a filter here.")
        return filters

    def date_hierarchy_bounds(self, params) -> set[str]:
        """The lookups Django itself makes of the date hierarchy's year, month and day."""
        field = self.date_hierarchy
        if not field or f"{field}__year" not in params:
            return set()
        return {f"{field}__gte", f"{field}__lt"}


class QueryStringGuard:
    """Mixed into every admin of the site: what a changelist's query string may ask for.

    Lookups are those of the admin's list filters and date hierarchy, nothing else; Django's
    own parameters (page, ordering `o`, search `q`, `_popup`, `_to_field`, `e`) keep their
    meaning. The list's search box refuses a NUL with a message (Django's form does); the
    autocomplete's search for one finds nothing, as no stored text can hold one.
    """

    def get_changelist(self, request, **kwargs):
        return FilterOnlyChangeList

    def get_changelist_instance(self, request):
        try:
            return super().get_changelist_instance(request)
        except IncorrectLookupParameters:
            # Django redirects to the unfiltered list (?e=1); say why, naming the parameters
            # (never their values, which may hold anything).
            asked = sorted(
                key.replace(NUL, "") for key in request.GET if key not in DJANGO_PARAMETERS
            )
            messages.error(
                request,
                f"Not a filter of this list, or a value it cannot hold: {', '.join(asked)}. "
                "The list is shown unfiltered.",
            )
            raise

    def lookup_allowed(self, lookup, value, request=None):
        """Only lookups on the paths of the list's filters and date hierarchy; which of them
        a filter really takes, `FilterOnlyChangeList` checks once the filters have taken
        theirs. (No raw-id popup of the registry limits its choices by lookup.)"""
        filters = self.get_list_filter(request) if request is not None else self.list_filter
        prefixes = [f"{self.date_hierarchy}__"] if self.date_hierarchy else []
        for item in filters:
            if isinstance(item, type) and issubclass(item, admin.SimpleListFilter):
                if lookup == item.parameter_name:
                    return True
                continue
            path = item[0] if isinstance(item, list | tuple) else item
            if isinstance(path, str):
                prefixes.append(f"{path}__")
        if not lookup.startswith(tuple(prefixes)):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_search_results(self, request, queryset, search_term):
        if NUL in search_term:
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)

    def response_action(self, request, queryset):
        """An action on items whose keys this model's key cannot hold (`abc`, `1.5`, a number
        past the column's range) is refused with a message, nothing changed; Django would
        hand them to `pk__in` and fail with a server error."""
        bad = next(
            (key for key in request.POST.getlist(ACTION_CHECKBOX_NAME) if not self.holds_key(key)),
            None,
        )
        if bad is None:
            return super().response_action(request, queryset)
        shown = bad.replace(NUL, "")[:40]
        self.message_user(
            request,
            f"Not an item of this list: {shown!r}. No items have been changed.",
            messages.ERROR,
        )
        return None  # the changelist redirects to itself, showing the message

    def holds_key(self, value: str) -> bool:
        """Whether value is a key this model's primary key can hold."""
        key = self.opts.pk
        try:
            key.run_validators(key.to_python(value))
        except ValidationError:
            return False
        return True


class PolicyChoicesMixin:
    """Foreign-key choices of country-scoped records: a non-staff user picks from their countries.

    A model is country-scoped when its admin names the path to its country in `country_lookup`.
    """

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        site = self.admin_site
        related_admin = site.get_model_admin(related) if site.is_registered(related) else None
        lookup = getattr(related_admin, "country_lookup", None)
        if lookup and "queryset" not in kwargs:
            queryset = related._default_manager.all()
            if lookup != "pk":
                queryset = queryset.select_related(lookup)  # their __str__ shows the country code
            kwargs["queryset"] = permissions.records_of_own_countries(
                request.user, queryset, lookup
            )
        elif related is get_user_model() and "queryset" not in kwargs:
            # Who acts for a country is personal data: only their own countries' people.
            kwargs["queryset"] = users_named_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def users_named_to(user) -> models.QuerySet:
    """The accounts a user may see named in a choice: all for staff, else the people who
    represent the user's countries."""
    users = get_user_model()._default_manager.all()
    if permissions.can_manage_registry(user):
        return users
    country_ids = permissions.represented_country_ids(user)
    return users.filter(representations__country_id__in=country_ids).distinct()


class PolicyModelAdmin(QueryStringGuard, PolicyChoicesMixin, admin.ModelAdmin):
    """An admin that asks the permission policy instead of Django's model permissions.

    By default the model is registry-wide reference data that only WP6 staff see or change.
    A country-scoped admin sets `country_lookup` ("country", "expert__country", "pk" for
    Country itself) and overrides the `has_*_permission` methods with `for_country`.
    """

    country_lookup: str | None = None
    # Fields a representative reads but only staff change.
    staff_only_fields: tuple[str, ...] = ()
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def visible_to(self, user, queryset):
        """The rows the user may see: everything for staff, else the user's countries' rows."""
        if permissions.can_manage_registry(user):
            return queryset
        if self.country_lookup is None:
            return queryset.none()
        return permissions.records_of_own_countries(user, queryset, self.country_lookup)

    def get_queryset(self, request):
        return self.visible_to(request.user, super().get_queryset(request))

    def get_form(self, request, obj=None, change=False, **kwargs):
        """An edit of a versioned record refuses to overwrite a change saved meanwhile, by a
        representative's form, an import or another admin user."""
        if obj is not None and is_versioned(self.model):
            kwargs["form"] = versioned_model_form(kwargs.get("form", self.form))
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if permissions.can_manage_registry(request.user):
            return readonly
        return tuple(dict.fromkeys((*readonly, *self.staff_only_fields)))

    def has_module_permission(self, request):
        return self.has_view_or_change_permission(request)

    def has_view_permission(self, request, obj=None):
        return permissions.can_manage_registry(request.user)

    def has_add_permission(self, request):
        return permissions.can_manage_registry(request.user)

    def has_change_permission(self, request, obj=None):
        return permissions.can_manage_registry(request.user)

    def has_delete_permission(self, request, obj=None):
        return permissions.can_manage_registry(request.user)

    def for_country(self, request, obj, rule) -> bool:
        """`rule(user, country)` for obj's country; without obj, for any country the user has."""
        user = request.user
        if obj is not None:
            return rule(user, self.country_id_of(obj))
        if permissions.is_registry_staff(user):
            return True
        return any(rule(user, country) for country in permissions.represented_country_ids(user))

    def country_id_of(self, obj) -> int | None:
        """obj's country; None for a past version whose parent record is gone."""
        *relations, last = self.country_lookup.split("__")
        try:
            for name in relations:
                obj = getattr(obj, name)
        except ObjectDoesNotExist:
            return None
        return obj.pk if last == "pk" else getattr(obj, f"{last}_id")


class PolicyHistoryAdmin(PolicyModelAdmin, SimpleHistoryAdmin):
    """The policy admin with django-simple-history's history and revert views.

    Those views read past versions outside `get_queryset`, so the policy is asked here
    again. A record's history names who changed it and holds its drafts: it is read by
    staff and by the representatives of the record's country (`can_read_country_history`),
    and only its versions of the time it belonged to the reader's countries (a record that
    moved takes none of its other country's past along). Only staff revert to a version;
    everyone else reads a version, every field shown, none editable.
    """

    def history_view(self, request, object_id, extra_context=None):
        pk = self.record_pk_or_404(object_id)
        versions = self.model.history.filter(**{self.opts.pk.attname: pk})
        if not permissions.can_manage_registry(request.user) and (
            versions.exists()
            and not self.history_versions_visible_to(request.user, versions).exists()
        ):
            raise PermissionDenied  # a record of another country, through all its history
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        pk = self.record_pk_or_404(object_id)
        try:
            version_pk = self.model.history.model._meta.pk.to_python(version_id)
        except ValidationError as unknown:
            raise Http404 from unknown
        versions = self.model.history.filter(**{self.opts.pk.attname: pk}, pk=version_pk)
        version = self.history_versions_visible_to(request.user, versions).first()
        if version is None:
            if versions.exists():
                raise PermissionDenied  # a version of its time in another country
            raise Http404
        if request.method == "POST" and not self.may_revert(request, version.instance):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def record_pk_or_404(self, object_id):
        """The record's key from an address; one that is no key of this model is unknown."""
        try:
            return self.opts.pk.to_python(object_id)
        except ValidationError as unknown:
            raise Http404 from unknown

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        versions = super().get_history_queryset(request, history_manager, pk_name, object_id)
        return self.history_versions_visible_to(request.user, versions)

    def history_versions_visible_to(self, user, versions):
        """The versions the user may read: staff all; a representative those written while
        the record belonged to one of their countries."""
        if permissions.can_manage_registry(user):
            return versions
        if self.country_lookup is None:
            return versions.none()
        then = versions.annotate(country_then=self.country_at_the_time())
        return permissions.records_of_own_countries(user, then, "country_then")

    def country_at_the_time(self):
        """The country a version belonged to when it was written: its own country field, or
        that of its parent's (an answer's response, a seat's expert) latest version then."""
        *path, last = self.country_lookup.split("__")
        if not path:
            return F("id") if last == "pk" else F(f"{last}_id")
        (parent,) = path  # one step up is as far as the registry's records go
        parent_history = self.model._meta.get_field(parent).related_model.history
        return Subquery(
            parent_history.filter(
                id=OuterRef(f"{parent}_id"), history_date__lte=OuterRef("history_date")
            )
            .order_by("-history_date", "-history_id")
            .values(f"{last}_id")[:1]
        )

    def has_view_history_permission(self, request, obj=None):
        if obj is not None and is_historic(obj):
            # A version reaches here only through `history_versions_visible_to`.
            return self.has_view_or_change_permission(request)
        if not super().has_view_history_permission(request, obj):
            return False
        if permissions.can_manage_registry(request.user):
            return True
        if obj is None or self.country_lookup is None:
            return False
        return permissions.can_read_country_history(request.user, self.country_id_of(obj))

    def has_change_history_permission(self, request, obj=None):
        return self.may_revert(request, obj)

    def may_revert(self, request, obj) -> bool:
        """Reverting writes a past version over the record, bypassing the forms' checks."""
        if not permissions.can_manage_registry(request.user):
            return False
        try:
            return super().has_change_history_permission(request, obj)
        except ObjectDoesNotExist:  # the version's parent record is gone: nothing to revert
            return False

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and is_historic(obj) and not self.may_revert(request, obj):
            return self.every_field()
        return super().get_readonly_fields(request, obj)

    def every_field(self) -> tuple[str, ...]:
        if self.fields:
            return tuple(self.fields)
        return tuple(
            field.name
            for field in self.opts.get_fields()
            if (field.concrete or field.many_to_many) and field.editable and not field.auto_created
        )


class WrittenElsewhereAdmin(PolicyModelAdmin):
    """Records the registry writes itself (API tokens, the erasure log): staff read them
    here, and nobody adds, changes or deletes one through the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PolicyInline(PolicyChoicesMixin):
    """Mixed into an inline: its rows belong to the parent record, whose admin decides."""

    def parent_admin(self):
        return self.admin_site.get_model_admin(self.parent_model)

    def may_edit(self, request, obj) -> bool:
        return self.parent_admin().has_change_permission(request, obj)

    def has_view_permission(self, request, obj=None):
        return self.parent_admin().has_view_permission(request, obj) or self.may_edit(request, obj)

    def has_add_permission(self, request, obj=None):
        return self.may_edit(request, obj)

    def has_change_permission(self, request, obj=None):
        return self.may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.may_edit(request, obj)


def guard_query_strings(model) -> None:
    """Re-register another app's admin of `model` with the registry's query-string guard."""
    if not admin.site.is_registered(model):
        return
    current = type(admin.site.get_model_admin(model))
    if issubclass(current, QueryStringGuard):
        return
    admin.site.unregister(model)
    admin.site.register(model, type(current.__name__, (QueryStringGuard, current), {}))
