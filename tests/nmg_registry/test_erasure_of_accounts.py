"""Erasing a user account on request (`erase_personal_data --user`, issue 14 §1): the
account is anonymised, cannot sign in or use a token, its sessions end, and the history
names "an erased user" wherever it says who changed something."""

import io

import pytest
from axes.models import AccessAttempt
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from compositions.models import Expert
from nmg_registry import history, services, wording
from nmg_registry.models import ApiToken, ErasureLog, PendingImport, Representative
from tests import factories
from tests.compositions.test_erasure import hits
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

FIRST, LAST, EMAIL = "Rosa", "Representante", "rosa.representante@example.es"


@pytest.fixture
def rosa(registry):
    """rep_es with a name, an e-mail, a token, a waiting upload, a change in ES's history,
    the admin's log of her account and a failed sign-in on record."""
    user = registry.cast.rep_es
    user.first_name, user.last_name, user.email = FIRST, LAST, EMAIL
    user.save()
    _token, key = services.create_api_token(user=user, name="BI report")
    PendingImport.objects.create(
        kind=PendingImport.Kind.COMPOSITION, user=user, filename="es.csv", data=b"x"
    )
    Expert.history.filter(id=registry.es_expert.pk).update(history_user=user)
    LogEntry.objects.create(
        user=registry.cast.staff,
        content_type=ContentType.objects.get_for_model(get_user_model()),
        object_id=str(user.pk),
        object_repr=user.username,
        action_flag=CHANGE,
        change_message="[]",
    )
    AccessAttempt.objects.create(
        username=user.username, ip_address="10.0.0.1", user_agent="x", failures_since_start=1
    )
    return user, key


def test_an_erased_account_names_no_one_and_cannot_act(client, registry, rosa):
    user, key = rosa
    client.force_login(user)
    assert client.get(reverse("countries:mine")).status_code == 200
    assert hits(FIRST + " " + LAST, EMAIL, "rep_es")

    out = io.StringIO()
    call_command("erase_personal_data", "--user", "rep_es", stdout=out)

    erased = get_user_model().objects.get(pk=user.pk)
    assert f"it is now erased-user-{user.pk}" in out.getvalue()
    assert (erased.username, erased.first_name, erased.last_name, erased.email) == (
        f"erased-user-{user.pk}",
        "",
        "",
        "",
    )
    assert not erased.has_usable_password() and not erased.is_active
    # Signed out everywhere, and neither the password nor the token lets anyone back in.
    assert client.get(reverse("countries:mine")).status_code == 302
    api = client.get("/api/v1/countries/", HTTP_AUTHORIZATION=f"Token {key}")
    assert api.status_code == 401
    assert not ApiToken.objects.live().filter(user=erased).exists()
    assert not Representative.objects.filter(user=erased).exists()
    assert not PendingImport.objects.filter(user=erased).exists()
    assert hits(FIRST + " " + LAST, EMAIL, "rep_es") == []
    (line,) = ErasureLog.objects.all()
    assert (line.kind, line.country, line.records) == ("user", None, 2)
    # (Last: a failed sign-in is recorded, with the user name typed.)
    for username in ("rep_es", erased.username):
        signing_in = client.post(
            reverse("login"), {"username": username, "password": TEST_PASSWORD}
        )
        assert signing_in.status_code == 200  # the form again, with its error
        assert not signing_in.wsgi_request.user.is_authenticated


def test_the_history_names_an_erased_user(client, registry, rosa):
    _user, _ = rosa
    call_command("erase_personal_data", "--user", "rep_es", stdout=io.StringIO())
    staff = registry.cast.staff
    entries = history.country_history(country=registry.cast.es, limit=50, user=staff)
    experts = [entry for entry in entries if entry.what == "expert"]
    assert experts and {entry.who for entry in experts} == {"an erased user"}
    # The representation she held ended, in the history too, naming her the same way.
    assert any(
        entry.what == "representative" and entry.label == "an erased user" and entry.is_removed
        for entry in entries
    )
    client.force_login(staff)
    page = client.get(reverse("countries:history", args=["ES"])).content.decode()
    assert "an erased user" in page and "erased-user-" not in page
    admin_history = client.get(
        reverse("admin:compositions_expert_history", args=[registry.es_expert.pk])
    ).content.decode()
    assert "an erased user" in admin_history


def test_a_dry_run_changes_no_account(registry, rosa):
    user, _ = rosa
    out = io.StringIO()
    call_command("erase_personal_data", "--user", "rep_es", "--dry-run", stdout=out)
    assert "Dry run, nothing erased" in out.getvalue()
    assert "1 API token(s) revoked" in out.getvalue()
    assert get_user_model().objects.get(pk=user.pk).username == "rep_es"
    assert not ErasureLog.objects.exists()


def test_an_account_is_erased_once(registry, rosa):
    call_command("erase_personal_data", "--user", "rep_es", stdout=io.StringIO())
    erased = f"erased-user-{rosa[0].pk}"
    with pytest.raises(CommandError, match="was erased already"):
        call_command("erase_personal_data", "--user", erased, stdout=io.StringIO())


def test_only_staff_may_erase_an_account(registry, rosa):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.erase_user_account(by=registry.cast.rep_it, account=rosa[0])
    assert get_user_model().objects.filter(username="rep_es").exists()


def test_a_user_name_like_an_erased_one_is_no_erasure(registry, rosa):
    """User names are typed by people: another account may already be called
    erased-user-<rosa's id> (her erasure then picks another name), and a live account
    called erased-user-<its own id> is still a person, erased on request like any other."""
    user, _ = rosa
    factories.UserFactory(username=f"erased-user-{user.pk}")
    out = io.StringIO()
    call_command("erase_personal_data", "--user", "rep_es", stdout=out)
    erased = get_user_model().objects.get(pk=user.pk)
    assert erased.username == f"erased-user-{user.pk}-2"
    assert f"it is now erased-user-{user.pk}-2" in out.getvalue()
    assert hits(FIRST + " " + LAST, EMAIL, "rep_es") == []

    look_alike = factories.UserFactory(first_name="Real", last_name="Person", email="real@x.org")
    look_alike.username = f"erased-user-{look_alike.pk}"
    look_alike.save()
    assert wording.person(look_alike) == "Real Person"  # not "an erased user"
    call_command("erase_personal_data", "--user", look_alike.username, stdout=io.StringIO())
    look_alike.refresh_from_db()
    assert (look_alike.email, look_alike.first_name, look_alike.is_active) == ("", "", False)
    assert wording.person(look_alike) == "an erased user"
    with pytest.raises(CommandError, match="was erased already"):
        call_command("erase_personal_data", "--user", look_alike.username, stdout=io.StringIO())
