"""Admin of experts and their seats: personal data, limited to the user's countries."""

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.urls import reverse

from compositions.models import Expert, Membership
from nmg_registry import permissions
from nmg_registry.admin import OwnCountries, PolicyHistoryAdmin, PolicyInline
from nmg_registry.admin_imports import SpreadsheetImportAdminMixin, SpreadsheetUploadForm
from nmg_registry.models import MirrorGroup, PendingImport


class CompositionUploadForm(SpreadsheetUploadForm):
    replace = forms.BooleanField(
        required=False,
        label="Replace",
        help_text=(
            "Make the file the whole composition of each country it names: that country's "
            "experts and seats missing from the file are removed."
        ),
    )


class MembershipInline(PolicyInline, admin.TabularInline):
    """Shown once the expert is saved: Membership.clean needs the expert's country."""

    model = Membership
    fields = ("working_group", "mirror_group", "role")
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("working_group", "mirror_group")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        field = formset.form.base_fields.get("mirror_group")
        if field is not None and obj is not None:
            field.queryset = MirrorGroup.objects.filter(country_id=obj.country_id)
            field.label_from_instance = lambda group: group.name
        return formset


class PersonalDataPermissions:
    """Experts and their seats: read by whoever may read the country's experts, changed by
    whoever may edit them (staff and the country's representatives)."""

    def has_view_permission(self, request, obj=None):
        return self.for_country(request, obj, permissions.can_read_experts)

    def has_add_permission(self, request):
        return self.for_country(request, None, permissions.can_edit_experts)

    def has_change_permission(self, request, obj=None):
        return self.for_country(request, obj, permissions.can_edit_experts)

    def has_delete_permission(self, request, obj=None):
        return self.for_country(request, obj, permissions.can_edit_experts)


@admin.register(Expert)
class ExpertAdmin(SpreadsheetImportAdminMixin, PersonalDataPermissions, PolicyHistoryAdmin):
    country_lookup = "country"
    import_kind = PendingImport.Kind.COMPOSITION
    import_title = "Import composition"
    import_form_class = CompositionUploadForm
    list_display = (
        "country",
        "name",
        "institution",
        "stakeholder_type",
        "gender",
        "membership_count",
    )
    list_display_links = ("name",)
    list_filter = (("country", OwnCountries), "stakeholder_type", "gender")
    search_fields = ("name", "institution", "email")
    list_select_related = ("country", "stakeholder_type")
    ordering = ("country__code", "name")
    inlines = (MembershipInline,)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()

    def visible_to(self, user, queryset):
        return permissions.experts_visible_to(user, queryset)

    def import_options(self, form):
        return {"replace": form.cleaned_data["replace"]}

    def export_links(self, request):
        return [
            {"url": reverse("compositions:export", args=["csv"]), "label": "Export CSV"},
            {"url": reverse("compositions:export", args=["xlsx"]), "label": "Export XLSX"},
            {"url": reverse("compositions:template"), "label": "Blank template"},
        ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(membership_count=Count("memberships"))

    @admin.display(description="memberships", ordering="membership_count")
    def membership_count(self, expert):
        return expert.membership_count


@admin.register(Membership)
class MembershipAdmin(PersonalDataPermissions, PolicyHistoryAdmin):
    country_lookup = "expert__country"
    list_display = ("expert", "expert__country", "working_group", "mirror_group", "role")
    list_filter = ("role", "working_group", ("expert__country", OwnCountries))
    search_fields = ("expert__name", "expert__institution", "mirror_group__name")
    list_select_related = ("expert__country", "working_group", "mirror_group__country")
    ordering = ("expert__country__code", "working_group__number", "expert__name")
    autocomplete_fields = ("expert",)

    def visible_to(self, user, queryset):
        return permissions.memberships_visible_to(user, queryset)
