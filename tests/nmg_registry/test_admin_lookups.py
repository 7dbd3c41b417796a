"""The admin's query strings: a changelist filters only through its own list filters, date
hierarchy and search; anything else is the admin's ordinary invalid-lookup redirect (`?e=1`),
never a database error, on every model admin of the site. Run on PostgreSQL too, which
refuses a NUL in text and a malformed regular expression where SQLite says nothing."""

import pytest
from django.contrib import admin
from django.db import models
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from compositions.models import Expert, Membership
from nmg_registry.models import Country, MirrorGroup, Representative
from surveys.models import Answer, Response
from tests import factories
from tests.admin_helpers import admin_url, as_admin_user

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
HISTORY_ADMINS = [
    model for model, model_admin in REGISTERED if isinstance(model_admin, SimpleHistoryAdmin)
]
INVALID = "?e=1"


def label(value):
    return value._meta.label if isinstance(value, type) else None


def first_field(model, kinds):
    return next((field for field in model._meta.concrete_fields if isinstance(field, kinds)), None)


def foreign_lookups(model) -> list[dict]:
    """Lookups no changelist of the registry offers: on local fields, through relations
    (to a password!), with values that no column can hold."""
    params = [
        {"name__regex": "["},
        {"pk__in": "x"},
        {"id__gt": "abc"},
        {"id__in": "1,\x00"},
        {"user__password__startswith": "a"},
        {"country__representatives__user__password__startswith": "a"},
        {"history__history_user__password__startswith": "a"},
    ]
    text = first_field(model, (models.CharField, models.TextField))
    if text is not None:
        name = text.name
        params += [
            {f"{name}__regex": "["},
            {f"{name}__regex": "*"},
            {f"{name}__iregex": "\\"},
            {f"{name}__regex": "')"},
            {f"{name}__startswith": "\x00"},
            {f"{name}__contains": "'; select 1; --"},
        ]
    relation = first_field(model, models.ForeignKey)
    if relation is not None:
        name = relation.name
        params += [
            {f"{name}__exact": "notanint"},
            {f"{name}__id__exact": "\x00"},
            {f"{name}__code__exact": "\x00"},
            {f"{name}__pk__regex": "["},
        ]
    date = first_field(model, models.DateField)  # DateTimeField too
    if date is not None:
        name = date.name
        params += [
            {f"{name}__gte": "junk"},
            {f"{name}__lt": "\x00"},
            {f"{name}__year": "99999999999"},
            {f"{name}__range": "a,b"},
        ]
    return params


# Django's own parameters with junk values keep their meaning: never a server error.
OWN_PARAMETERS = [
    {"q": "\x00"},
    {"q": "ES\x00"},
    {"q": "'\")\\"},
    {"q": '"'},
    {"q": "[*"},
    {"o": "\x00"},
    {"o": "1.-x.99"},
    {"p": "\x00"},
    {"p": "-1"},
    {"e": "\x00"},
    {"all": "\x00"},
    {"_popup": "\x00"},
    {"_facets": "\x00"},
]


@pytest.fixture
def superuser(registry):
    return factories.UserFactory(username="root", is_staff=True, is_superuser=True)


def own_filter_parameters(client, url) -> list[str]:
    """The parameters the changelist's own list filters take."""
    page = client.get(url)
    assert page.status_code == 200
    return [
        parameter
        for spec in page.context["cl"].filter_specs
        for parameter in spec.expected_parameters()
    ]


# The lists a representative with admin access opens: their countries' records.
REPRESENTATIVES_LISTS = [Country, MirrorGroup, Representative, Expert, Membership, Response, Answer]
READERS = [(model, "superuser") for model, _ in REGISTERED] + [
    (model, "rep_es") for model in REPRESENTATIVES_LISTS
]


NUL_REFUSAL = "nmg_registry.middleware.RefuseNulMiddleware"


@pytest.fixture(autouse=True)
def admin_alone(settings):
    """The admin without the site-wide refusal of NUL bytes: it must hold on its own."""
    site_wide = list(settings.MIDDLEWARE)
    settings.MIDDLEWARE = [name for name in site_wide if name != NUL_REFUSAL]
    return site_wide


def test_a_nul_in_a_lookup_is_refused_by_the_site_before_the_admin(
    client, superuser, settings, admin_alone
):
    settings.MIDDLEWARE = admin_alone
    client.force_login(superuser)

    page = client.get(admin_url(Expert), {"name__startswith": "\x00"})

    assert page.status_code == 400
    assert "name__startswith" in page.content.decode()


