"""Template context every page needs: the user's role and whether the data is a demo."""

from functools import partial

from nmg_registry import permissions
from nmg_registry.models import DemoDataset


def registry(request):
    user = getattr(request, "user", None)
    # Lazy: a template that never asks costs no query.
    return {
        "is_registry_staff": partial(permissions.is_registry_staff, user),
        "demo_dataset": DemoDataset.objects.first,
    }
