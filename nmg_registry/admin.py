"""Admin of the core registry: countries, working groups, stakeholder types, mirror groups,
representatives and API tokens, on the policy-asking bases of `nmg_registry.admin_base`."""

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Count

from nmg_registry import permissions, services
from nmg_registry.admin_base import (
    OwnCountries,
    PolicyHistoryAdmin,
    PolicyInline,
    PolicyModelAdmin,
    WrittenElsewhereAdmin,
    guard_query_strings,
)
from nmg_registry.admin_writes import ServiceWritesAdmin
from nmg_registry.concurrency import version_of
from nmg_registry.models import (
    ApiToken,
    Country,
    ErasureLog,
    MirrorGroup,
    Representative,
    StakeholderType,
    WorkingGroup,
)


class RepresentativeInline(PolicyInline, admin.TabularInline):
    """A country's representatives see who else acts for it; only staff appoint them."""

    model = Representative
    fields = ("user", "role")
    extra = 0

    def may_edit(self, request, obj) -> bool:
        return permissions.can_manage_registry(request.user)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "country")


# The fields of a country's record that its representatives keep, as on its record page.
COUNTRY_RECORD_FIELDS = ("health_genomics_plan_url", "national_roadmap_url", "notes")


@admin.register(Country)
class CountryAdmin(ServiceWritesAdmin, PolicyHistoryAdmin):
    """Representatives keep their own country's record; staff add countries and set the facts.

    The record (plan and roadmap links, notes) is saved by the record page's service; the
    facts, staff's alone, are saved with it. The representatives' inline is staff's.
    """

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
    identity = ("code", "iso_code", "name", "participation", "signed_on", "signing_note")
    # As on the record page, a representative keeps the record's links and notes alone.
    staff_only_fields = (*identity, "health_system", "population_millions")
    # The service keeps the record; the names and codes, which staff set, are the form's.
    service_checks_uniqueness = False

    @admin.display(description="signed", ordering="signed_on")
    def signed(self, country):
        return country.signed_on or country.signing_note or "—"

    def has_view_permission(self, request, obj=None):
        return self.for_country(request, obj, permissions.can_edit_country)

    def has_change_permission(self, request, obj=None):
        return self.for_country(request, obj, permissions.can_edit_country)

    def saved_by_django(self, formset) -> bool:
        return True  # appointing representatives is staff's, with no rule beyond the policy

    def write(self, request, form, formsets, change):
        country = form.instance
        if not change:
            country.save()  # a new country is staff's reference data: no service
            return country
        record = {name: getattr(country, name) for name in COUNTRY_RECORD_FIELDS}
        saved = services.update_country_record(
            user=request.user, country=country, version=self.version_shown(form), roles={}, **record
        )
        facts = [
            field.name
            for field in self.opts.concrete_fields
            if field.name in form.changed_data and field.name not in COUNTRY_RECORD_FIELDS
        ]
        if facts:
            for name in facts:
                setattr(saved, name, getattr(country, name))
            saved._history_user = request.user
            saved.save()
        return saved

    def remove(self, request, obj) -> None:
        obj.delete()  # staff's alone, and refused by the database while records point at it


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
class MirrorGroupAdmin(ServiceWritesAdmin, PolicyHistoryAdmin):
    """A country's representatives add and edit its groups; staff edit every country's.

    Saved and removed by the country pages' services; a group stays in its country.
    """

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

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return readonly if obj is None else tuple(dict.fromkeys((*readonly, "country")))

    def write(self, request, form, formsets, change):
        values = {name: form.cleaned_data.get(name) for name in services.MIRROR_GROUP_FIELDS}
        if not change:
            country = form.cleaned_data["country"]
            return services.create_mirror_group(user=request.user, country=country, **values)
        return services.update_mirror_group(
            user=request.user, group=form.instance, version=self.version_shown(form), **values
        )

    def remove(self, request, obj) -> None:
        # The admin's confirmation lists the memberships that go with the group.
        services.remove_mirror_group(
            user=request.user, group=obj, version=version_of(obj), seats=obj.memberships.count()
        )


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
class ApiTokenAdmin(WrittenElsewhereAdmin):
    """Staff see every user's tokens, never a key or its hash, and revoke them. Users create
    their own on their page or by command: a key is shown once, to whoever created it."""

    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = (ApiTokenStateFilter,)
    search_fields = ("name", "prefix", "user__username", "user__email")
    list_select_related = ("user",)
    ordering = ("-created_at", "-id")
    fields = ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    # Revoking keeps the record of when a token stopped working; deleting would not.
    actions = ["revoke"]

    def has_revoke_permission(self, request):
        return permissions.can_manage_registry(request.user)

    @admin.action(description="Revoke selected API tokens", permissions=["revoke"])
    def revoke(self, request, queryset):
        revoked = services.revoke_api_tokens(tokens=queryset)
        if revoked:
            self.message_user(request, f"Revoked {revoked} API token(s).", messages.SUCCESS)
        else:
            self.message_user(request, "The selected tokens were revoked before.", messages.WARNING)


@admin.register(ErasureLog)
class ErasureLogAdmin(WrittenElsewhereAdmin):
    """Who erased personal data, when, of which country and how many records: read by WP6
    staff, written only by the erasures themselves. Never what was erased."""

    list_display = ("erased_at", "kind", "country", "erased_by", "records", "versions")
    list_filter = ("kind", "country")
    list_select_related = ("country", "erased_by")
    ordering = ("-erased_at", "-id")
    fields = list_display
    readonly_fields = fields
    date_hierarchy = "erased_at"


# Accounts, groups and sign-in records: their admins come with Django and django-axes,
# whose apps register them before this module runs.
for _model in (get_user_model(), Group, AccessAttempt, AccessLog, AccessFailureLog):
    guard_query_strings(_model)
