"""The staged-upload engine every import door uses: a waiting upload is imported once, by its
uploader, and leaves the database in the same transaction as the import's writes."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError

from compositions.models import Expert, Membership
from nmg_registry import imports
from nmg_registry.bulk_writes import BulkHistory
from nmg_registry.models import PendingImport
from nmg_registry.tabular import ImportFailed
from tests import factories
from tests.admin_helpers import admin_url

pytestmark = pytest.mark.django_db

HEADER = "country,working_group,role,stakeholder_type,institution,name,position,gender,region,email"
ANA = (
    "ES,WG3,Coordinator,Research/University,ISCIII,Ana García,Researcher,female,Madrid,"
    "ana@example.org"
)


def staged(user) -> PendingImport:
    pending, summary = imports.upload(
        user=user,
        kind=PendingImport.Kind.COMPOSITION,
        filename="composition.csv",
        data=f"{HEADER}\n{ANA}\n".encode(),
        options={"replace": False},
    )
    assert summary.dry_run and summary.changed
    return pending


def confirm(pending, user):
    return imports.confirm(
        pending, user=user, previewed=imports.preview(pending, user=user).fingerprint()
    )


def test_a_file_with_errors_is_not_kept_waiting(cast):
    with pytest.raises(ImportFailed):
        imports.upload(
            user=cast.staff,
            kind=PendingImport.Kind.COMPOSITION,
            filename="composition.csv",
            data=f"{HEADER}\nXX,14,chair,,ISCIII,,,,,\n".encode(),
            options={"replace": False},
        )

    assert not PendingImport.objects.exists()


def test_a_confirmed_import_removes_the_waiting_upload(cast):
    pending = staged(cast.staff)

    summary = confirm(pending, cast.staff)

    assert not summary.dry_run
    assert Expert.objects.get().name == "Ana García"
    assert not PendingImport.objects.exists()


def test_an_import_failing_while_it_writes_keeps_the_upload_and_writes_nothing(cast, monkeypatch):
    pending = staged(cast.staff)
    record = BulkHistory.record

    def failing_on_memberships(self, model, objs, history_type):
        if model is Membership:
            raise IntegrityError("a competing write")
        record(self, model, objs, history_type)

    monkeypatch.setattr(BulkHistory, "record", failing_on_memberships)

    with pytest.raises(ImportFailed):
        confirm(pending, cast.staff)

    # The experts inserted before the failure are rolled back with it; the upload waits.
    assert not Expert.objects.exists() and not Expert.history.exists()
    assert PendingImport.objects.filter(pk=pending.pk).exists()


def test_a_second_confirmation_imports_nothing_and_says_the_upload_no_longer_waits(cast):
    pending = staged(cast.staff)
    previewed = imports.preview(pending, user=cast.staff).fingerprint()
    imports.confirm(pending, user=cast.staff, previewed=previewed)
    history_rows = Expert.history.count()

    # The same upload confirmed again, as from a second window open on the preview.
    with pytest.raises(imports.UploadNotWaiting, match="no longer waiting for confirmation"):
        imports.confirm(pending, user=cast.staff, previewed=previewed)

    assert Expert.objects.count() == 1 and Expert.history.count() == history_rows


def test_only_the_uploader_previews_or_confirms_an_upload(cast):
    pending = staged(factories.make_staff("other-staff"))

    with pytest.raises(PermissionDenied):
        imports.preview(pending, user=cast.staff)
    with pytest.raises(PermissionDenied):
        imports.confirm(pending, user=cast.staff, previewed="")

    assert not Expert.objects.exists()
    assert PendingImport.objects.filter(pk=pending.pk).exists()


def test_a_second_confirmation_in_the_admin_answers_404(client, cast):
    pending = staged(cast.staff)
    client.force_login(cast.staff)
    url = admin_url(Expert, "import_confirm", pending.pk)
    plan = {"plan": imports.preview(pending, user=cast.staff).fingerprint()}
    assert client.post(url, plan).status_code == 302

    assert client.post(url, plan).status_code == 404
    assert Expert.objects.count() == 1
