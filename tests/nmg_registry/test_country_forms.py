"""The country record form: who may use it, what it saves, and edits that cross."""

import re

import pytest

from nmg_registry import services
from nmg_registry.concurrency import version_of
from nmg_registry.models import Country, Representative
from tests import factories

pytestmark = pytest.mark.django_db

EDIT = "/countries/ES/edit/"


def _version(page: str) -> str:
    return re.search(r'name="version" value="([^"]*)"', page).group(1)


def _post_data(page: str, **values) -> dict:
    """What the browser sends back: every field as the page shows it, then the changes."""
    data = {"version": _version(page)}
    for name, value in re.findall(
        r'<input type="hidden" name="(roles-[^"]+)" value="([^"]*)"', page
    ):
        data[name] = value
    for name, value in re.findall(r'<input type="url" name="([^"]+)" value="([^"]*)"', page):
        data[name] = value
    for name, selected in re.findall(
        r'<select name="(roles-\d+-role)"[^>]*>.*?<option value="([^"]+)"[^>]*selected', page, re.S
    ):
        data[name] = selected
    notes = re.search(r'<textarea name="notes"[^>]*>\n?(.*?)</textarea>', page, re.S)
    data["notes"] = notes.group(1) if notes else ""
    data.update(values)
    return data


def _save(user, **values):
    """Save Spain's record through the service, as `user`, on its current version."""
    country = Country.objects.get(code="ES")
    fields = {
        "health_genomics_plan_url": country.health_genomics_plan_url,
        "national_roadmap_url": country.national_roadmap_url,
        "notes": country.notes,
        **values,
    }
    services.update_country_record(
        user=user, country=country, version=version_of(country), roles={}, **fields
    )


def test_anonymous_visitors_sign_in_before_the_record_form(client, cast):
    response = client.get(EDIT)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={EDIT}"


@pytest.mark.parametrize("who", ["viewer", "rep_it"])
def test_viewers_and_other_representatives_may_not_open_or_post_the_form(client, cast, who):
    client.force_login(getattr(cast, who))

    assert client.get(EDIT).status_code == 403
    assert "Only the representatives of Spain and WP6 staff may change its record." in (
        client.get(EDIT).content.decode()
    )
    response = client.post(EDIT, {"version": version_of(cast.es), "notes": "Hijacked"})

    assert response.status_code == 403
    assert Country.objects.get(code="ES").notes == ""


@pytest.mark.parametrize("who", ["rep_es", "staff"])
def test_the_countrys_representatives_and_staff_open_the_form(client, cast, who):
    client.force_login(getattr(cast, who))

    response = client.get("/countries/es/edit/")

    page = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_health_genomics_plan_url">National health genomics plan' in page
    assert '<label for="id_notes">Notes' in page
    assert _version(page) == version_of(cast.es)


def test_the_form_shows_each_representatives_name_and_email_read_only(client, cast):
    cast.rep_es.first_name, cast.rep_es.last_name = "Ana", "Espinosa"
    cast.rep_es.email = "ana@example.es"
    cast.rep_es.save()
    client.force_login(cast.rep_es)

    page = client.get(EDIT).content.decode()

    assert '<th scope="row">Ana Espinosa</th>' in page
    assert "<td>ana@example.es</td>" in page
    assert 'class="visually-hidden">Role of Ana Espinosa</label>' in page
    assert 'name="email"' not in page and 'ana@example.es"' not in page  # no input for it


def test_a_representative_saves_the_record_and_roles_with_confirmation_and_history(client, cast):
    second = factories.make_representative("second_es", "ES", role="other")
    link = Representative.objects.get(user=second)
    client.force_login(cast.rep_es)
    page = client.get(EDIT).content.decode()

    index = re.search(rf'name="(roles-\d+)-representative" value="{link.pk}"', page).group(1)
    response = client.post(
        EDIT,
        _post_data(
            page,
            health_genomics_plan_url="https://www.example.es/plan",
            national_roadmap_url="https://www.example.es/roadmap",
            notes="Reviewed in 2025.",
            **{f"{index}-role": "national_contact_point"},
        ),
        follow=True,
    )

    assert response.redirect_chain == [("/countries/ES/", 302)]
    assert "The record of Spain was saved." in response.content.decode()
    country = Country.objects.get(code="ES")
    assert country.health_genomics_plan_url == "https://www.example.es/plan"
    assert country.national_roadmap_url == "https://www.example.es/roadmap"
    assert country.notes == "Reviewed in 2025."
    assert Representative.objects.get(pk=link.pk).role == "national_contact_point"
    assert Representative.objects.get(user=cast.rep_es).role == "wg1_representative"
    latest = country.history.order_by("-history_id").first()
    assert latest.history_user == cast.rep_es and latest.notes == "Reviewed in 2025."
    role_change = Representative.history.filter(id=link.pk).order_by("-history_id").first()
    assert role_change.history_user == cast.rep_es
    assert role_change.role == "national_contact_point"


