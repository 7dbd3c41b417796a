"""The optimistic lock every edit form uses: a save on a stale version is refused."""

import re

import pytest
from django.db import transaction

from nmg_registry import services
from nmg_registry.concurrency import EditConflict, lock_unchanged, version_of
from nmg_registry.models import Country, MirrorGroup


def _save_as(user, country, **values):
    for field, value in values.items():
        setattr(country, field, value)
    country._history_user = user
    country.save()


def test_an_unchanged_record_is_returned_locked(cast):
    version = version_of(cast.es)
    with transaction.atomic():
        locked = lock_unchanged(Country.objects.all(), pk=cast.es.pk, version=version)
    assert locked == cast.es


def test_a_record_changed_meanwhile_names_who_changed_what(cast):
    cast.rep_es.first_name, cast.rep_es.last_name = "Ana", "García"
    cast.rep_es.save()
    _save_as(cast.staff, cast.es, notes="")  # the version the form is opened on
    opened_version = version_of(cast.es)
    _save_as(cast.rep_es, Country.objects.get(pk=cast.es.pk), notes="Coordinator changed")

    with pytest.raises(EditConflict) as raised, transaction.atomic():
        lock_unchanged(Country.objects.all(), pk=cast.es.pk, version=opened_version)

    message = raised.value.message
    assert "Spain (ES) was changed by Ana García" in message
    assert "notes: “” → “Coordinator changed”" in message
    assert "your changes were not saved" in message


def test_a_missing_version_counts_as_stale(cast):
    with pytest.raises(EditConflict), transaction.atomic():
        lock_unchanged(Country.objects.all(), pk=cast.es.pk, version="")


# A version that is no version, and a record removed while its form was open


@pytest.mark.parametrize(
    "version",
    [
        "2024-02-30T10:00:00",  # looks like a date, is none
        "2024-13-01T00:00:00",
        "2024-02-29T10:00:00",  # a date, but without its time zone
        "9999-12-31T23:59:59-01:00",  # beyond what the database stores
        "not-a-version",
    ],
)
def test_a_version_that_is_no_version_is_a_conflict(cast, version):
    with pytest.raises(EditConflict) as raised, transaction.atomic():
        lock_unchanged(Country.objects.all(), pk=cast.es.pk, version=version)

    assert "your changes were not saved" in raised.value.message
    assert not raised.value.removed


def test_a_garbled_version_on_a_form_shows_the_conflict_and_saves_nothing(client, cast):
    group = MirrorGroup.objects.create(country=cast.es, kind="single", name="Grupo nacional")
    client.force_login(cast.rep_es)

    response = client.post(
        f"/countries/ES/groups/{group.pk}/edit/",
        {"kind": "single", "name": "Renamed", "version": "2024-02-30T10:00:00"},
    )

    page = response.content.decode()
    assert response.status_code == 200
    alert = page[page.index('role="alert"') :].split("</div>")[0]
    assert "The mirror group “Grupo nacional” was changed by" in alert
    assert "your changes were not saved" in alert
    assert MirrorGroup.objects.get(pk=group.pk).name == "Grupo nacional"


def test_a_garbled_version_in_the_admin_shows_the_conflict(client, cast):
    group = MirrorGroup.objects.create(country=cast.es, kind="single", name="Grupo nacional")
    client.force_login(cast.staff)

    response = client.post(
        f"/admin/nmg_registry/mirrorgroup/{group.pk}/change/",
        {
            "country": cast.es.pk,
            "kind": "single",
            "name": "Renamed",
            "version": "2024-02-30T10:00:00",
        },
    )

    assert response.status_code == 200
    assert "was changed by" in response.text
    assert MirrorGroup.objects.get(pk=group.pk).name == "Grupo nacional"


def test_a_record_removed_meanwhile_is_a_conflict_naming_who_removed_it(cast):
    group = MirrorGroup.objects.create(country=cast.es, kind="single", name="Grupo nacional")
    pk, version = group.pk, version_of(group)
    group._history_user = cast.staff
    group.delete()

    with pytest.raises(EditConflict) as raised, transaction.atomic():
        lock_unchanged(MirrorGroup.objects.all(), pk=pk, version=version, label="The group “G”")

    assert raised.value.removed
    assert raised.value.message.startswith("The group “G” was removed by staff at ")
    assert "your changes were not saved" in raised.value.message


def _removed_when_the_save_starts(monkeypatch, group, by):
    """The group is removed by `by` after the page read it, just before the save locks it
    (inside the save's transaction here, so the refused save rolls the removal back too)."""
    check = services._check_may_edit

    def check_then_remove(user, country):
        check(user, country)
        gone = MirrorGroup.objects.get(pk=group.pk)
        gone._history_user = by
        gone.delete()

    monkeypatch.setattr(services, "_check_may_edit", check_then_remove)


def test_saving_a_group_removed_meanwhile_says_so_and_goes_back(client, cast, monkeypatch):
    group = MirrorGroup.objects.create(country=cast.es, kind="single", name="Grupo nacional")
    client.force_login(cast.rep_es)
    url = f"/countries/ES/groups/{group.pk}/edit/"
    version = re.search(r'name="version" value="([^"]*)"', client.get(url).text).group(1)
    _removed_when_the_save_starts(monkeypatch, group, cast.staff)

    response = client.post(
        url, {"kind": "single", "name": "Renamed", "version": version}, follow=True
    )

    assert response.redirect_chain == [("/countries/ES/", 302)]
    assert "The mirror group “Grupo nacional” was removed by staff at " in response.text
    assert "your changes were not saved" in response.text


def test_removing_a_group_removed_meanwhile_says_so_and_goes_back(client, cast, monkeypatch):
    group = MirrorGroup.objects.create(country=cast.es, kind="single", name="Grupo nacional")
    client.force_login(cast.rep_es)
    url = f"/countries/ES/groups/{group.pk}/delete/"
    page = client.get(url).text
    data = dict(re.findall(r'<input type="hidden" name="(version|seats)" value="([^"]*)"', page))
    _removed_when_the_save_starts(monkeypatch, group, cast.staff)

    response = client.post(url, data, follow=True)

    assert response.redirect_chain == [("/countries/ES/", 302)]
    assert "The mirror group “Grupo nacional” was removed by staff at " in response.text
