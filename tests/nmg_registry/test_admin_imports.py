"""The admin's spreadsheet imports: upload, preview of every change, confirm; only staff."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from compositions.models import Expert
from nmg_registry.imports import stage
from nmg_registry.models import PendingImport
from surveys.models import Response, Survey
from tests import factories
from tests.admin_helpers import admin_url, as_admin_user

pytestmark = pytest.mark.django_db

HEADER = "country,working_group,role,stakeholder_type,institution,name,position,gender,region,email"
ANA = (
    "ES,WG3,Coordinator,Research/University,ISCIII,Ana García,Researcher,female,Madrid,"
    "ana@example.org"
)
BAD = "XX,14,chair,,ISCIII,,Researcher,female,Madrid,ana@"


def previewed_plan(page) -> dict:
    """The confirmation form's hidden fingerprint of the changes the preview shows."""
    match = re.search(r'name="plan" value="([0-9a-f]{64})"', page.content.decode())
    assert match, "the preview carries the fingerprint of its plan"
    return {"plan": match.group(1)}


def staged_by(user) -> PendingImport:
    """Ana's row, uploaded by `user` and waiting for confirmation."""
    return stage(
        user=user,
        kind=PendingImport.Kind.COMPOSITION,
        filename="c.csv",
        data=f"{HEADER}\n{ANA}\n".encode(),
        options={"replace": False},
    )


def upload(content: str, name="composition.csv"):
    return SimpleUploadedFile(name, content.encode("utf-8"), content_type="text/csv")


@pytest.fixture
def staff_client(client, cast):
    client.force_login(cast.staff)
    return client


def test_changelist_offers_import_export_and_template_to_staff(staff_client):
    page = staff_client.get(admin_url(Expert)).content.decode()

    assert 'href="import/"' in page and "Import composition" in page
    assert 'href="/compositions/export.csv"' in page
    assert 'href="/compositions/template.xlsx"' in page


def test_upload_shows_a_preview_and_writes_nothing_until_confirmed(staff_client):
    response = staff_client.post(
        admin_url(Expert, "import"), {"file": upload(f"{HEADER}\n{ANA}\n")}, follow=True
    )

    page = response.content.decode()
    assert "Preview of composition.csv" in page
    assert "Ana García" in page
    assert "Confirm import" in page
    assert not Expert.objects.exists()
    assert PendingImport.objects.get().filename == "composition.csv"

    confirmed = staff_client.post(
        response.redirect_chain[-1][0], previewed_plan(response), follow=True
    )

    assert Expert.objects.get().name == "Ana García"
    assert not PendingImport.objects.exists()
    messages = [str(m) for m in confirmed.context["messages"]]
    assert messages == [
        "Imported composition.csv. experts: 1 created, 0 updated, 0 unchanged, 0 removed; "
        "memberships: 1 created, 0 updated, 0 unchanged, 0 removed"
    ]


