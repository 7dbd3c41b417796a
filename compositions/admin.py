"""Admin of experts and their seats: personal data, limited to the user's countries."""

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from compositions.models import Expert, Membership
from compositions.services import erasure
from compositions.services.experts import (
    EXPERT_FORM_FIELDS,
    SeatInput,
    create_expert,
    remove_expert,
    update_expert,
)
from nmg_registry import permissions, personal_data
from nmg_registry.admin_base import OwnCountries, PolicyHistoryAdmin, PolicyInline
from nmg_registry.admin_imports import SpreadsheetImportAdminMixin, SpreadsheetUploadForm
from nmg_registry.admin_writes import ServiceWritesAdmin
from nmg_registry.concurrency import version_of
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


def seat_of(form, row=None) -> SeatInput:
    """A seat form's values as the expert services take them."""
    values = form.cleaned_data
    return SeatInput(
        working_group=values.get("working_group"),
        mirror_group=values.get("mirror_group"),
        role=values.get("role"),
        pk=form.instance.pk,
        row=row,
    )


def seats_of(formsets) -> tuple[list[SeatInput], list[int]]:
    """The seats of the inline rows, and the stored seats whose rows are marked for removal."""
    seats, removed = [], []
    for formset in formsets:
        for row, form in enumerate(formset.forms):
            if form.instance.pk and formset.can_delete and formset._should_delete_form(form):
                removed.append(form.instance.pk)
            elif form.instance.pk or form.has_changed():
                seats.append(seat_of(form, row))
    return seats, removed


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


def people_of(queryset) -> list:
    """The people the selected experts are, each once: (the expert selected, the candidate
    with all their records)."""
    people = {}
    for expert in queryset.select_related("country").order_by("pk"):
        candidate = erasure.candidate_of(expert)
        people.setdefault(candidate.ids, (expert, candidate))
    return list(people.values())


@admin.register(Expert)
class ExpertAdmin(
    SpreadsheetImportAdminMixin, ServiceWritesAdmin, PersonalDataPermissions, PolicyHistoryAdmin
):
    """Saved and removed with their seats by the experts page's services; an expert stays in
    their country."""

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
    actions = ["erase_personal_data", "export_personal_data"]

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

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return readonly if obj is None else tuple(dict.fromkeys((*readonly, "country")))

    def write(self, request, form, formsets, change):
        values = {
            name: form.cleaned_data[name]
            for name in (*EXPERT_FORM_FIELDS, "stakeholder_type")
            if name in form.cleaned_data
        }
        if not change:
            country = form.cleaned_data["country"]
            return create_expert(user=request.user, country=country, values=values)
        seats, removed = seats_of(formsets)
        return update_expert(
            user=request.user,
            expert=form.instance,
            version=self.version_shown(form),
            values=values,
            seats=seats,
            removed_seat_ids=removed,
        )

    def remove(self, request, obj) -> None:
        remove_expert(user=request.user, expert=obj, version=version_of(obj))

    @admin.display(description="memberships", ordering="membership_count")
    def membership_count(self, expert):
        return expert.membership_count

    def has_personal_data_permission(self, request):
        """The GDPR actions are WP6 staff's: a representative with admin access never sees them."""
        return permissions.can_erase_personal_data(request.user)

    @admin.action(description="Erase personal data…", permissions=["personal_data"])
    def erase_personal_data(self, request, queryset):
        """A confirmation page listing what will be erased; erased once confirmed. Each selected
        expert is erased as the command erases them: the person, with every earlier record of
        the same identity (compositions.identity)."""
        people = people_of(queryset)
        if request.POST.get("confirmed") != "yes":
            plans = [
                (expert, candidate, erasure.plan_erasure(candidate)) for expert, candidate in people
            ]
            context = {
                **self.admin_site.each_context(request),
                "title": "Erase personal data",
                "opts": self.opts,
                "plans": plans,
                "marker": personal_data.MARKER,
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(
                request, "admin/compositions/expert/erase_personal_data.html", context
            )
        erased = [erasure.erase_expert(candidate, user=request.user) for _, candidate in people]
        self.message_user(
            request,
            f"Erased {len(erased)} expert(s): {sum(e.records for e in erased)} record(s) "
            f"removed, {sum(e.versions for e in erased)} historical version(s) scrubbed.",
            messages.SUCCESS,
        )
        return None

    @admin.action(description="Export personal data (JSON)", permissions=["personal_data"])
    def export_personal_data(self, request, queryset):
        """Everything the registry holds about the selected experts, as one JSON document."""
        document = personal_data.export_document(
            [(erasure.query_of(expert), [candidate]) for expert, candidate in people_of(queryset)]
        )
        response = HttpResponse(
            json.dumps(document, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
            content_type="application/json; charset=utf-8",
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="personal-data-{stamp}.json"'
        return response


@admin.register(Membership)
class MembershipAdmin(ServiceWritesAdmin, PersonalDataPermissions, PolicyHistoryAdmin):
    """A seat is part of its expert: saved and removed by the expert's service, which checks
    it against the expert's other seats and gives the expert a new version."""

    country_lookup = "expert__country"
    list_display = ("expert", "expert__country", "working_group", "mirror_group", "role")
    list_filter = ("role", "working_group", ("expert__country", OwnCountries))
    search_fields = ("expert__name", "expert__institution", "mirror_group__name")
    list_select_related = ("expert__country", "working_group", "mirror_group__country")
    ordering = ("expert__country__code", "working_group__number", "expert__name")
    autocomplete_fields = ("expert",)

    def visible_to(self, user, queryset):
        return permissions.memberships_visible_to(user, queryset)

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return readonly if obj is None else tuple(dict.fromkeys((*readonly, "expert")))

    def write(self, request, form, formsets, change):
        expert = form.cleaned_data["expert"] if not change else form.instance.expert
        seat = seat_of(form)
        update_expert(
            user=request.user, expert=expert, version=version_of(expert), values={}, seats=[seat]
        )
        return Membership.objects.get(
            expert=expert, working_group=seat.working_group, mirror_group=seat.mirror_group
        )

    def remove(self, request, obj) -> None:
        expert = obj.expert
        update_expert(
            user=request.user,
            expert=expert,
            version=version_of(expert),
            values={},
            removed_seat_ids=[obj.pk],
        )
