"""A country's experts pages: the list with search and filters, the expert's form with their
seats, and removal; for the country's representatives and staff only."""

import html
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from compositions import selectors
from compositions.models import Expert, Membership
from compositions.services.experts import create_expert, remove_expert, update_expert
from compositions.services.file_import import import_composition
from nmg_registry.concurrency import version_of
from tests import factories

pytestmark = pytest.mark.django_db


def experts_url(code="ES", **params):
    url = reverse("compositions:experts", args=[code])
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


def edit_url(expert, code=None):
    return reverse("compositions:expert-edit", args=[code or expert.country.code, expert.pk])


def delete_url(expert, code=None):
    return reverse("compositions:expert-delete", args=[code or expert.country.code, expert.pk])


ADD_URL = reverse("compositions:expert-add", args=["ES"])


def expert(country="ES", **kwargs) -> Expert:
    return factories.ExpertFactory(country=factories.country(country), **kwargs)


def seat(expert, number=None, role="expert", **kwargs) -> Membership:
    wg = factories.working_group(number) if number else None
    return Membership.objects.create(expert=expert, working_group=wg, role=role, **kwargs)


def form_data(*, seats=(), version="", **values) -> dict:
    """What the browser posts: the expert's fields and the seat rows (stored ones with id)."""
    data = {
        "name": "Ana García",
        "institution": "ISCIII",
        "position": "Researcher",
        "gender": "female",
        "region": "Madrid",
        "email": "ana@example.org",
        "stakeholder_type": "",
        "version": version,
        "seats-TOTAL_FORMS": str(len(seats)),
        "seats-INITIAL_FORMS": str(sum(1 for s in seats if s.get("id"))),
        "seats-MIN_NUM_FORMS": "0",
        "seats-MAX_NUM_FORMS": "1000",
    }
    data.update(values)
    for index, row in enumerate(seats):
        row = {"role": "expert", **row}
        for key, value in row.items():
            if value is True:
                value = "on"
            data[f"seats-{index}-{key}"] = "" if value is None else str(value)
    return data


def text(response) -> str:
    """The page's text without tags, spaces collapsed."""
    content = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(content))


# Who may open the pages


@pytest.mark.parametrize(
    ("who", "status"),
    [("rep_es", 200), ("staff", 200), ("rep_it", 403), ("viewer", 403)],
)
def test_only_the_countrys_representatives_and_staff_see_its_experts(client, cast, who, status):
    expert(name="Ana García")
    client.force_login(getattr(cast, who))

    for url in (experts_url(), ADD_URL, reverse("compositions:upload", args=["ES"])):
        response = client.get(url)
        assert response.status_code == status, url
        if status == 200:
            assert response.status_code == 200
            assert "Spain" in text(response), url
    if status == 200:
        assert "Ana García" in text(client.get(experts_url()))
    if status == 403:
        assert "Ana García" not in client.get(experts_url()).content.decode()


def test_anonymous_is_sent_to_sign_in(client, cast):
    response = client.get(experts_url())

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_country_code_in_any_case_and_iso(client, cast):
    expert(country="EL", name="Nikos")
    client.force_login(cast.staff)

    assert "Nikos" in client.get(experts_url("gr")).content.decode()
    assert "Nikos" in client.get(experts_url("el")).content.decode()


def test_unknown_country_code_is_a_404_naming_it(client, cast):
    client.force_login(cast.staff)

    response = client.get(experts_url("XX"))

    assert response.status_code == 404
    assert 'unknown country "XX"' in text(response)


def test_an_expert_of_another_country_is_not_found_in_my_countrys_urls(client, cast):
    giulia = expert(country="IT", name="Giulia Rossi")
    client.force_login(cast.rep_es)

    assert client.get(edit_url(giulia, "ES")).status_code == 404
    assert client.post(delete_url(giulia, "ES")).status_code == 404
    assert Expert.objects.filter(pk=giulia.pk).exists()


def test_a_representative_cannot_open_another_countrys_expert(client, cast):
    giulia = expert(country="IT", name="Giulia Rossi")
    client.force_login(cast.rep_es)

    assert client.get(edit_url(giulia)).status_code == 403
    assert client.post(delete_url(giulia)).status_code == 403
    assert Expert.objects.filter(pk=giulia.pk).exists()