def test_every_error_is_listed_and_nothing_is_kept(staff_client):
    response = staff_client.post(
        admin_url(Expert, "import"), {"file": upload(f"{HEADER}\n{BAD}\n")}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was written" in page
    assert "line 2, country: unknown country &quot;XX&quot;" in page
    assert "line 2, working_group: &quot;14&quot;" in page
    assert "line 2, name:" in page
    assert "line 2, email:" in page
    assert not Expert.objects.exists()
    assert not PendingImport.objects.exists()


def test_a_pending_upload_is_confirmed_from_the_database_by_any_worker(client, cast):
    # Staged by one process, confirmed through a fresh session as another would.
    pending = staged_by(cast.staff)
    client.force_login(cast.staff)
    preview = client.get(admin_url(Expert, "import_confirm", pending.pk))

    client.post(admin_url(Expert, "import_confirm", pending.pk), previewed_plan(preview))

    assert Expert.objects.filter(name="Ana García").exists()


def test_a_confirmation_refuses_a_plan_that_changed_since_the_preview(staff_client, cast):
    pending = staged_by(cast.staff)
    url = admin_url(Expert, "import_confirm", pending.pk)
    preview = staff_client.get(url)
    assert "create expert" in preview.content.decode().lower()
    # Meanwhile someone enters Ana by hand, with another position: the file would now update.
    factories.ExpertFactory(
        country=cast.es,
        name="Ana García",
        institution="ISCIII",
        email="ana@example.org",
        position="Director",
    )

    refused = staff_client.post(url, previewed_plan(preview), follow=True)

    page = refused.content.decode()
    assert "The registry changed since your preview" in page
    assert "Director" in page  # the new preview shows the update it would now make
    assert Expert.objects.get().position == "Director"
    assert PendingImport.objects.filter(pk=pending.pk).exists()

    staff_client.post(url, previewed_plan(refused))
    assert Expert.objects.get().position == "Researcher"


def test_a_confirmation_without_the_previewed_plan_writes_nothing(staff_client, cast):
    pending = staged_by(cast.staff)

    response = staff_client.post(admin_url(Expert, "import_confirm", pending.pk))

    assert response.status_code == 200
    assert "The registry changed since your preview" in response.content.decode()
    assert not Expert.objects.exists()


def test_nobody_else_can_confirm_a_users_pending_upload(client, cast):
    pending = staged_by(cast.staff)
    client.force_login(factories.make_staff("other_staff"))

    assert client.post(admin_url(Expert, "import_confirm", pending.pk)).status_code == 404
    assert not Expert.objects.exists()


def test_a_representative_with_admin_access_cannot_import_there(client, cast):
    client.force_login(as_admin_user(cast.rep_es))

    assert "Import composition" not in client.get(admin_url(Expert)).content.decode()
    response = client.post(admin_url(Expert, "import"), {"file": upload(f"{HEADER}\n{ANA}\n")})
    assert response.status_code == 403
    assert not PendingImport.objects.exists()


def test_an_oversized_upload_is_refused_with_the_limit(staff_client, settings):
    settings.NMG_MAX_UPLOAD_MB = 0

    response = staff_client.post(
        admin_url(Expert, "import"), {"file": upload(f"{HEADER}\n{ANA}\n")}
    )

    assert "the limit is 0 MB" in response.content.decode()


def test_survey_responses_import_into_the_chosen_round(staff_client):
    survey = Survey.objects.get(slug="nmg-survey-2020")
    codes = list(survey.questions.order_by("order").values_list("code", flat=True))
    row = dict.fromkeys(codes, "") | {"nmg_stage": "Operational", "funding": "yes"}
    content = "country," + ",".join(codes) + "\nGR," + ",".join(row[c] for c in codes) + "\n"

    response = staff_client.post(
        admin_url(Response, "import"),
        {"survey": survey.pk, "file": upload(content, "responses.csv")},
        follow=True,
    )
    assert "Preview of responses.csv" in response.content.decode()
    staff_client.post(response.redirect_chain[-1][0], previewed_plan(response))

    greece = Response.objects.get(survey=survey, country__code="EL")
    assert greece.status == Response.Status.SUBMITTED
    assert {a.question.code: a.value for a in greece.answers.all()} == {
        "nmg_stage": "operational",
        "funding": "yes",
    }


def responses_file(survey, **answers) -> str:
    codes = list(survey.questions.order_by("order").values_list("code", flat=True))
    row = dict.fromkeys(codes, "") | answers
    return "country," + ",".join(codes) + "\nGR," + ",".join(row[c] for c in codes) + "\n"


def test_survey_responses_import_dates_them_on_the_day_staff_give(staff_client):
    survey = Survey.objects.get(slug="nmg-survey-2020")

    response = staff_client.post(
        admin_url(Response, "import"),
        {
            "survey": survey.pk,
            "submitted_on": "2021-02-15",
            "file": upload(responses_file(survey, funding="yes"), "responses.csv"),
        },
        follow=True,
    )
    staff_client.post(response.redirect_chain[-1][0], previewed_plan(response))

    greece = Response.objects.get(survey=survey, country__code="EL")
    assert timezone.localtime(greece.submitted_at).strftime("%Y-%m-%d %H:%M") == "2021-02-15 00:00"


def test_survey_responses_import_refuses_a_submission_day_still_to_come(staff_client):
    survey = Survey.objects.get(slug="nmg-survey-2020")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = staff_client.post(
        admin_url(Response, "import"),
        {
            "survey": survey.pk,
            "submitted_on": tomorrow.isoformat(),
            "file": upload(responses_file(survey, funding="yes"), "responses.csv"),
        },
    )

    assert f"the submission date {tomorrow.isoformat()} is still to come" in (
        response.content.decode()
    )
    assert not Response.objects.filter(survey=survey, country__code="EL").exists()
    assert not PendingImport.objects.exists()
