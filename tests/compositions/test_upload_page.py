"""A country's composition upload: the file, a preview of every change (or every error),
then the uploader's confirmation; rows of other countries are refused on this page."""

import datetime
import html
import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from compositions.models import Expert, Membership
from compositions.services.experts import update_expert
from compositions.services.file_import import import_composition
from nmg_registry.concurrency import version_of
from nmg_registry.imports import stage
from nmg_registry.models import PendingImport
from nmg_registry.tabular import ImportFailed
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = "country,working_group,role,stakeholder_type,institution,name,position,gender,region,email"
ANA = (
    "ES,WG3,Coordinator,Research/University,ISCIII,Ana García,Researcher,female,Madrid,"
    "ana@example.org"
)
LUIS = "es,1,expert,clinical-communities,CNAG,Luis Pérez,Clinician,male,,luis@example.org"
GIULIA = "IT,9,expert,elsi,ISS,Giulia Rossi,Lawyer,female,Lazio,giulia@example.org"
BAD = "ES,14,chair,,ISCIII,,Researcher,female,Madrid,ana@"

UPLOAD_URL = reverse("compositions:upload", args=["ES"])


def upload(*lines: str, name="composition.csv"):
    content = "\n".join([HEADER, *lines]) + "\n"
    return SimpleUploadedFile(name, content.encode("utf-8"), content_type="text/csv")


def confirm_url(pending_id, code="ES"):
    return reverse("compositions:upload-confirm", args=[code, pending_id])


def text(response) -> str:
    content = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(content))


def stored() -> tuple[int, int, int]:
    return Expert.objects.count(), Membership.objects.count(), PendingImport.objects.count()


def staged(user, *lines: str, country="ES") -> PendingImport:
    """An upload of `lines` waiting for `user`'s confirmation on `country`'s page."""
    return stage(
        user=user,
        kind=PendingImport.Kind.COMPOSITION,
        filename="composition.csv",
        data="\n".join([HEADER, *lines, ""]).encode(),
        options={"replace": False, "country": country},
    )


def plan_on(page) -> dict:
    """The confirmation's data a browser posts from a preview page: its plan's fingerprint."""
    match = re.search(r'name="plan" value="([0-9a-f]{64})"', page.content.decode())
    assert match, "the preview carries the fingerprint of its plan"
    return {"plan": match.group(1)}


@pytest.mark.parametrize(("who", "status"), [("viewer", 403), ("rep_it", 403)])
def test_others_cannot_upload_a_countrys_composition(client, cast, who, status):
    client.force_login(getattr(cast, who))

    response = client.post(UPLOAD_URL, {"file": upload(ANA)})

    assert response.status_code == status
    assert stored() == (0, 0, 0)


def test_anonymous_is_sent_to_sign_in(client, cast):
    response = client.get(UPLOAD_URL)

    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_upload_page_answers_in_a_fixed_number_of_queries(client, cast, django_assert_num_queries):
    client.force_login(cast.rep_es)

    # session, user, country, staff check (2), representations, demo-data banner
    with django_assert_num_queries(7):
        response = client.get(UPLOAD_URL)

    page = response.content.decode()
    assert 'type="file"' in page and "Replace the whole composition of this country" in page


@pytest.mark.parametrize("who", ["rep_es", "staff"])
def test_preview_lists_the_changes_and_writes_nothing_until_confirmed(client, cast, who):
    client.force_login(getattr(cast, who))

    response = client.post(UPLOAD_URL, {"file": upload(ANA, LUIS)})

    page = text(response)
    assert response.status_code == 200
    assert "Preview of composition.csv" in page
    assert "Experts 2 0 0 0" in page and "Memberships 2 0 0 0" in page
    assert "line 2: create expert Ana García (ES)" in page
    assert "line 2: create membership Ana García (ES): WG3, coordinator" in page
    assert "line 3: create expert Luis Pérez (ES)" in page
    assert "Confirm import" in page
    pending = PendingImport.objects.get()
    assert f'action="{confirm_url(pending.pk)}"' in response.content.decode()
    assert Expert.objects.count() == 0

    confirmed = client.post(confirm_url(pending.pk), plan_on(response), follow=True)

    assert confirmed.redirect_chain[-1][0] == reverse("compositions:experts", args=["ES"])
    assert (
        "Imported composition.csv. experts: 2 created, 0 updated, 0 unchanged, 0 removed; "
        "memberships: 2 created, 0 updated, 0 unchanged, 0 removed" in text(confirmed)
    )
    assert "Ana García" in text(confirmed) and "2 experts" in text(confirmed)
    assert set(Expert.objects.values_list("name", flat=True)) == {"Ana García", "Luis Pérez"}
    assert Membership.objects.count() == 2
    assert not PendingImport.objects.exists()
    assert Expert.history.filter(name="Ana García").get().history_user == getattr(cast, who)