# The list


def test_list_shows_count_rows_seats_and_links(client, cast):
    ana = expert(
        name="Ana García",
        institution="ISCIII",
        position="Researcher",
        stakeholder_type=factories.stakeholder_type("research-university"),
    )
    seat(ana, 3, "coordinator")
    seat(ana, 5)
    expert(name="Luis Pérez", institution="CNAG")
    expert(country="IT", name="Giulia Rossi")
    client.force_login(cast.rep_es)

    response = client.get(experts_url())
    page = text(response)

    assert "2 experts" in page
    assert "Giulia" not in page
    assert "Ana García ISCIII Researcher Research/University WG3 coordinator WG5 expert" in page
    content = response.content.decode()
    assert f'href="{edit_url(ana)}"' in content and f'href="{delete_url(ana)}"' in content
    assert "Add an expert" in page and "Upload composition file" in page
    assert f'href="{reverse("compositions:export", args=["xlsx"])}?country=ES"' in content
    assert f'href="{reverse("compositions:export", args=["csv"])}?country=ES"' in content
    assert f'href="{reverse("compositions:template")}"' in content
    assert page.index("Ana García") < page.index("Luis Pérez")


def test_search_is_case_insensitive_over_name_institution_position_email_region(client, cast):
    expert(name="Ana García", institution="ISCIII", email="ana@example.org")
    expert(name="Luis Pérez", institution="CNAG", position="Bioinformatician")
    expert(name="Marta Ruiz", region="Galicia", email="marta@sergas.es")
    client.force_login(cast.rep_es)

    def found(q):
        page = text(client.get(experts_url(q=q)))
        return {n for n in ("Ana García", "Luis Pérez", "Marta Ruiz") if n in page}

    assert found("ana") == {"Ana García"}
    assert found("isciii") == {"Ana García"}
    assert found("BIOINFORM") == {"Luis Pérez"}
    assert found("sergas") == {"Marta Ruiz"}
    assert found("galicia") == {"Marta Ruiz"}
    assert "1 expert found" in text(client.get(experts_url(q="galicia")))
    assert "No expert of Spain matches" in text(client.get(experts_url(q="nobody")))


def test_filters_by_working_group_and_stakeholder_type(client, cast):
    ana = expert(name="Ana García", stakeholder_type=factories.stakeholder_type("elsi"))
    seat(ana, 3)
    luis = expert(name="Luis Pérez", stakeholder_type=factories.stakeholder_type("elsi"))
    seat(luis, 5)
    expert(name="Marta Ruiz")
    client.force_login(cast.staff)

    by_group = text(client.get(experts_url(working_group=3)))
    by_type = text(client.get(experts_url(stakeholder_type="elsi")))
    both = text(client.get(experts_url(stakeholder_type="elsi", working_group=5)))

    assert "Ana García" in by_group and "Luis Pérez" not in by_group
    assert "Ana García" in by_type and "Luis Pérez" in by_type and "Marta" not in by_type
    assert "Luis Pérez" in both and "Ana García" not in both


def test_a_bad_filter_value_is_an_error_not_an_empty_answer(client, cast):
    expert(name="Ana García")
    client.force_login(cast.staff)

    page = text(client.get(experts_url(working_group="WG99")))

    assert 'unknown working group "WG99"' in page
    assert "Ana García" not in page


def test_fifty_experts_a_page_with_page_links_keeping_the_search(client, cast):
    for n in range(68):
        expert(name=f"Expert {n:03d}", institution="ISCIII")
    client.force_login(cast.staff)

    first = client.get(experts_url(q="isciii"))
    second = text(client.get(experts_url(q="isciii", page=2)))

    assert "68 experts found, page 1 of 2" in text(first)
    assert "Expert 049" in text(first) and "Expert 050" not in text(first)
    assert 'href="?q=isciii&amp;page=2"' in first.content.decode()
    assert "Expert 050" in second and "Expert 067" in second and "Expert 049" not in second


