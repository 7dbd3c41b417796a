"""DRF's side of the one permission policy (`nmg_registry.permissions`): each class asks it
one question; the lists then filter their rows with its `*_visible_to` querysets."""

from rest_framework.permissions import BasePermission

from nmg_registry import permissions


class CanReadAggregates(BasePermission):
    """Any signed-in user; anonymous readers only when NMG_PUBLIC_AGGREGATES is on."""

    message = "Sign in to read the assessment."

    def has_permission(self, request, view):
        return permissions.can_read_aggregates(request.user)


class CanReadCountryProfiles(BasePermission):
    """Countries, mirror groups and reference data: any signed-in user."""

    message = "Sign in to read the registry."

    def has_permission(self, request, view):
        return permissions.can_read_country_profiles(request.user)


class CanListExperts(BasePermission):
    """Staff, and representatives, who then see their own countries' experts only."""

    message = "Only WP6 staff and country representatives may read experts."

    def has_permission(self, request, view):
        return permissions.can_list_experts(request.user)
