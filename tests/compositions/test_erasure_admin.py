"""The admin's GDPR actions on experts: "Erase personal data" (with a confirmation page that
lists what will be erased) and "Export personal data"; WP6 staff's alone."""

import json

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied

from compositions.models import Expert, Membership
from compositions.services import erasure
from compositions.services.experts import remove_expert
from nmg_registry.concurrency import version_of
from nmg_registry.models import ErasureLog
from tests import factories
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


def test_the_admin_erases_the_whole_person_as_the_command_does(client, registry):
    """Eva was removed once and added again (a new record, the same e-mail): the admin's
    action, chosen on the new record, lists and erases both, as the command would."""
    cast = registry.cast
    first = factories.ExpertFactory(country=cast.es, name="Eva Dos", email="eva@example.es")
    first_pk = first.pk
    first.delete()
    again = factories.ExpertFactory(country=cast.es, name="Eva Dos", email="EVA@example.es")
    client.force_login(cast.staff)

    page = act(client, "erase_personal_data", again).content.decode()
    assert f"expert #{first_pk}, #{again.pk}" in page
    assert "1 earlier record(s) of the same person, removed before, scrubbed" in page

    assert act(client, "erase_personal_data", again, confirmed="yes").status_code == 302
    assert not Expert.objects.filter(pk=again.pk).exists()
    assert hits("Eva Dos", "eva@example.es") == []
    (line,) = ErasureLog.objects.all()
    assert line.versions == Expert.history.filter(id__in=[first_pk, again.pk]).count()


def test_the_admin_export_of_an_expert_without_email_holds_them_alone(client, registry):
    """Two Luis Sin Correo of ES, without e-mail, at different institutions: the export
    chosen on one holds that one (their identity is name and institution), not both."""
    cast = registry.cast
    cnio = factories.ExpertFactory(
        country=cast.es, name="Luis Sin Correo", institution="CNIO", email=""
    )
    factories.ExpertFactory(country=cast.es, name="Luis Sin Correo", institution="UPF", email="")
    client.force_login(cast.staff)
    document = json.loads(act(client, "export_personal_data", cnio).content)
    assert [record["id"] for record in document["experts"]] == [cnio.pk]
    assert document["requested"] == ["name Luis Sin Correo, institution CNIO, in ES"]


def test_the_admin_history_of_a_seat_whose_expert_is_gone(client, registry):
    """A seat's history page after its expert was removed, or erased: shown, naming the
    expert as their last version does ("[erased]" once erased)."""
    cast = registry.cast
    client.force_login(cast.staff)
    removed, erased = registry.es_expert, registry.it_expert
    seats = {
        expert.pk: list(expert.memberships.values_list("pk", flat=True))
        for expert in (removed, erased)
    }
    name = removed.name
    remove_expert(user=cast.staff, expert=removed, version=version_of(removed))
    erasure.erase_expert(erasure.candidate_of(erased), user=cast.staff)
    for expert_pk, expected, absent in (
        (removed.pk, name, None),
        (erased.pk, "[erased]", PERSONAL["IT"][0]),
    ):
        for seat in seats[expert_pk]:
            page = client.get(admin_url(Membership, "history", seat))
            text = page.content.decode()
            assert page.status_code == 200, seat
            assert expected in text
            assert absent is None or absent not in text