@pytest.mark.parametrize("experts", [3, 30])
def test_list_answers_in_a_fixed_number_of_queries(
    client, cast, django_assert_num_queries, experts
):
    for n in range(experts):
        person = expert(name=f"Expert {n}")
        seat(person, 1)
        seat(person, 2)
    client.force_login(cast.rep_es)

    # session, user, country, the staff check (user's and groups' permissions), represented
    # countries, count, page, seats, working groups and stakeholder types for the filters,
    # the demo-data banner
    with django_assert_num_queries(12):
        response = client.get(experts_url())

    assert f"{experts} experts" in text(response)


@pytest.mark.parametrize("experts", [2, 12])
def test_list_with_filters_answers_in_a_fixed_number_of_queries(
    client, cast, django_assert_num_queries, experts
):
    for n in range(experts):
        seat(expert(name=f"Expert {n}", stakeholder_type=factories.stakeholder_type("elsi")), 3)
    client.force_login(cast.staff)

    # as above, plus the working group the filter names (the stakeholder types are read
    # once for the filter's value and the select alike)
    with django_assert_num_queries(13):
        response = client.get(experts_url(q="expert", working_group=3, stakeholder_type="elsi"))

    assert f"{experts} experts found" in text(response)


# Adding an expert


def test_add_an_expert_with_a_seat(client, cast):
    group = factories.MirrorGroupFactory(country=cast.es, name="Spanish NMG")
    client.force_login(cast.rep_es)

    response = client.post(
        ADD_URL,
        form_data(
            stakeholder_type=factories.stakeholder_type("research-university").pk,
            seats=[
                {"working_group": factories.working_group(3).pk, "role": "coordinator"},
                {"mirror_group": group.pk},
                {},  # a blank row adds nothing
            ],
        ),
        follow=True,
    )

    ana = Expert.objects.get(email="ana@example.org")
    assert ana.country == cast.es and ana.stakeholder_type.slug == "research-university"
    assert {
        (m.working_group_id and m.working_group.number, m.mirror_group, m.role)
        for m in ana.memberships.all()
    } == {(3, None, "coordinator"), (None, group, "expert")}
    assert response.redirect_chain[-1][0] == experts_url()
    assert "Expert “Ana García” added to Spain." in text(response)
    assert ana.history.first().history_user == cast.rep_es


@pytest.mark.parametrize("groups", [1, 6])
def test_add_form_page_answers_in_a_fixed_number_of_queries(
    client, cast, django_assert_num_queries, groups
):
    factories.MirrorGroupFactory(country=cast.es, name="Spanish NMG")
    for n in range(1, groups):
        factories.MirrorGroupFactory(country=cast.es, name=f"Spanish group {n}")
    client.force_login(cast.rep_es)

    # session, user, country, staff check (2), representations, working groups, mirror
    # groups, stakeholder types, demo-data banner
    with django_assert_num_queries(10):
        response = client.get(ADD_URL)

    page = response.content.decode()
    assert "Spanish NMG" in page and "WG3 Common standards" in page
    assert 'name="seats-TOTAL_FORMS"' in page


def test_identity_duplicate_is_an_error_on_the_email_field(client, cast):
    expert(name="Ana María García", email="ANA@example.org")
    client.force_login(cast.rep_es)

    response = client.post(ADD_URL, form_data())

    assert response.status_code == 200
    page = response.content.decode()
    assert "Spain already has an expert with this e-mail: Ana María García." in page
    assert 'id="id_email_error"' in page
    assert re.search(r'<input[^>]*name="email"[^>]*aria-invalid="true"', page)
    assert re.search(r'<input[^>]*aria-describedby="[^"]*id_email_error', page)
    assert 'role="alert"' in page
    assert Expert.objects.count() == 1


def test_identity_by_name_and_institution_without_email_is_an_error_on_the_name(client, cast):
    expert(name="Ana García", institution="ISCIII", email="")
    client.force_login(cast.rep_es)

    response = client.post(ADD_URL, form_data(name="ana garcía", email=""))

    page = response.content.decode()
    assert "already has an expert of this name and institution without an e-mail" in page
    assert 'id="id_name_error"' in page
    assert Expert.objects.count() == 1


def test_the_same_person_may_exist_in_another_country(client, cast):
    expert(country="IT", name="Ana García", email="ana@example.org")
    client.force_login(cast.staff)

    client.post(ADD_URL, form_data())

    assert Expert.objects.filter(email="ana@example.org").count() == 2


