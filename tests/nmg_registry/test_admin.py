"""The registry's admin: pages answer, lists cost fixed queries, representatives see their own."""

import itertools
import re
import string

import pytest
from django.urls import reverse

from nmg_registry.concurrency import version_of
from nmg_registry.models import Country, MirrorGroup, Representative, StakeholderType, WorkingGroup
from tests import factories
from tests.admin_helpers import admin_url, as_admin_user, assert_changelist_queries, first_countries


def new_countries(n):
    taken = {code for pair in Country.objects.values_list("code", "iso_code") for code in pair}
    free = (a + b for a in "QXZ" for b in string.ascii_uppercase if a + b not in taken)
    for code in itertools.islice(free, n):
        Country.objects.create(code=code, iso_code=code, name=f"Land {code}")


def new_working_groups(n):
    start = WorkingGroup.objects.count() + 1
    WorkingGroup.objects.bulk_create(
        WorkingGroup(number=number, name=f"Group {number}") for number in range(start, start + n)
    )


def new_stakeholder_types(n):
    start = StakeholderType.objects.count()
    StakeholderType.objects.bulk_create(
        StakeholderType(slug=f"type-{i}", label=f"Type {i}") for i in range(start, start + n)
    )


def new_mirror_groups(n):
    for country in first_countries(n):
        group = factories.MirrorGroupFactory(country=country)
        factories.MembershipFactory(expert__country=country, mirror_group=group)


def new_representatives(n):
    for country in first_countries(n):
        Representative.objects.create(user=factories.UserFactory(), country=country)