@pytest.mark.parametrize(("model", "reader"), READERS, ids=lambda v: label(v) or v)
def test_lookups_outside_the_filters_are_refused_on_every_changelist(
    client, superuser, model, reader
):
    if reader == "superuser":
        client.force_login(superuser)
    else:
        client.force_login(as_admin_user(Representative.objects.get(user__username=reader).user))
    url = admin_url(model)
    assert client.get(url).status_code == 200

    for params in foreign_lookups(model):
        page = client.get(url, params)

        assert (page.status_code, page.get("Location")) == (302, url + INVALID), params


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=label)
def test_own_filters_and_parameters_never_fail_on_bad_values(client, superuser, model, model_admin):
    client.force_login(superuser)
    url = admin_url(model)
    bad_values = {"\x00": True, "ES\x00": True, "notanint": False, "[": False}

    for parameter in own_filter_parameters(client, url):
        for value, refused in bad_values.items():
            page = client.get(url, {parameter: value})

            assert page.status_code in (200, 302), (parameter, value)
            if refused:  # a NUL is no value of any column: the admin's invalid lookup
                assert page.get("Location") == url + INVALID, (parameter, value)
    for params in OWN_PARAMETERS:
        page = client.get(url, params)

        assert page.status_code in (200, 302), params


def test_the_unfiltered_list_says_which_parameter_was_refused(client, superuser):
    client.force_login(superuser)

    page = client.get(admin_url(Expert), {"name__regex": "[", "q": "Ana"}, follow=True)

    assert page.redirect_chain == [(admin_url(Expert) + INVALID, 302)]
    assert "Not a filter of this list, or a value it cannot hold: name__regex." in page.text


def test_a_search_for_a_nul_is_refused_with_a_message(client, superuser):
    client.force_login(superuser)

    page = client.get(admin_url(Expert), {"q": "Ana\x00"})

    assert page.status_code == 200
    assert "Null characters are not allowed." in page.text


def test_own_filters_and_search_still_filter(client, superuser, registry):
    client.force_login(superuser)
    es = registry.cast.es

    by_country = client.get(admin_url(Expert), {"country__id__exact": es.pk})
    by_status = client.get(admin_url(Response), {"status__exact": "submitted"})
    by_search = client.get(admin_url(Expert), {"q": "Espinosa"})
    by_choice = client.get(admin_url(Country), {"participation__exact": "signatory"})

    assert [e.name for e in by_country.context["cl"].result_list] == ["Ana Espinosa"]
    submitted = Response.objects.filter(status="submitted")
    assert submitted.count() < Response.objects.count()
    assert {r.pk for r in by_status.context["cl"].result_list} == {r.pk for r in submitted}
    assert [e.name for e in by_search.context["cl"].result_list] == ["Ana Espinosa"]
    assert by_choice.context["cl"].result_count > 0
    assert all(c.participation == "signatory" for c in by_choice.context["cl"].result_list)


@pytest.mark.parametrize(
    "params",
    [
        {"name__regex": "["},
        {"email__startswith": "\x00"},
        {"country__code__exact": "\x00"},
        {"country__id__exact": "\x00"},
        {"user__password__startswith": "a"},
        {"q": "\x00"},
    ],
    ids=repr,
)
def test_a_representative_with_admin_access_gets_the_same_answers(client, registry, params):
    client.force_login(as_admin_user(registry.cast.rep_es))
    url = admin_url(Expert)

    page = client.get(url, params)

    assert page.status_code in (200, 302)
    if page.status_code == 302:
        assert page["Location"] == url + INVALID
    else:
        assert "Null characters are not allowed." in page.text


def test_the_autocomplete_search_for_a_nul_finds_nothing(client, superuser):
    client.force_login(superuser)

    found = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "surveys", "model_name": "answer", "field_name": "response", "term": "\x00"},
    )

    assert found.status_code == 200
    assert found.json()["results"] == []


@pytest.mark.parametrize("model", HISTORY_ADMINS, ids=label)
def test_history_pages_of_a_key_that_is_none_are_not_found(client, superuser, model):
    client.force_login(superuser)
    opts = model._meta
    base = f"/admin/{opts.app_label}/{opts.model_name}/"

    for key in ["abc", "%00", "1%00", "-1", "9" * 30]:
        for address in ["{}/history/", "{}/history/1/", "1/history/{}/", "{}/history/{}/"]:
            page = client.get(base + address.format(key, key))

            assert page.status_code == 404, address.format(key, key)
