"""Writes of the core registry."""

import datetime

from django.db import transaction
from django.utils import timezone

from nmg_registry.models import PendingImport

PENDING_IMPORT_LIFETIME = datetime.timedelta(days=1)


@transaction.atomic
def stage_import(*, user, kind: str, filename: str, data: bytes, options: dict) -> PendingImport:
    """Keep an uploaded file until its uploader confirms the preview; drop stale ones."""
    PendingImport.objects.filter(created_at__lt=timezone.now() - PENDING_IMPORT_LIFETIME).delete()
    return PendingImport.objects.create(
        kind=kind, user=user, filename=filename, data=data, options=options
    )