@pytest.mark.parametrize(
    ("model", "seed", "queries"),
    [
        (Country, new_countries, 8),
        (WorkingGroup, new_working_groups, 8),
        (StakeholderType, new_stakeholder_types, 8),
        (MirrorGroup, new_mirror_groups, 10),
        (Representative, new_representatives, 9),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_changelist_costs_fixed_queries_for_staff(
    client, cast, django_assert_num_queries, model, seed, queries
):
    client.force_login(cast.staff)
    assert_changelist_queries(client, django_assert_num_queries, model, seed, queries)


@pytest.mark.parametrize(
    ("model", "make"),
    [
        (Country, lambda cast: cast.es),
        (WorkingGroup, lambda cast: factories.working_group(1)),
        (StakeholderType, lambda cast: factories.stakeholder_type("elsi")),
        (MirrorGroup, lambda cast: factories.MirrorGroupFactory(country=cast.es)),
        (Representative, lambda cast: cast.rep_es.representations.get()),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_add_change_and_history_pages_render_for_staff(client, cast, model, make):
    obj = make(cast)
    client.force_login(cast.staff)

    assert client.get(admin_url(model, "add")).status_code == 200
    change = client.get(admin_url(model, "change", obj.pk))
    assert change.status_code == 200
    assert str(obj) in change.text
    assert client.get(admin_url(model, "history", obj.pk)).status_code == 200


def test_staff_adds_a_mirror_group_for_any_country(client, cast):
    client.force_login(cast.staff)

    response = client.post(
        admin_url(MirrorGroup, "add"),
        {"country": cast.it.pk, "kind": "single", "name": "Gruppo nazionale"},
    )

    assert response.status_code == 302
    assert MirrorGroup.objects.get(name="Gruppo nazionale").country == cast.it


def test_representative_cannot_open_reference_data(client, cast):
    client.force_login(as_admin_user(cast.rep_es))

    assert client.get(admin_url(WorkingGroup)).status_code == 403
    assert client.get(admin_url(StakeholderType)).status_code == 403
    assert client.get(admin_url(WorkingGroup, "change", 1)).status_code == 403
    assert client.get(admin_url(Country, "add")).status_code == 403
    assert client.get(admin_url(Country, "delete", cast.es.pk)).status_code == 403


def test_representative_admin_index_lists_only_country_records(client, cast):
    client.force_login(as_admin_user(cast.rep_es))

    index = client.get(reverse("admin:index"))

    assert index.status_code == 200
    assert "Countries" in index.text
    assert "Mirror groups" in index.text
    assert "Working groups" not in index.text
    assert "Stakeholder types" not in index.text


def test_viewer_with_admin_access_sees_no_registry_records(client, cast):
    client.force_login(as_admin_user(cast.viewer))

    index = client.get(reverse("admin:index"))

    assert "Countries" not in index.text
    assert "Representatives" not in index.text
    assert client.get(admin_url(Country)).status_code == 403
    assert client.get(admin_url(Representative)).status_code == 403


def test_representative_lists_only_own_countries(client, cast):
    client.force_login(as_admin_user(cast.rep_es))

    page = client.get(admin_url(Country))

    assert page.status_code == 200
    assert admin_url(Country, "change", cast.es.pk) in page.text
    assert admin_url(Country, "change", cast.it.pk) not in page.text
    assert "Italy" not in page.text


def test_representative_is_refused_other_countrys_record(client, cast):
    client.force_login(as_admin_user(cast.rep_es))

    change = client.get(admin_url(Country, "change", cast.it.pk))
    history = client.get(admin_url(Country, "history", cast.it.pk))
    post = client.post(
        admin_url(Country, "change", cast.it.pk), {"national_roadmap_url": "https://evil.test/"}
    )

    assert change.status_code == 302
    assert change.url == reverse("admin:index")
    assert history.status_code == 403
    assert "Italy" not in history.text
    assert post.status_code == 302
    cast.it.refresh_from_db()
    assert cast.it.national_roadmap_url == ""


def test_representative_updates_own_country_but_not_its_identity(client, cast):
    client.force_login(as_admin_user(cast.rep_es))
    form = client.get(admin_url(Country, "change", cast.es.pk))

    response = client.post(
        admin_url(Country, "change", cast.es.pk),
        {
            "version": version_of(cast.es),
            "name": "Renamed",
            "participation": "none",
            "health_system": "nhs",
            "population_millions": "47.4",
            "national_roadmap_url": "https://example.org/roadmap",
            "representatives-TOTAL_FORMS": "0",
            "representatives-INITIAL_FORMS": "0",
        },
    )

    assert form.status_code == 200
    assert 'name="name"' not in form.text
    assert response.status_code == 302
    cast.es.refresh_from_db()
    assert cast.es.national_roadmap_url == "https://example.org/roadmap"
    assert (cast.es.name, cast.es.participation) == ("Spain", "signatory")


def test_representative_reads_but_cannot_appoint_representatives(client, cast):
    client.force_login(as_admin_user(cast.rep_es))

    country_page = client.get(admin_url(Country, "change", cast.es.pk))
    listing = client.get(admin_url(Representative))

    assert "rep_es" in country_page.text
    assert 'name="representatives-0-user"' not in country_page.text
    assert "rep_es" in listing.text
    assert "rep_it" not in listing.text
    assert client.get(admin_url(Representative, "add")).status_code == 403
    rep_it = cast.rep_it.representations.get()
    assert client.get(admin_url(Representative, "change", rep_it.pk)).status_code == 302


def test_representative_manages_only_own_countrys_mirror_groups(client, cast):
    own = factories.MirrorGroupFactory(country=cast.es, name="Grupo espejo")
    other = factories.MirrorGroupFactory(country=cast.it, name="Gruppo specchio")
    client.force_login(as_admin_user(cast.rep_es))

    listing = client.get(admin_url(MirrorGroup))
    add_form = client.get(admin_url(MirrorGroup, "add"))
    refused = client.post(
        admin_url(MirrorGroup, "add"), {"country": cast.it.pk, "kind": "single", "name": "Intruso"}
    )
    accepted = client.post(
        admin_url(MirrorGroup, "add"), {"country": cast.es.pk, "kind": "forum", "name": "Foro"}
    )

    assert own.name in listing.text
    assert other.name not in listing.text
    assert "Spain (ES)" in add_form.text
    assert "Italy (IT)" not in add_form.text
    assert "Select a valid choice" in refused.text
    assert not MirrorGroup.objects.filter(name="Intruso").exists()
    assert accepted.status_code == 302
    assert MirrorGroup.objects.filter(country=cast.es, name="Foro").exists()
    assert client.get(admin_url(MirrorGroup, "change", other.pk)).status_code == 302
    assert client.get(admin_url(MirrorGroup, "history", other.pk)).status_code == 403


def _version_field(page) -> str:
    match = re.search(r'name="version" value="([^"]*)"', page)
    assert match, "the change form carries the record's version"
    return match.group(1)


def test_admin_save_over_a_change_made_meanwhile_is_refused_with_what_changed(client, cast):
    group = MirrorGroup.objects.create(country=cast.es, kind="single", name="NMG España")
    client.force_login(cast.staff)
    opened = _version_field(client.get(admin_url(MirrorGroup, "change", group.pk)).text)
    cast.rep_es.first_name, cast.rep_es.last_name = "Lucía", "García"
    cast.rep_es.save()
    meanwhile = MirrorGroup.objects.get(pk=group.pk)
    meanwhile.description = "Meets monthly."
    meanwhile._history_user = cast.rep_es
    meanwhile.save()
    staff_edit = {"country": cast.es.pk, "kind": "single", "name": "NMG de España"}

    refused = client.post(
        admin_url(MirrorGroup, "change", group.pk), staff_edit | {"version": opened}
    )

    assert refused.status_code == 200
    assert "was changed by Lucía García" in refused.text
    assert "description: “” → “Meets monthly.”" in refused.text
    group.refresh_from_db()
    assert (group.name, group.description) == ("NMG España", "Meets monthly.")

    informed = client.post(
        admin_url(MirrorGroup, "change", group.pk),
        staff_edit | {"description": "Meets monthly.", "version": _version_field(refused.text)},
    )

    assert informed.status_code == 302
    group.refresh_from_db()
    assert (group.name, group.description) == ("NMG de España", "Meets monthly.")