def test_replace_previews_and_makes_the_removals(client, cast):
    old = factories.ExpertFactory(country=cast.es, name="Old Expert")
    factories.MembershipFactory(expert=old)
    giulia = factories.ExpertFactory(country=cast.it, name="Giulia Rossi")
    client.force_login(cast.rep_es)

    response = client.post(UPLOAD_URL, {"file": upload(ANA), "replace": "on"})

    page = text(response)
    assert "remove expert Old Expert (ES)" in page
    assert "remove membership Old Expert (ES): WG1, expert" in page
    assert "The file replaces the whole composition of Spain" in page
    pending = PendingImport.objects.get()
    assert pending.options["replace"] is True and pending.options["country"] == "ES"

    client.post(confirm_url(pending.pk), plan_on(response))

    assert set(Expert.objects.values_list("name", flat=True)) == {"Ana García", "Giulia Rossi"}
    assert Expert.objects.filter(pk=giulia.pk).exists()


def test_every_error_is_listed_with_line_column_and_nothing_is_kept(client, cast):
    client.force_login(cast.rep_es)

    response = client.post(UPLOAD_URL, {"file": upload(ANA, BAD)})

    page = text(response)
    assert response.status_code == 200
    assert "composition.csv has" in page and "Nothing was written" in page
    assert "Line 3, column working_group:" in page and '"14"' in page
    assert "Line 3, column role:" in page and '"chair"' in page
    assert "Line 3, column email:" in page
    assert 'role="alert"' in response.content.decode()
    assert "Confirm import" not in page
    assert stored() == (0, 0, 0)


def test_rows_of_another_country_are_refused_even_for_staff(client, cast):
    client.force_login(cast.staff)

    response = client.post(UPLOAD_URL, {"file": upload(ANA, GIULIA)})

    page = text(response)
    assert (
        "Line 3, column country: the row is for Italy (IT); this upload takes rows of "
        "Spain (ES) only" in page
    )
    assert "Confirm import" not in page
    assert stored() == (0, 0, 0)


def test_a_representative_sees_the_same_refusal_for_another_countrys_rows(client, cast):
    client.force_login(cast.rep_es)

    page = text(client.post(UPLOAD_URL, {"file": upload(GIULIA)}))

    assert "Line 2, column country: the row is for Italy (IT)" in page
    assert "may not change the composition" not in page  # one message a row, not two
    assert stored() == (0, 0, 0)


def test_only_the_uploader_may_confirm(client, cast):
    other_staff = factories.make_staff("other-staff")
    pending = staged(other_staff, ANA)
    client.force_login(cast.staff)

    response = client.post(confirm_url(pending.pk))

    assert response.status_code == 403
    assert Expert.objects.count() == 0
    assert PendingImport.objects.filter(pk=pending.pk).exists()


def test_an_unknown_or_stale_pending_upload_gets_a_clear_message(client, cast):
    client.force_login(cast.rep_es)
    stale = staged(cast.rep_es, ANA)
    PendingImport.objects.filter(pk=stale.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=2)
    )

    for pending_id in (uuid.uuid4(), stale.pk):
        response = client.post(confirm_url(pending_id), follow=True)
        assert response.status_code == 200
        assert response.redirect_chain[-1][0] == UPLOAD_URL
        assert "That upload is no longer waiting for confirmation" in text(response)
    assert Expert.objects.count() == 0


def test_a_pending_upload_of_another_countrys_page_is_not_confirmed_here(client, cast):
    pending = staged(cast.staff, GIULIA, country="IT")
    client.force_login(cast.staff)

    response = client.post(confirm_url(pending.pk, "ES"), follow=True)

    assert "no longer waiting for confirmation" in text(response)
    assert Expert.objects.count() == 0


def test_a_representative_who_stopped_keeping_the_country_cannot_confirm(client, cast):
    client.force_login(cast.rep_es)
    preview = client.post(UPLOAD_URL, {"file": upload(GIULIA.replace("IT,", "ES,", 1))})
    pending = PendingImport.objects.get()
    # Meanwhile the rows' country is no longer the user's to change.
    cast.rep_es.representations.all().delete()

    response = client.post(confirm_url(pending.pk), plan_on(preview))

    assert response.status_code == 403
    assert Expert.objects.count() == 0


