"""`ensure_local_admin`, run by `make run`."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from nmg_registry import permissions
from nmg_registry.management.commands.ensure_local_admin import LOCAL_ADMIN_PASSWORD

pytestmark = pytest.mark.django_db


def test_creates_a_staff_admin_and_prints_its_login(capsys, settings):
    settings.DEBUG = True

    call_command("ensure_local_admin")

    admin = get_user_model().objects.get(username="admin")
    assert admin.check_password(LOCAL_ADMIN_PASSWORD)
    assert permissions.is_registry_staff(admin)
    assert f"admin / {LOCAL_ADMIN_PASSWORD}" in capsys.readouterr().out


def test_second_run_creates_nothing_and_still_prints_the_login(capsys, settings):
    settings.DEBUG = True
    call_command("ensure_local_admin")

    call_command("ensure_local_admin")

    assert get_user_model().objects.count() == 1
    assert capsys.readouterr().out.count(f"admin / {LOCAL_ADMIN_PASSWORD}") == 2


def test_leaves_an_existing_superuser_alone(capsys, settings):
    settings.DEBUG = True
    get_user_model().objects.create_superuser("maria", password="her-own-password")

    call_command("ensure_local_admin")

    assert not get_user_model().objects.filter(username="admin").exists()
    assert "sign in with your own account" in capsys.readouterr().out


def test_refuses_when_debug_is_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DJANGO_DEBUG is off"):
        call_command("ensure_local_admin")
    assert not get_user_model().objects.exists()
