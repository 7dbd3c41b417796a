"""The admin's history views for a representative with admin access: another country's
former drafts, its people and who acted for it never show, in any history list or version
page; a record that moved country shows each reader only its time in their countries; and
only staff revert to a past version. Staff still read everything."""

import re

import pytest
from django.contrib import admin
from django.urls import reverse

from compositions.models import Expert, Membership
from nmg_registry.concurrency import version_of
from nmg_registry.models import Country, MirrorGroup, Representative
from surveys.models import Answer, Response
from surveys.services.answering import save_response
from tests import factories
from tests.admin_helpers import admin_url, as_admin_user
from tests.conftest import DRAFTS, PERSONAL

IT_SUBMITTED = "Testo inviato di IT"
ES_PAST = "Instituto de ES, antes del traslado"  # the moved expert's institution in ES
IT_NOW = "Istituto di IT, dopo il trasferimento"  # and in IT
ES_GROUP_PAST = "Grupo ES antes del traslado"
IT_GROUP_NOW = "Gruppo IT dopo il trasferimento"

# The records whose history the admin shows, with the country each belongs to.
COUNTRY_SCOPED = [Country, MirrorGroup, Representative, Expert, Membership, Response, Answer]


@pytest.fixture
def past(registry):
    """IT submitted its response after a draft; an ES expert (with a seat) and an ES mirror
    group moved to IT; staff changed a representative's role."""
    cast = registry.cast
    response = registry.drafts["IT"]
    save_response(
        user=cast.rep_it,
        survey=registry.survey,
        country=cast.it,
        answers={"notes": IT_SUBMITTED, "nmg_stage": "planning"},
        version=version_of(response),
        submit=True,
    )
    moved = factories.ExpertFactory(country=cast.es, name="Elena Viajera", institution=ES_PAST)
    factories.MembershipFactory(expert=moved, working_group=factories.working_group(4))
    moved.country, moved.institution = cast.it, IT_NOW
    moved._history_user = cast.staff
    moved.save()
    group = MirrorGroup.objects.create(country=cast.es, kind="forum", name=ES_GROUP_PAST)
    group.country, group.name = cast.it, IT_GROUP_NOW
    group.save()
    representation = cast.rep_it.representations.get()
    representation.role = "national_contact_point"
    representation.save()
    return registry


def it_answer(past):
    return Answer.objects.get(response=past.drafts["IT"], question__code="notes")


def history_pages(client, models):
    """Every history list and version page of every record of `models` ever recorded,
    those since removed included: {address: response}."""
    pages = {}
    for model in models:
        opts = model._meta
        for pk, version in model.history.values_list("id", "history_id"):
            for address in (
                reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[pk]),
                reverse(
                    f"admin:{opts.app_label}_{opts.model_name}_simple_history", args=[pk, version]
                ),
            ):
                if address not in pages:
                    pages[address] = client.get(address)
    return pages


def test_representative_reads_no_other_countrys_past_in_any_history_view(client, past):
    cast = past.cast
    client.force_login(as_admin_user(cast.rep_es))

    pages = history_pages(client, COUNTRY_SCOPED)

    foreign = [DRAFTS["IT"], IT_SUBMITTED, *PERSONAL["IT"], "rep_it", IT_NOW, IT_GROUP_NOW]
    for address, page in pages.items():
        assert page.status_code in (200, 403, 404), address
        for text in foreign:
            assert text not in page.content.decode(), (address, text)
    # ES's own past, including the time the moved records spent in ES, stays readable.
    readable = "".join(page.content.decode() for page in pages.values())
    assert DRAFTS["ES"] in readable
    assert ES_PAST in readable
    assert ES_GROUP_PAST in readable


def test_the_country_a_record_moved_to_reads_none_of_its_past_elsewhere(client, past):
    client.force_login(as_admin_user(past.cast.rep_it))

    pages = history_pages(client, COUNTRY_SCOPED)

    readable = "".join(page.content.decode() for page in pages.values())
    for text in (*PERSONAL["ES"], DRAFTS["ES"], "rep_es", ES_PAST, ES_GROUP_PAST):
        assert text not in readable, text
    assert IT_NOW in readable
    assert DRAFTS["IT"] in readable  # its own former draft


def test_staff_read_every_countrys_past(client, past):
    client.force_login(past.cast.staff)
    answer = it_answer(past)

    listed = client.get(admin_url(Answer, "history", answer.pk))
    draft = answer.history.earliest()
    version = client.get(
        reverse("admin:surveys_answer_simple_history", args=[answer.pk, draft.history_id])
    )
    response = client.get(admin_url(Response, "history", past.drafts["IT"].pk))

    assert DRAFTS["IT"] in listed.text
    assert DRAFTS["IT"] in version.text
    assert "rep_it" in response.text