def test_another_countrys_mirror_group_is_an_error_on_the_row(client, cast):
    italian = factories.MirrorGroupFactory(country=cast.it, name="Italian NMG")
    client.force_login(cast.staff)

    response = client.post(ADD_URL, form_data(seats=[{"mirror_group": italian.pk}]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Choose one of the mirror groups of Spain." in page
    assert 'id="id_seats-0-mirror_group_error"' in page
    assert "Seat 1, mirror group: Choose one of the mirror groups of Spain." in text(response)
    assert not Expert.objects.exists()


def test_a_mirror_group_of_another_working_group_is_an_error_on_the_row(client, cast):
    wg5_group = factories.MirrorGroupFactory(
        country=cast.es,
        name="Spanish WG5",
        kind="working_group",
        working_group=factories.working_group(5),
    )
    client.force_login(cast.rep_es)

    response = client.post(
        ADD_URL,
        form_data(
            seats=[{"working_group": factories.working_group(3).pk, "mirror_group": wg5_group.pk}]
        ),
    )

    page = response.content.decode()
    assert "The mirror group mirrors another working group." in page
    assert 'id="id_seats-0-working_group_error"' in page
    assert not Expert.objects.exists() and not Membership.objects.exists()


def test_the_same_seat_twice_is_an_error_on_the_second_row(client, cast):
    wg3 = factories.working_group(3).pk
    client.force_login(cast.rep_es)

    response = client.post(
        ADD_URL,
        form_data(seats=[{"working_group": wg3}, {"working_group": wg3, "role": "coordinator"}]),
    )

    page = response.content.decode()
    assert "The expert already holds this seat" in page
    assert 'id="id_seats-1-working_group_error"' in page
    assert 'id="id_seats-0-working_group_error"' not in page
    assert not Expert.objects.exists()


def test_missing_name_is_an_error_on_the_name(client, cast):
    client.force_login(cast.rep_es)

    response = client.post(ADD_URL, form_data(name=""))

    assert 'id="id_name_error"' in response.content.decode()
    assert "Name: This field is required." in text(response)
    assert not Expert.objects.exists()


# Editing an expert


def test_edit_changes_the_expert_and_seats(client, cast):
    ana = expert(name="Ana García", email="ana@example.org")
    kept = seat(ana, 3)
    dropped = seat(ana, 5)
    client.force_login(cast.rep_es)

    response = client.post(
        edit_url(ana),
        form_data(
            version=version_of(ana),
            position="Head of unit",
            seats=[
                {
                    "id": kept.pk,
                    "working_group": factories.working_group(3).pk,
                    "role": "coordinator",
                },
                {"id": dropped.pk, "working_group": factories.working_group(5).pk, "DELETE": True},
                {"working_group": factories.working_group(9).pk},
            ],
        ),
        follow=True,
    )

    ana.refresh_from_db()
    assert ana.position == "Head of unit"
    assert {(m.working_group.number, m.role) for m in ana.memberships.all()} == {
        (3, "coordinator"),
        (9, "expert"),
    }
    assert "Expert “Ana García” saved." in text(response)
    assert Membership.history.filter(id=dropped.pk, history_type="-").get().history_user == (
        cast.rep_es
    )


def test_edit_form_shows_the_stored_values_and_seats(client, cast, django_assert_num_queries):
    ana = expert(name="Ana García", institution="ISCIII")
    for number in (1, 2, 3, 4):
        seat(ana, number)
    client.force_login(cast.rep_es)

    # session, user, country, staff check (2), representations, expert, seats, working
    # groups, mirror groups, stakeholder types, demo-data banner
    with django_assert_num_queries(12):
        response = client.get(edit_url(ana))

    page = response.content.decode()
    assert 'value="ISCIII"' in page
    assert page.count('name="seats-INITIAL_FORMS" value="4"') == 1
    assert f'name="version" value="{version_of(ana)}"' in page


def test_edit_form_queries_do_not_grow_with_seats(client, cast, django_assert_num_queries):
    ana = expert(name="Ana García")
    for number in range(1, 12):
        seat(ana, number)
    client.force_login(cast.rep_es)

    with django_assert_num_queries(12):
        client.get(edit_url(ana))


def test_a_conflicting_edit_is_refused_with_who_changed_what_and_a_second_save_works(client, cast):
    ana = expert(name="Ana García", email="ana@example.org", position="Researcher")
    opened = version_of(ana)
    other = factories.make_representative("colleague", "ES")
    client.force_login(other)
    client.post(edit_url(ana), form_data(version=opened, position="Head of unit"))
    client.force_login(cast.rep_es)

    response = client.post(edit_url(ana), form_data(version=opened, region="Castilla"))

    page = text(response)
    assert response.status_code == 200
    assert "was changed by colleague" in page and "“Researcher” → “Head of unit”" in page
    ana.refresh_from_db()
    assert ana.region == "Madrid" and ana.position == "Head of unit"
    assert 'role="alert"' in response.content.decode()
    # The form now holds the current values and version: saving it again works.
    current = response.context["form"]
    assert current["position"].value() == "Head of unit"
    data = {**current.data, "region": "Castilla"}
    again = client.post(edit_url(ana), data, follow=True)
    ana.refresh_from_db()
    assert ana.region == "Castilla" and ana.position == "Head of unit"
    assert "Expert “Ana García” saved." in text(again)


def test_an_import_that_changed_the_seats_meanwhile_refuses_the_forms_save(client, cast):
    ana = expert(
        name="Ana García",
        institution="ISCIII",
        email="ana@example.org",
        position="",
        gender="",
        region="",
        stakeholder_type=None,
    )
    seat(ana, 3)
    opened = version_of(ana)
    upload = (
        "country,working_group,role,stakeholder_type,institution,name,position,gender,region,email\n"
        "ES,3,expert,,ISCIII,Ana García,,,,ana@example.org\n"
        "ES,5,coordinator,,ISCIII,Ana García,,,,ana@example.org\n"
    )
    summary = import_composition(data=upload.encode(), filename="es.csv", user=cast.staff)
    assert summary.for_model("experts").updated == 0  # the seats alone changed
    client.force_login(cast.rep_es)

    response = client.post(
        edit_url(ana), form_data(version=opened, seats=[{"working_group": 3}], email=ana.email)
    )

    assert response.status_code == 200
    assert "your changes were not saved" in text(response)
    assert sorted(ana.memberships.values_list("working_group__number", "role")) == [
        (3, "expert"),
        (5, "coordinator"),
    ]


def test_edit_of_an_expert_removed_meanwhile_is_not_found(client, cast):
    ana = expert(name="Ana García")
    client.force_login(cast.rep_es)
    version = version_of(ana)
    page = client.get(edit_url(ana))
    assert page.status_code == 200
    Expert.objects.filter(pk=ana.pk).delete()

    response = client.post(edit_url(ana), form_data(version=version))

    assert response.status_code == 404


# Removing an expert


def test_remove_asks_then_deletes_the_expert_and_their_seats(
    client, cast, django_assert_num_queries
):
    ana = expert(name="Ana García")
    seat(ana, 3)
    seat(ana, 5)
    client.force_login(cast.rep_es)

    # session, user, country, staff check (2), representations, expert, seats, demo banner
    with django_assert_num_queries(9):
        confirm = client.get(delete_url(ana))
    assert "Remove Ana García?" in text(confirm) and "WG3 expert" in text(confirm)
    assert Expert.objects.filter(pk=ana.pk).exists()

    response = client.post(delete_url(ana), {"version": version_on(confirm)}, follow=True)

    assert not Expert.objects.filter(pk=ana.pk).exists()
    assert not Membership.objects.filter(expert_id=ana.pk).exists()
    assert "Expert “Ana García” and their seats removed." in text(response)
    assert response.redirect_chain[-1][0] == experts_url()
    assert Membership.history.filter(history_type="-").count() == 2


def test_remove_confirmation_queries_do_not_grow_with_seats(
    client, cast, django_assert_num_queries
):
    ana = expert(name="Ana García")
    for number in range(1, 12):
        seat(ana, number)
    client.force_login(cast.rep_es)

    with django_assert_num_queries(9):
        confirm = client.get(delete_url(ana))

    assert "WG1 expert" in text(confirm) and "WG11 expert" in text(confirm)


def version_on(page) -> str:
    match = re.search(r'name="version" value="([^"]*)"', page.content.decode())
    return html.unescape(match.group(1)) if match else ""


def test_removing_an_expert_changed_since_the_confirmation_page_is_refused(client, cast):
    ana = expert(name="Ana García", institution="ISCIII", email="ana@example.org")
    seat(ana, 3)
    client.force_login(cast.rep_es)
    confirm = client.get(delete_url(ana))
    client.force_login(factories.make_representative("colleague", "ES"))
    renamed = client.post(
        edit_url(ana), form_data(version=version_of(ana), name="Ana García López")
    )
    assert renamed.status_code == 302
    client.force_login(cast.rep_es)

    refused = client.post(delete_url(ana), {"version": version_on(confirm)})

    page = text(refused)
    assert refused.status_code == 200
    assert Expert.objects.filter(pk=ana.pk, name="Ana García López").exists()
    assert ana.memberships.count() == 1
    assert 'role="alert"' in refused.content.decode()
    assert "was changed by colleague" in page and "“Ana García” → “Ana García López”" in page
    assert "Nothing was removed" in page
    # The page shows the expert as they are now, with their current version.
    assert "Remove Ana García López?" in page
    ana.refresh_from_db()
    assert version_on(refused) == version_of(ana)
    removed = client.post(delete_url(ana), {"version": version_on(refused)}, follow=True)
    assert not Expert.objects.filter(pk=ana.pk).exists()
    assert "Expert “Ana García López” and their seats removed." in text(removed)


def test_removing_without_the_pages_version_removes_nothing(client, cast):
    ana = expert(name="Ana García")
    client.force_login(cast.rep_es)

    refused = client.post(delete_url(ana))

    assert refused.status_code == 200
    assert "Nothing was removed" in text(refused)
    assert Expert.objects.filter(pk=ana.pk).exists()


def test_removing_an_expert_removed_meanwhile_is_no_server_error(client, cast, monkeypatch):
    ana = expert(name="Ana García")
    client.force_login(cast.rep_es)
    version = version_of(ana)
    stale = Expert.objects.select_related("country").get(pk=ana.pk)
    real = selectors.expert_of_country
    calls = []

    def removed_after_the_fetch(**kwargs):
        # The page fetches the expert; then someone removes them before the removal.
        calls.append(kwargs)
        if len(calls) == 1:
            Expert.objects.filter(pk=ana.pk).delete()
            return stale
        return real(**kwargs)

    monkeypatch.setattr(selectors, "expert_of_country", removed_after_the_fetch)

    response = client.post(delete_url(ana), {"version": version})

    assert response.status_code == 302
    assert not Expert.objects.filter(pk=ana.pk).exists()
    page = text(client.get(response.url))
    assert "“Ana García” was removed meanwhile; there is nothing to remove." in page


# The services behind the pages


@pytest.mark.parametrize("who", ["viewer", "rep_it"])
def test_others_cannot_add_change_or_remove_a_countrys_experts(client, cast, who):
    ana = expert(name="Ana García", email="ana@example.org")
    client.force_login(getattr(cast, who))

    added = client.post(ADD_URL, form_data(email="new@example.org"))
    edited = client.post(edit_url(ana), form_data(version=version_of(ana), position="Chief"))
    removed = client.post(delete_url(ana))

    assert (added.status_code, edited.status_code, removed.status_code) == (403, 403, 403)
    ana.refresh_from_db()
    assert Expert.objects.count() == 1 and ana.position == ""


def test_the_services_check_the_policy_themselves(cast):
    ana = expert(name="Ana García")

    with pytest.raises(PermissionDenied):
        create_expert(user=cast.rep_it, country=cast.es, values={"name": "Luis"})
    with pytest.raises(PermissionDenied):
        update_expert(user=cast.rep_it, expert=ana, version=version_of(ana), values={"name": "X"})
    with pytest.raises(PermissionDenied):
        remove_expert(user=cast.viewer, expert=ana, version=version_of(ana))
    assert list(Expert.objects.values_list("name", flat=True)) == ["Ana García"]