def test_changing_only_a_role_moves_the_countrys_version_on(cast):
    link = Representative.objects.get(user=cast.rep_es)
    before = version_of(cast.es)

    services.update_country_record(
        user=cast.rep_es,
        country=cast.es,
        version=before,
        health_genomics_plan_url="",
        national_roadmap_url="",
        notes="",
        roles={link.pk: ("wg1_representative", "other")},
    )

    assert version_of(Country.objects.get(pk=cast.es.pk)) != before
    assert Representative.objects.get(pk=link.pk).role == "other"


def test_a_bad_address_is_named_next_to_its_field_and_nothing_is_saved(client, cast):
    client.force_login(cast.rep_es)
    page = client.get(EDIT).content.decode()

    response = client.post(
        EDIT, _post_data(page, national_roadmap_url="not an address", notes="Changed")
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in page
    assert (
        '<div id="id_national_roadmap_url_error"><p class="field-error">Enter a valid URL.</p>'
        in page
    )
    field = re.search(r'<input type="url" name="national_roadmap_url"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in field
    assert 'aria-describedby="id_national_roadmap_url_helptext id_national_roadmap_url_error"' in (
        field
    )
    assert (
        '<a href="#id_national_roadmap_url">National 1+MG roadmap: Enter a valid URL.</a>' in page
    )
    assert Country.objects.get(code="ES").notes == ""


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ('https://ok.example/a"b<c', "“&quot;” is not allowed in a web address; write it as %22"),
        ("https://ok.example/a%zz", "a % in a web address starts a two-digit escape"),
        ("https://ok.example/#one#two", "a web address has at most one #"),
        ("https://ok.example/plan?v=[2]", "[ and ] are only allowed around an IPv6 address"),
    ],
)
def test_an_address_that_the_api_could_not_call_a_uri_is_refused(client, cast, address, problem):
    client.force_login(cast.rep_es)
    page = client.get(EDIT).content.decode()

    response = client.post(EDIT, _post_data(page, health_genomics_plan_url=address, notes="New"))

    page = response.content.decode()
    assert response.status_code == 200
    assert (
        '<div id="id_health_genomics_plan_url_error"><p class="field-error">Enter a valid URL: '
        f"{problem}" in page
    )
    saved = Country.objects.get(code="ES")
    assert (saved.health_genomics_plan_url, saved.notes) == ("", "")


def test_the_service_refuses_an_address_that_is_no_uri_from_any_door(cast):
    with pytest.raises(services.ValidationError) as refused:
        _save(cast.rep_es, national_roadmap_url="https://ok.example/a<b", notes="New")

    assert refused.value.message_dict["national_roadmap_url"] == [
        "Enter a valid URL: “<” is not allowed in a web address; write it as %3C."
    ]
    assert Country.objects.get(code="ES").notes == ""


def test_an_address_with_escapes_a_query_and_a_fragment_is_saved(client, cast):
    client.force_login(cast.rep_es)
    page = client.get(EDIT).content.decode()
    address = "https://www.example.es/plan%20nacional?lang=es&v=2#part-2"

    response = client.post(EDIT, _post_data(page, health_genomics_plan_url=address))

    assert response.status_code == 302
    assert Country.objects.get(code="ES").health_genomics_plan_url == address


def test_a_service_call_refuses_someone_who_does_not_keep_the_country(cast):
    with pytest.raises(services.PermissionDenied):
        services.update_country_record(
            user=cast.rep_it,
            country=cast.es,
            version=version_of(cast.es),
            health_genomics_plan_url="",
            national_roadmap_url="",
            notes="Not mine to write",
            roles={},
        )
    assert Country.objects.get(code="ES").notes == ""


def test_roles_of_another_countrys_representatives_are_refused(cast):
    other = Representative.objects.get(user=cast.rep_it)

    with pytest.raises(services.ValidationError):
        services.update_country_record(
            user=cast.staff,
            country=cast.es,
            version=version_of(cast.es),
            health_genomics_plan_url="",
            national_roadmap_url="",
            notes="",
            roles={other.pk: ("wg1_representative", "other")},
        )
    assert Representative.objects.get(pk=other.pk).role == "wg1_representative"