def test_a_submitted_answers_history_is_refused_to_another_country(client, past):
    answer = it_answer(past)
    draft = answer.history.earliest()
    client.force_login(as_admin_user(past.cast.rep_es))

    listed = client.get(admin_url(Answer, "history", answer.pk))
    version = client.get(
        reverse("admin:surveys_answer_simple_history", args=[answer.pk, draft.history_id])
    )
    readable = client.get(admin_url(Answer, "change", answer.pk))

    assert listed.status_code == 403
    assert version.status_code == 403
    assert readable.status_code == 200  # the submitted answer itself is for every reader
    assert IT_SUBMITTED in readable.text
    assert DRAFTS["IT"] not in readable.text


def test_a_representative_cannot_write_a_past_version_over_another_countrys_answer(client, past):
    answer = it_answer(past)
    draft = answer.history.earliest()
    client.force_login(as_admin_user(past.cast.rep_es))

    posted = client.post(
        reverse("admin:surveys_answer_simple_history", args=[answer.pk, draft.history_id]),
        {"text": "Overwritten from ES", "option": ""},
    )

    assert posted.status_code == 403
    answer.refresh_from_db()
    assert answer.text == IT_SUBMITTED


def test_only_staff_revert_even_their_own_countrys_record(client, past):
    answer = it_answer(past)
    draft = answer.history.earliest()
    address = reverse("admin:surveys_answer_simple_history", args=[answer.pk, draft.history_id])
    client.force_login(as_admin_user(past.cast.rep_it))

    shown = client.get(address)
    posted = client.post(address, {"text": "Back to the draft", "option": ""})

    assert shown.status_code == 200
    assert DRAFTS["IT"] in shown.text
    assert 'name="text"' not in shown.text  # read, not edited
    assert posted.status_code == 403
    answer.refresh_from_db()
    assert answer.text == IT_SUBMITTED


def test_staff_revert_to_a_past_version(client, past):
    answer = it_answer(past)
    draft = answer.history.earliest()
    client.force_login(past.cast.staff)

    posted = client.post(
        reverse("admin:surveys_answer_simple_history", args=[answer.pk, draft.history_id]),
        {"text": DRAFTS["IT"], "option": "", "version": version_of(answer.response)},
    )

    assert posted.status_code == 302
    answer.refresh_from_db()
    assert answer.text == DRAFTS["IT"]


def test_a_representative_record_version_lists_no_accounts(client, past):
    representation = past.cast.rep_es.representations.get()
    version = representation.history.latest()
    client.force_login(as_admin_user(past.cast.rep_es))

    page = client.get(
        reverse(
            "admin:nmg_registry_representative_simple_history",
            args=[representation.pk, version.history_id],
        )
    )

    assert page.status_code == 200
    assert "rep_es" in page.text  # the record's own user, read-only
    assert '<select name="user"' not in page.text
    for other in ("rep_it", "viewer"):
        assert other not in page.text


def test_staff_revert_form_still_offers_every_account(client, past):
    representation = past.cast.rep_es.representations.get()
    version = representation.history.latest()
    client.force_login(past.cast.staff)

    page = client.get(
        reverse(
            "admin:nmg_registry_representative_simple_history",
            args=[representation.pk, version.history_id],
        )
    )

    assert '<select name="user"' in page.text
    assert "rep_it" in page.text and "viewer" in page.text


def test_who_submitted_for_another_country_is_not_shown(client, past):
    it_response = past.drafts["IT"]
    client.force_login(as_admin_user(past.cast.rep_es))

    listed = client.get(admin_url(Response))
    change = client.get(admin_url(Response, "change", it_response.pk))
    history = client.get(admin_url(Response, "history", it_response.pk))

    assert admin_url(Response, "change", it_response.pk) in listed.text
    assert change.status_code == 200
    assert history.status_code == 403
    for page in (listed, change, history):
        assert "rep_it" not in page.text


def test_who_submitted_is_shown_to_staff_and_the_country(client, past):
    it_response = past.drafts["IT"]
    for user in (past.cast.staff, as_admin_user(past.cast.rep_it)):
        client.force_login(user)

        listed = client.get(admin_url(Response))
        change = client.get(admin_url(Response, "change", it_response.pk))

        assert re.search(r'<td class="field-submitted_by[^"]*">rep_it</td>', listed.text), user
        assert "rep_it" in change.text


def test_a_users_choice_offers_only_the_readers_countrys_people(rf, past):
    request = rf.get("/")
    request.user = as_admin_user(past.cast.rep_es)
    response_admin = admin.site.get_model_admin(Response)

    field = response_admin.formfield_for_foreignkey(
        Response._meta.get_field("submitted_by"), request
    )

    assert list(field.queryset) == [past.cast.rep_es]
