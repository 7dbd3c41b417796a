"""Admin of the core registry, and the base classes through which every admin asks the policy.

Django's model permissions play no part: `nmg_registry.permissions` decides who may see or
change what, so a representative given admin access sees only their own countries' records.
"""

from django.contrib import admin, messages
from django.db import models
from django.db.models import Count
from simple_history.admin import SimpleHistoryAdmin

from nmg_registry import permissions, services
from nmg_registry.concurrency import is_versioned, versioned_model_form
from nmg_registry.models import (
    ApiToken,
    Country,
    MirrorGroup,
    Representative,
    StakeholderType,
    WorkingGroup,
)

# A country filter listing only the countries of the rows the policy lets the user see.
OwnCountries = admin.RelatedOnlyFieldListFilter


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
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class PolicyModelAdmin(PolicyChoicesMixin, admin.ModelAdmin):
    """An admin that asks the permission policy instead of Django's model permissions.

    By default the model is registry-wide reference data that only WP6 staff see or change.
    A country-scoped admin sets `country_lookup` ("country", "expert__country", "pk" for
    Country itself) and overrides the `has_*_permission` methods with `for_country`.
    """

    country_lookup: str | None = None
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

    def country_id_of(self, obj) -> int:
        *relations, last = self.country_lookup.split("__")
        for name in relations:
            obj = getattr(obj, name)
        return obj.pk if last == "pk" else getattr(obj, f"{last}_id")


class PolicyHistoryAdmin(PolicyModelAdmin, SimpleHistoryAdmin):
    """The policy admin with django-simple-history's history and revert views.

    Those views load past versions outside `get_queryset`; they stay safe because they ask
    `has_view_permission(request, obj)` about the version, so the policy still decides.
    """


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


class RepresentativeInline(PolicyInline, admin.TabularInline):
    """A country's representatives see who else acts for it; only staff appoint them."""

    model = Representative
    fields = ("user", "role")
    extra = 0

    def may_edit(self, request, obj) -> bool:
        return permissions.can_manage_registry(request.user)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "country")


@admin.register(Country)
class CountryAdmin(PolicyHistoryAdmin):
    """Representatives keep their own country's record; staff add countries and set the facts."""

    country_lookup = "pk"
    list_display = (
        "code",
        "name",
        "iso_code",
        "participation",
        "signed",
        "health_system",
        "population_millions",
        "updated_at",
    )
    list_display_links = ("code", "name")
    list_filter = ("participation", "health_system")
    search_fields = ("code", "iso_code", "name")
    ordering = ("code",)
    inlines = (RepresentativeInline,)
    view_on_site = False
    staff_only_fields = ("code", "iso_code", "name", "participation", "signed_on", "signing_note")

    @admin.display(description="signed", ordering="signed_on")
    def signed(self, country):
        return country.signed_on or country.signing_note or "—"

    def get_readonly_fields(self, request, obj=None):
        if permissions.can_manage_registry(request.user):
            return ()
        return self.staff_only_fields

    def has_view_permission(self, request, obj=None):
        return self.for_country(request, obj, permissions.can_edit_country)

    def has_change_permission(self, request, obj=None):
        return self.for_country(request, obj, permissions.can_edit_country)


@admin.register(WorkingGroup)
class WorkingGroupAdmin(PolicyHistoryAdmin):
    list_display = ("number", "name", "is_use_case", "is_active")
    list_display_links = ("number", "name")
    list_filter = ("is_use_case", "is_active")
    search_fields = ("name",)
    ordering = ("number",)


@admin.register(StakeholderType)
class StakeholderTypeAdmin(PolicyModelAdmin):
    list_display = ("label", "slug", "order")
    search_fields = ("label", "slug")
    ordering = ("order", "slug")
    prepopulated_fields = {"slug": ("label",)}


@admin.register(MirrorGroup)
class MirrorGroupAdmin(PolicyHistoryAdmin):
    """A country's representatives add and edit its groups; staff edit every country's."""

    country_lookup = "country"
    list_display = ("name", "country", "kind", "working_group", "established_on", "member_count")
    list_filter = ("kind", ("country", OwnCountries), "working_group")
    search_fields = ("name", "country__name", "country__code")
    list_select_related = ("country", "working_group")
    ordering = ("country__code", "kind", "name")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("memberships"))

    @admin.display(description="members", ordering="member_count")
    def member_count(self, group):
        return group.member_count

    def has_view_permission(self, request, obj=None):
        return self.for_country(request, obj, permissions.can_edit_country)

    def has_add_permission(self, request):
        return self.for_country(request, None, permissions.can_edit_country)

    def has_change_permission(self, request, obj=None):
        return self.for_country(request, obj, permissions.can_edit_country)

    def has_delete_permission(self, request, obj=None):
        return self.for_country(request, obj, permissions.can_edit_country)


@admin.register(Representative)
class RepresentativeAdmin(PolicyHistoryAdmin):
    """Staff appoint representatives; a representative sees who else acts for their country."""

    country_lookup = "country"
    list_display = ("user", "user__email", "country", "role")
    list_filter = ("role", ("country", OwnCountries))
    search_fields = ("user__username", "user__email", "user__last_name", "country__name")
    list_select_related = ("user", "country")
    ordering = ("country__code", "user__username")

    def visible_to(self, user, queryset):
        return permissions.representatives_visible_to(user, queryset)

    def has_view_permission(self, request, obj=None):
        return self.for_country(request, obj, permissions.can_read_representatives)


class ApiTokenStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("live", "in use"), ("revoked", "revoked")]

    def queryset(self, request, queryset):
        if self.value() == "live":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(PolicyModelAdmin):
    """Staff see every user's tokens, never a key or its hash, and revoke them. Users create
    their own on their page or by command: a key is shown once, to whoever created it."""

    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = (ApiTokenStateFilter,)
    search_fields = ("name", "prefix", "user__username", "user__email")
    list_select_related = ("user",)
    ordering = ("-created_at", "-id")
    fields = ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Revoking keeps the record of when a token stopped working; deleting would not.
        return False

    def has_revoke_permission(self, request):
        return permissions.can_manage_registry(request.user)

    @admin.action(description="Revoke selected API tokens", permissions=["revoke"])
    def revoke(self, request, queryset):
        revoked = services.revoke_api_tokens(tokens=queryset)
        if revoked:
            self.message_user(request, f"Revoked {revoked} API token(s).", messages.SUCCESS)
        else:
            self.message_user(request, "The selected tokens were revoked before.", messages.WARNING)