def test_confirm_shows_the_errors_when_the_registry_changed_since_the_preview(client, cast):
    client.force_login(cast.rep_es)
    preview = client.post(UPLOAD_URL, {"file": upload(ANA)})
    pending = PendingImport.objects.get()
    # Meanwhile the file's stakeholder type leaves the reference data.
    factories.stakeholder_type("research-university").delete()

    response = client.post(confirm_url(pending.pk), plan_on(preview))

    page = text(response)
    assert response.status_code == 200
    assert "composition.csv has 1 error" in page and "Nothing was written" in page
    assert "Line 2, column stakeholder_type:" in page
    assert 'role="alert"' in response.content.decode()
    assert 'type="file"' in response.content.decode()  # upload the corrected file here
    assert Expert.objects.count() == 0


def test_confirm_shows_the_new_changes_when_the_composition_changed_since_the_preview(client, cast):
    ana = factories.ExpertFactory(
        country=cast.es,
        name="Ana García",
        email="ana@example.org",
        institution="CNIO",
        position="Researcher",
        gender="female",
        region="Madrid",
        stakeholder_type=None,
    )
    client.force_login(cast.rep_es)
    preview = client.post(UPLOAD_URL, {"file": upload(ANA)})
    assert "update expert Ana García (ES)" in text(preview)
    assert "Director" not in text(preview)
    pending = PendingImport.objects.get()
    # Meanwhile a colleague sets Ana's position; the file still says "Researcher".
    colleague = factories.make_representative("colleague", "ES")
    update_expert(
        user=colleague, expert=ana, version=version_of(ana), values={"position": "Director"}
    )

    response = client.post(confirm_url(pending.pk), plan_on(preview))

    page = text(response)
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert (
        "The composition changed since your preview; check the changes again and confirm." in page
    )
    assert "position Director → Researcher" in page and "institution CNIO → ISCIII" in page
    assert "Confirm import" in page
    ana.refresh_from_db()
    assert ana.position == "Director" and ana.institution == "CNIO"
    assert PendingImport.objects.filter(pk=pending.pk).exists()
    # Confirming the preview now shown imports the file.
    confirmed = client.post(confirm_url(pending.pk), plan_on(response), follow=True)
    assert "Imported composition.csv." in text(confirmed)
    ana.refresh_from_db()
    assert ana.position == "Researcher" and ana.institution == "ISCIII"
    assert not PendingImport.objects.exists()


def test_a_confirmation_without_the_previews_plan_writes_nothing_and_shows_the_preview(
    client, cast
):
    client.force_login(cast.rep_es)
    pending = staged(cast.rep_es, ANA)

    response = client.post(confirm_url(pending.pk), {"plan": "0" * 64})

    page = text(response)
    assert "The composition changed since your preview" in page
    assert "line 2: create expert Ana García (ES)" in page
    assert Expert.objects.count() == 0 and PendingImport.objects.filter(pk=pending.pk).exists()
    confirmed = client.post(confirm_url(pending.pk), plan_on(response), follow=True)
    assert "Imported composition.csv." in text(confirmed)
    assert Expert.objects.filter(name="Ana García").exists()


def test_confirm_needs_a_post(client, cast):
    client.force_login(cast.rep_es)
    pending = staged(cast.rep_es, ANA)

    assert client.get(confirm_url(pending.pk)).status_code == 405
    assert Expert.objects.count() == 0


def test_an_oversized_upload_is_refused_with_the_limit(client, cast, settings):
    settings.NMG_MAX_UPLOAD_MB = 0
    client.force_login(cast.rep_es)

    response = client.post(UPLOAD_URL, {"file": upload(ANA)})

    assert "the limit is 0 MB" in text(response)
    assert 'id="id_file_error"' in response.content.decode()
    assert stored() == (0, 0, 0)


def test_a_file_that_is_not_a_spreadsheet_is_an_error_not_a_500(client, cast):
    client.force_login(cast.rep_es)
    junk = SimpleUploadedFile("notes.pdf", b"%PDF-1.4 junk", content_type="application/pdf")

    response = client.post(UPLOAD_URL, {"file": junk})

    assert response.status_code == 200
    assert "Nothing was written" in text(response)
    assert stored() == (0, 0, 0)


# The import's keyword behind the page


def test_import_with_only_countries_refuses_other_rows_and_writes_nothing():
    es = factories.country("ES")
    data = f"{HEADER}\n{ANA}\n{GIULIA}\n".encode()

    with pytest.raises(ImportFailed) as failed:
        import_composition(data=data, filename="c.csv", only_countries=[es])

    assert [str(e) for e in failed.value.errors] == [
        "line 3, country: the row is for Italy (IT); this upload takes rows of Spain (ES) only"
    ]
    assert Expert.objects.count() == 0


def test_import_with_only_countries_takes_the_countrys_rows():
    es = factories.country("ES")

    summary = import_composition(
        data=f"{HEADER}\n{ANA}\n{LUIS}\n".encode(), filename="c.csv", only_countries=[es]
    )

    assert summary.counts["experts"].created == 2
    assert Expert.objects.filter(country=es).count() == 2