def test_an_edit_that_crossed_another_shows_who_changed_what_and_keeps_their_change(client, cast):
    cast.staff.first_name, cast.staff.last_name = "Wendy", "Staff"
    cast.staff.save()
    _save(cast.rep_es, notes="")  # an earlier save: the history the message is read from
    client.force_login(cast.rep_es)
    page = client.get(EDIT).content.decode()  # the form is opened on this version
    _save(cast.staff, notes="Staff note")  # meanwhile, staff save the record

    response = client.post(EDIT, _post_data(page, notes="Representative note"))

    page = response.content.decode()
    assert response.status_code == 200
    alert = page[page.index('role="alert"') :].split("</div>")[0]
    assert "Spain (ES) was changed by Wendy Staff" in alert
    assert "notes: “” → “Staff note”" in alert
    assert "your changes were not saved" in alert
    assert Country.objects.get(code="ES").notes == "Staff note"
    # The form now shows the current record and its new version: a second save works.
    assert re.search(r'<textarea name="notes"[^>]*>\n?Staff note</textarea>', page)
    assert _version(page) == version_of(Country.objects.get(code="ES"))

    response = client.post(EDIT, _post_data(page, notes="Staff note; representative note"))

    assert response.status_code == 302
    assert Country.objects.get(code="ES").notes == "Staff note; representative note"


@pytest.mark.parametrize("representatives", [2, 10])
def test_the_form_answers_in_fixed_queries(
    client, cast, representatives, django_assert_num_queries
):
    for i in range(representatives - 1):
        factories.make_representative(f"rep_es_{i}", "ES")
    client.force_login(cast.rep_es)

    # session, user, country, the user's permissions (2) and own countries, the
    # representatives, demo-data notice
    with django_assert_num_queries(8):
        response = client.get(EDIT)
    # per row: the representative, the role and the role the form was opened with
    assert response.content.decode().count('name="roles-') == 3 * representatives + 4


# Roles changed elsewhere (the admin) while the form is open


def _set_role_as(user, representative, role):
    """A role change made elsewhere, e.g. by staff in the admin: the country's version stays."""
    representative.role = role
    representative._history_user = user
    representative.save()


def test_a_role_changed_meanwhile_is_kept_when_the_form_saves_only_the_notes(client, cast):
    link = Representative.objects.get(user=cast.rep_es)
    client.force_login(cast.rep_es)
    page = client.get(EDIT).content.decode()  # shows the role "WG1 representative"
    _set_role_as(cast.staff, link, "national_contact_point")

    response = client.post(EDIT, _post_data(page, notes="Typo fixed."), follow=True)

    assert response.redirect_chain == [("/countries/ES/", 302)]
    assert "The record of Spain was saved." in response.content.decode()
    assert Country.objects.get(code="ES").notes == "Typo fixed."
    assert Representative.objects.get(pk=link.pk).role == "national_contact_point"


def test_changing_a_role_that_was_changed_meanwhile_shows_the_conflict(client, cast):
    cast.staff.first_name, cast.staff.last_name = "Wendy", "Staff"
    cast.staff.save()
    second = factories.make_representative("second_es", "ES", role="other")
    second.first_name, second.last_name = "Bruno", "Segundo"
    second.save()
    link = Representative.objects.get(user=second)
    client.force_login(cast.rep_es)
    page = client.get(EDIT).content.decode()
    index = re.search(rf'name="(roles-\d+)-representative" value="{link.pk}"', page).group(1)
    _set_role_as(cast.staff, link, "national_contact_point")

    response = client.post(
        EDIT,
        _post_data(page, notes="Mine", **{f"{index}-role": "scientific_coordinator"}),
    )

    page = response.content.decode()
    assert response.status_code == 200
    alert = page[page.index('role="alert"') :].split("</div>")[0]
    assert "The role of Bruno Segundo was changed by Wendy Staff" in alert
    assert "role: “Other” → “National contact point”" in alert
    assert "your changes were not saved" in alert
    assert Representative.objects.get(pk=link.pk).role == "national_contact_point"
    assert Country.objects.get(code="ES").notes == ""
    # The form shows the current role: a second save, now informed, goes through.
    row = re.search(rf'<select name="{index}-role".*?</select>', page, re.S).group(0)
    assert re.search(r'<option value="national_contact_point"[^>]*selected', row)

    response = client.post(
        EDIT,
        _post_data(page, notes="Mine", **{f"{index}-role": "scientific_coordinator"}),
    )

    assert response.status_code == 302
    assert Representative.objects.get(pk=link.pk).role == "scientific_coordinator"
    assert Country.objects.get(code="ES").notes == "Mine"
