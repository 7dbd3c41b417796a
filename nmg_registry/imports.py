"""Staged uploads: the one path of every file import (compositions, survey responses).

A door (the admin's import screens, a country's upload page, the import commands) hands a
file to `upload`, which checks it with a dry run and keeps it (PendingImport) for its
uploader to confirm; `preview` describes what it would change now; `confirm` imports it as
previewed, or nothing. The upload waits in the database, so any web worker or host can take
the confirmation. The core imports no app built on it: each app that owns a kind of file
registers the function that imports it (`register_kind`, from its AppConfig.ready()).
"""

import datetime
from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import transaction
from django.utils import timezone

from nmg_registry import permissions
from nmg_registry.models import PendingImport
from nmg_registry.tabular import ImportSummary

# An upload not confirmed within this time is dropped.
PENDING_IMPORT_LIFETIME = datetime.timedelta(days=1)
# A preview lists this many changes, then says how many more there are.
PREVIEW_CHANGES_SHOWN = 500
NOT_WAITING = (
    "That upload is no longer waiting for confirmation: it was imported already, or it "
    "expired. Upload the file again."
)
NOT_THE_UPLOADER = "Only the person who uploaded this file may confirm its import."

# The import of each kind of file, registered by the app that owns it.
_runners: dict[str, Callable[..., ImportSummary]] = {}


def register_kind(kind: str, runner: Callable[..., ImportSummary]) -> None:
    """Make `runner` the import of the files of `kind` (a PendingImport.Kind value).

    It is called with the keywords a door gives `run`: `options` are the door's JSON-able
    choices kept with the upload, `only_countries` (Country objects) a country page's
    restriction. It raises ImportFailed or PlanChanged, writing nothing then.
    """
    _runners[kind] = runner


class UploadNotWaiting(Exception):
    """The staged upload was imported already (perhaps by a confirmation at the same moment)
    or dropped: nothing was imported."""

    def __init__(self):
        super().__init__(NOT_WAITING)


def run(kind: str, **import_args) -> ImportSummary:
    """Import a file of `kind` at once, without staging it. `import_args`: data, filename,
    options, and if need be dry_run, user (None, the default, is the command line),
    previewed (the fingerprint of a confirmed preview) and only_countries."""
    try:
        runner = _runners[kind]
    except KeyError:
        raise ImproperlyConfigured(f"No import is registered for {kind!r} files.") from None
    return runner(**import_args)


@transaction.atomic
def stage(*, user, kind: str, filename: str, data: bytes, options: dict) -> PendingImport:
    """Keep an uploaded file until its uploader confirms the preview; drop stale ones."""
    PendingImport.objects.filter(created_at__lt=timezone.now() - PENDING_IMPORT_LIFETIME).delete()
    return PendingImport.objects.create(
        kind=kind, user=user, filename=filename, data=data, options=options
    )


@transaction.atomic
def upload(
    *, user, kind: str, filename: str, data: bytes, options: dict, only_countries=None
) -> tuple[PendingImport, ImportSummary]:
    """Keep a file for confirmation if a dry run of its import finds it clean: the waiting
    upload and its preview. A file with errors raises ImportFailed and is not kept."""
    pending = stage(user=user, kind=kind, filename=filename, data=data, options=options)
    return pending, _run_pending(pending, user=user, dry_run=True, only_countries=only_countries)


def preview(pending: PendingImport, *, user, only_countries=None) -> ImportSummary:
    """What importing the waiting upload would change in the registry as it is now."""
    _check_uploader(user, pending)
    return _run_pending(pending, user=user, dry_run=True, only_countries=only_countries)


def confirm(pending: PendingImport, *, user, previewed: str, only_countries=None) -> ImportSummary:
    """Import the waiting upload if it would make the changes of the preview the user saw
    (`previewed`, its fingerprint), and drop the upload in the same transaction.

    Raises PermissionDenied for anyone but its uploader; UploadNotWaiting when it is gone
    (two confirmations at once: the second waits for the first, then finds nothing);
    PlanChanged or ImportFailed, the upload kept, when the import writes nothing.
    """
    _check_uploader(user, pending)
    with transaction.atomic():
        waiting = PendingImport.objects.filter(pk=pending.pk)
        if not waiting.select_for_update().values_list("pk", flat=True):
            raise UploadNotWaiting
        summary = _run_pending(
            pending, user=user, dry_run=False, previewed=previewed, only_countries=only_countries
        )
        waiting.delete()
    return summary


def preview_context(summary: ImportSummary | None) -> dict:
    """What a preview page shows of a plan: its first changes, how many more there are, and
    the fingerprint the confirmation hands back."""
    changes = summary.changes if summary else []
    return {
        "summary": summary,
        "plan": summary.fingerprint() if summary else "",
        "changes": changes[:PREVIEW_CHANGES_SHOWN],
        "changes_not_shown": max(0, len(changes) - PREVIEW_CHANGES_SHOWN),
    }


def _check_uploader(user, pending: PendingImport) -> None:
    if not permissions.can_confirm_import(user, pending):
        raise PermissionDenied(NOT_THE_UPLOADER)


def _run_pending(pending: PendingImport, *, user, dry_run, only_countries, previewed=None):
    return run(
        pending.kind,
        data=bytes(pending.data),
        filename=pending.filename,
        options=pending.options,
        dry_run=dry_run,
        user=user,
        previewed=previewed,
        only_countries=only_countries,
    )
