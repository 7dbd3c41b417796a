"""Template context every page needs: the user's role in the registry."""

from functools import partial

from nmg_registry import permissions


def registry(request):
    user = getattr(request, "user", None)
    # Lazy: a template that never asks costs no permission query.
    return {"is_registry_staff": partial(permissions.is_registry_staff, user)}
