"""`add_representative`: staff make a user act for a country from the command line."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from nmg_registry import permissions
from nmg_registry.models import Representative
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-representative-password"


def test_creates_the_user_with_the_password_from_the_environment(monkeypatch, capsys):
    monkeypatch.setenv("NMG_PASSWORD", PASSWORD)

    call_command("add_representative", "maria", "gr", "--role", "national_contact_point")

    user = get_user_model().objects.get(username="maria")
    assert user.check_password(PASSWORD)
    assert permissions.represents(user, factories.country("EL"))
    assert Representative.objects.get(user=user).role == "national_contact_point"
    assert capsys.readouterr().out.strip() == (
        "Created user maria now represents Greece (EL) as National contact point."
    )


def test_an_existing_user_gains_the_country_and_keeps_the_password(monkeypatch, capsys):
    user = factories.make_representative("luis", "ES")
    monkeypatch.setenv("NMG_PASSWORD", "ignored-for-existing-users")

    call_command("add_representative", "luis", "IT")

    user.refresh_from_db()
    assert user.check_password(factories.TEST_PASSWORD)
    assert set(user.representations.values_list("country__code", flat=True)) == {"ES", "IT"}
    assert "User luis now represents Italy (IT) as WG1 representative." in capsys.readouterr().out


def test_running_it_again_changes_only_the_role(capsys):
    factories.make_representative("luis", "ES", role="other")

    call_command("add_representative", "luis", "es", "--role", "scientific_coordinator")

    assert Representative.objects.get(user__username="luis").role == "scientific_coordinator"
    assert "User luis represents Spain (ES)" in capsys.readouterr().out


def test_an_unknown_country_is_named():
    with pytest.raises(CommandError, match='unknown country "XX"'):
        call_command("add_representative", "maria", "XX")
    assert not get_user_model().objects.filter(username="maria").exists()


def test_a_new_user_without_a_password_is_refused(monkeypatch):
    monkeypatch.delenv("NMG_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)

    with pytest.raises(CommandError, match="set NMG_PASSWORD"):
        call_command("add_representative", "maria", "EL")
    assert not get_user_model().objects.filter(username="maria").exists()


def test_a_weak_password_is_refused_with_the_validators_words(monkeypatch):
    monkeypatch.setenv("NMG_PASSWORD", "123")

    with pytest.raises(CommandError, match="too short"):
        call_command("add_representative", "maria", "EL")
    assert not get_user_model().objects.filter(username="maria").exists()
