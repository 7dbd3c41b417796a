"""The admin's GDPR actions on experts: "Erase personal data" (with a confirmation page that
lists what will be erased) and "Export personal data"; WP6 staff's alone."""

import json

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied

from compositions.models import Expert
from compositions.services import erasure
from nmg_registry.models import ErasureLog
from tests.admin_helpers import admin_url, as_admin_user
from tests.compositions.test_erasure import hits
from tests.conftest import PERSONAL

pytestmark = pytest.mark.django_db

NAME, EMAIL = PERSONAL["ES"]


def act(client, action, expert, **extra):
    return client.post(
        admin_url(Expert), {"action": action, ACTION_CHECKBOX_NAME: [expert.pk], **extra}
    )


def test_staff_confirm_an_erasure_on_a_page_listing_what_goes(client, registry):
    client.force_login(registry.cast.staff)
    expert = registry.es_expert
    page = act(client, "erase_personal_data", expert)
    text = page.content.decode()
    assert page.status_code == 200
    assert f"{NAME} (ES)" in text
    assert "1 expert record(s) of ES and their 2 seat(s) removed" in text
    versions = Expert.history.filter(id=expert.pk).count() + 2  # the seats' creations
    assert f"{versions} historical version(s) of the expert and their seats" in text
    assert Expert.objects.filter(pk=expert.pk).exists()  # nothing erased yet

    done = act(client, "erase_personal_data", expert, confirmed="yes")
    assert done.status_code == 302
    assert not Expert.objects.filter(pk=expert.pk).exists()
    assert hits(NAME, EMAIL) == []
    (line,) = ErasureLog.objects.all()
    assert (line.erased_by, line.country.code, line.records) == (registry.cast.staff, "ES", 3)


def test_staff_export_an_experts_data_as_json(client, registry):
    client.force_login(registry.cast.staff)
    response = act(client, "export_personal_data", registry.es_expert)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    document = json.loads(response.content)
    (record,) = document["experts"]
    assert record["current"]["name"] == NAME and record["current"]["email"] == EMAIL
    assert len(record["seats"]) == 2


def test_a_representative_with_admin_access_never_sees_the_actions(client, registry):
    rep = as_admin_user(registry.cast.rep_es)
    client.force_login(rep)
    changelist = client.get(admin_url(Expert)).content.decode()
    assert NAME in changelist  # their own country's expert, listed
    assert "erase_personal_data" not in changelist
    assert "export_personal_data" not in changelist
    for action in ("erase_personal_data", "export_personal_data"):
        refused = act(client, action, registry.es_expert, confirmed="yes")
        assert refused.status_code == 302  # back to the list: "No action selected"
        assert not refused.get("Content-Disposition")
    assert Expert.objects.filter(pk=registry.es_expert.pk).exists()
    with pytest.raises(PermissionDenied):
        erasure.erase_expert(erasure.candidate_of(registry.es_expert), user=rep)
    assert not ErasureLog.objects.exists()


def test_the_erasure_log_is_staffs_and_read_only(client, registry):
    erasure.erase_expert(erasure.candidate_of(registry.es_expert), user=registry.cast.staff)
    line = ErasureLog.objects.get()
    client.force_login(registry.cast.staff)
    listing = client.get(admin_url(ErasureLog))
    assert listing.status_code == 200
    assert NAME not in listing.content.decode() and EMAIL not in listing.content.decode()
    assert client.get(admin_url(ErasureLog, "change", line.pk)).status_code == 200
    assert client.post(admin_url(ErasureLog, "delete", line.pk)).status_code == 403
    assert client.get(admin_url(ErasureLog, "add")).status_code == 403
    client.force_login(as_admin_user(registry.cast.rep_es))
    assert client.get(admin_url(ErasureLog)).status_code == 403
