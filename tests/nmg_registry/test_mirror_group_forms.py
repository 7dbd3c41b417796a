"""Adding, changing and removing a country's mirror groups."""

import re

import pytest

from compositions.models import Expert, Membership
from nmg_registry import services
from nmg_registry.concurrency import version_of
from nmg_registry.models import MirrorGroup
from tests import factories

pytestmark = pytest.mark.django_db

ADD = "/countries/ES/groups/add/"


def _version(page: str) -> str:
    return re.search(r'name="version" value="([^"]*)"', page).group(1)


def _field_error(page: str, field: str) -> str:
    """The error text shown next to a field, '' when there is none."""
    match = re.search(rf'<div id="id_{field}_error">(.*?)</div>', page, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else ""


def _confirmation(page: str) -> dict:
    """What the removal confirmation sends back: its hidden fields."""
    return dict(re.findall(r'<input type="hidden" name="(version|seats)" value="([^"]*)"', page))


def _group(**values):
    return MirrorGroup.objects.create(
        country=values.pop("country", None) or factories.country("ES"),
        **{"kind": MirrorGroup.Kind.SINGLE, "name": "Grupo nacional", **values},
    )


# Who may


@pytest.mark.parametrize("who", ["viewer", "rep_it"])
def test_viewers_and_other_representatives_may_not_add_change_or_remove_groups(client, cast, who):
    group = _group()
    client.force_login(getattr(cast, who))
    edit = f"/countries/ES/groups/{group.pk}/edit/"
    delete = f"/countries/ES/groups/{group.pk}/delete/"

    for url in (ADD, edit, delete):
        refused = client.get(url)
        assert refused.status_code == 403
        assert "Only the representatives of Spain and WP6 staff may change its record." in (
            refused.content.decode()
        )
    assert client.post(ADD, {"kind": "single", "name": "Intruder"}).status_code == 403
    assert client.post(edit, {"kind": "single", "name": "Renamed"}).status_code == 403
    assert client.post(delete).status_code == 403
    assert list(MirrorGroup.objects.values_list("name", flat=True)) == ["Grupo nacional"]


def test_anonymous_visitors_sign_in_before_the_group_forms(client, cast):
    group = _group()
    for url in (ADD, f"/countries/ES/groups/{group.pk}/edit/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={url}"


def test_a_group_of_another_country_under_my_countrys_address_is_a_404(client, cast):
    italian = _group(country=cast.it, name="Gruppo italiano")
    client.force_login(cast.rep_es)

    assert client.get(f"/countries/ES/groups/{italian.pk}/edit/").status_code == 404
    assert client.get(f"/countries/ES/groups/{italian.pk}/delete/").status_code == 404
    assert client.post(f"/countries/ES/groups/{italian.pk}/delete/").status_code == 404
    assert MirrorGroup.objects.filter(pk=italian.pk).exists()


def test_staff_open_any_countrys_group_forms(client, cast):
    group = _group(country=cast.it, name="Gruppo italiano")
    client.force_login(cast.staff)

    assert client.get("/countries/IT/groups/add/").status_code == 200
    assert client.get(f"/countries/it/groups/{group.pk}/edit/").status_code == 200
    assert client.get(f"/countries/IT/groups/{group.pk}/delete/").status_code == 200
    assert "Add a mirror group to Italy" in client.get("/countries/IT/groups/add/").text
    assert 'value="Gruppo italiano"' in client.get(f"/countries/it/groups/{group.pk}/edit/").text
    removal = client.get(f"/countries/IT/groups/{group.pk}/delete/").text
    assert "Remove the mirror group “Gruppo italiano”?" in removal


# Adding


def test_a_representative_adds_a_group_for_a_working_group(client, cast):
    client.force_login(cast.rep_es)
    wg3 = factories.working_group(3)

    response = client.post(
        ADD,
        {
            "kind": "working_group",
            "working_group": wg3.pk,
            "name": "Grupo WG3",
            "description": "Datos clínicos",
            "established_on": "2021-02-01",
        },
        follow=True,
    )

    assert response.redirect_chain == [("/countries/ES/", 302)]
    page = response.content.decode()
    assert "The mirror group “Grupo WG3” was added." in page
    assert "Grupo WG3" in page and "1 Feb 2021" in page
    group = MirrorGroup.objects.get(country=cast.es)
    assert (group.kind, group.working_group, group.description) == (
        "working_group",
        wg3,
        "Datos clínicos",
    )
    assert group.history.get().history_user == cast.rep_es


def test_the_add_form_has_labelled_fields(client, cast):
    client.force_login(cast.rep_es)

    page = client.get(ADD).content.decode()

    for field, label in [
        ("kind", "Kind"),
        ("working_group", "Working group"),
        ("name", "Name"),
        ("established_on", "Established on"),
    ]:
        assert f'<label for="id_{field}">{label}' in page
    assert '<option value="' in page and "WG11 Use case: infectious diseases" in page


def test_a_working_group_kind_without_its_working_group_is_named_on_the_field(client, cast):
    client.force_login(cast.rep_es)

    response = client.post(ADD, {"kind": "working_group", "name": "Grupo sin WG"})

    page = response.content.decode()
    assert response.status_code == 200
    assert _field_error(page, "working_group") == "Choose the working group this group mirrors."
    assert 'role="alert"' in page
    assert not MirrorGroup.objects.exists()


def test_a_working_group_on_another_kind_of_group_is_named_on_the_field(client, cast):
    client.force_login(cast.rep_es)

    response = client.post(
        ADD, {"kind": "core", "working_group": factories.working_group(2).pk, "name": "Núcleo"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert _field_error(page, "working_group").startswith(
        "Only a group for one working group names a working group"
    )
    field = re.search(r'<select name="working_group"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in field and "id_working_group_error" in field
    assert not MirrorGroup.objects.exists()


def test_a_second_group_for_the_same_working_group_is_named_on_the_field(client, cast):
    wg3 = factories.working_group(3)
    _group(kind="working_group", working_group=wg3, name="Grupo WG3")
    client.force_login(cast.rep_es)

    response = client.post(
        ADD, {"kind": "working_group", "working_group": wg3.pk, "name": "Otro grupo WG3"}
    )

    assert response.status_code == 200
    assert _field_error(response.content.decode(), "working_group") == (
        "Spain already has a group for WG3: “Grupo WG3”. A country has one group per working group."
    )
    assert MirrorGroup.objects.count() == 1


def test_another_country_may_have_its_own_group_for_the_same_working_group(cast):
    wg3 = factories.working_group(3)
    _group(kind="working_group", working_group=wg3, name="Grupo WG3")

    group = services.create_mirror_group(
        user=cast.rep_it, country=cast.it, kind="working_group", working_group=wg3, name="WG3"
    )

    assert group.country == cast.it


def test_a_second_group_of_the_same_name_is_named_on_the_field(client, cast):
    _group(name="Grupo nacional")
    client.force_login(cast.rep_es)

    response = client.post(ADD, {"kind": "forum", "name": "grupo nacional"})

    assert _field_error(response.content.decode(), "name") == (
        "Spain already has a mirror group named “grupo nacional”."
    )
    assert MirrorGroup.objects.count() == 1


def test_a_group_needs_a_name_and_a_known_kind(client, cast):
    client.force_login(cast.rep_es)

    page = client.post(ADD, {"kind": "committee", "name": ""}).content.decode()

    assert _field_error(page, "name") == "This field is required."
    assert "Select a valid choice. committee is not one of the available choices." in (
        _field_error(page, "kind")
    )


def test_the_service_refuses_someone_who_does_not_keep_the_country(cast):
    with pytest.raises(services.PermissionDenied):
        services.create_mirror_group(
            user=cast.viewer, country=cast.es, kind="single", working_group=None, name="Nope"
        )
    assert not MirrorGroup.objects.exists()


# Changing


def test_a_representative_changes_a_group(client, cast):
    group = _group()
    url = f"/countries/ES/groups/{group.pk}/edit/"
    client.force_login(cast.rep_es)
    page = client.get(url).content.decode()
    assert 'value="Grupo nacional"' in page

    response = client.post(
        url,
        {"version": _version(page), "kind": "core", "name": "Grupo núcleo", "description": "Hub"},
        follow=True,
    )

    assert response.redirect_chain == [("/countries/ES/", 302)]
    assert "The mirror group “Grupo núcleo” was saved." in response.content.decode()
    group.refresh_from_db()
    assert (group.kind, group.name, group.description) == ("core", "Grupo núcleo", "Hub")
    assert group.history.order_by("-history_id").first().history_user == cast.rep_es


def test_a_change_to_a_working_group_kind_keeps_the_rule_on_the_field(client, cast):
    group = _group()
    url = f"/countries/ES/groups/{group.pk}/edit/"
    client.force_login(cast.rep_es)
    page = client.get(url).content.decode()

    response = client.post(
        url, {"version": _version(page), "kind": "working_group", "name": "Grupo nacional"}
    )

    assert _field_error(response.content.decode(), "working_group") == (
        "Choose the working group this group mirrors."
    )
    group.refresh_from_db()
    assert group.kind == "single"


def test_a_group_changed_meanwhile_shows_who_changed_what_and_a_second_save_works(client, cast):
    group = _group()
    services.update_mirror_group(  # an earlier save: the history the message is read from
        user=cast.rep_es,
        group=group,
        version=version_of(group),
        kind="single",
        working_group=None,
        name="Grupo nacional",
    )
    url = f"/countries/ES/groups/{group.pk}/edit/"
    client.force_login(cast.rep_es)
    page = client.get(url).content.decode()
    current = MirrorGroup.objects.get(pk=group.pk)
    services.update_mirror_group(  # staff rename the group meanwhile
        user=cast.staff,
        group=current,
        version=version_of(current),
        kind="single",
        working_group=None,
        name="Grupo nacional de genómica",
    )

    response = client.post(
        url,
        {
            "version": _version(page),
            "kind": "single",
            "name": "Grupo nacional",
            "description": "Mine",
        },
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "was changed by staff" in page
    assert "name: “Grupo nacional” → “Grupo nacional de genómica”" in page
    assert 'value="Grupo nacional de genómica"' in page
    group.refresh_from_db()
    assert (group.name, group.description) == ("Grupo nacional de genómica", "")

    response = client.post(
        url,
        {
            "version": _version(page),
            "kind": "single",
            "name": "Grupo nacional de genómica",
            "description": "Mine",
        },
    )

    assert response.status_code == 302
    group.refresh_from_db()
    assert group.description == "Mine"


# Removing


def test_the_confirmation_says_how_many_memberships_go_with_the_group(client, cast):
    group = _group()
    for _ in range(3):
        factories.MembershipFactory(
            expert=factories.ExpertFactory(country=cast.es), mirror_group=group
        )
    client.force_login(cast.rep_es)

    page = client.get(f"/countries/ES/groups/{group.pk}/delete/").content.decode()

    assert "Remove the mirror group “Grupo nacional”?" in page
    assert "3 memberships point at this group and will be removed with it." in page
    assert "The experts themselves stay in the registry" in page


def test_removing_a_group_removes_its_memberships_and_keeps_the_experts(client, cast):
    group = _group()
    other = _group(name="Foro", kind="forum")
    expert = factories.ExpertFactory(country=cast.es)
    factories.MembershipFactory(expert=expert, mirror_group=group)
    factories.MembershipFactory(
        expert=expert, mirror_group=other, working_group=factories.working_group(2)
    )
    client.force_login(cast.rep_es)
    url = f"/countries/ES/groups/{group.pk}/delete/"

    response = client.post(url, _confirmation(client.get(url).content.decode()), follow=True)

    assert response.redirect_chain == [("/countries/ES/", 302)]
    assert (
        "The mirror group “Grupo nacional” was removed, with the 1 membership in it."
        in response.content.decode()
    )
    assert list(MirrorGroup.objects.values_list("name", flat=True)) == ["Foro"]
    assert Expert.objects.filter(pk=expert.pk).exists()
    assert list(Membership.objects.values_list("mirror_group__name", flat=True)) == ["Foro"]
    removal = MirrorGroup.history.filter(id=group.pk, history_type="-").get()
    assert removal.history_user == cast.rep_es


@pytest.mark.parametrize("groups", [2, 10])
def test_the_group_forms_answer_in_fixed_queries(client, cast, groups, django_assert_num_queries):
    for i in range(groups):
        _group(name=f"Grupo {i}")
    group = MirrorGroup.objects.first()
    client.force_login(cast.rep_es)

    # session, user, country, the user's permissions (2) and own countries, working
    # groups, demo-data notice
    with django_assert_num_queries(8):
        assert client.get(ADD).status_code == 200
    # ... and the group
    with django_assert_num_queries(9):
        assert client.get(f"/countries/ES/groups/{group.pk}/edit/").status_code == 200


def test_a_membership_given_after_the_confirmation_was_opened_stops_the_removal(client, cast):
    group = _group()
    client.force_login(cast.rep_es)
    url = f"/countries/ES/groups/{group.pk}/delete/"
    opened = client.get(url).content.decode()
    assert "No membership points at this group." in opened
    expert = factories.ExpertFactory(country=cast.es)
    factories.MembershipFactory(expert=expert, mirror_group=group)  # meanwhile

    response = client.post(url, _confirmation(opened))

    page = response.content.decode()
    assert response.status_code == 200
    alert = page[page.index('role="alert"') :].split("</div>")[0]
    assert (
        "1 membership now points at this group and would be removed with it; this page "
        "showed none when you opened it. Nothing was removed" in alert
    )
    assert "1 membership points at this group and will be removed with it." in page
    assert MirrorGroup.objects.filter(pk=group.pk).exists()
    assert Membership.objects.filter(mirror_group=group, expert=expert).exists()

    response = client.post(url, _confirmation(page), follow=True)

    assert response.redirect_chain == [("/countries/ES/", 302)]
    assert "was removed, with the 1 membership in it." in response.content.decode()
    assert not MirrorGroup.objects.filter(pk=group.pk).exists()


def test_a_group_changed_after_the_confirmation_was_opened_is_not_removed(client, cast):
    group = _group()
    client.force_login(cast.rep_es)
    url = f"/countries/ES/groups/{group.pk}/delete/"
    opened = client.get(url).content.decode()
    services.update_mirror_group(
        user=cast.staff,
        group=group,
        version=version_of(group),
        kind="single",
        working_group=None,
        name="Grupo nacional de genómica",
    )

    response = client.post(url, _confirmation(opened))

    page = response.content.decode()
    assert response.status_code == 200
    alert = page[page.index('role="alert"') :].split("</div>")[0]
    assert "was changed by staff" in alert
    assert "name: “Grupo nacional” → “Grupo nacional de genómica”" in alert
    assert "confirm again" in alert
    assert "Remove the mirror group “Grupo nacional de genómica”?" in page
    assert MirrorGroup.objects.filter(pk=group.pk).exists()

    assert client.post(url, _confirmation(page)).status_code == 302
    assert not MirrorGroup.objects.filter(pk=group.pk).exists()


@pytest.mark.parametrize("memberships", [2, 10])
def test_the_removal_confirmation_answers_in_fixed_queries(
    client, cast, memberships, django_assert_num_queries
):
    group = _group()
    for _ in range(memberships):
        factories.MembershipFactory(
            expert=factories.ExpertFactory(country=cast.es), mirror_group=group
        )
    client.force_login(cast.rep_es)

    # session, user, country, the user's permissions (2) and own countries, the group, its
    # memberships counted, demo-data notice
    with django_assert_num_queries(9):
        response = client.get(f"/countries/ES/groups/{group.pk}/delete/")
    assert f'name="seats" value="{memberships}"' in response.content.decode()
