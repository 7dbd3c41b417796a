"""The admin's list actions: a selection holding a key the model's key cannot hold is refused
with a message and a redirect, nothing changed, on every changelist with actions of the site
(the registry's, the surveys' and compositions', Django's users and groups, django-axes'),
for staff and for a representative given admin access. Run on PostgreSQL too."""

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import RequestFactory

from compositions.models import Expert
from nmg_registry import services
from nmg_registry.models import ApiToken, Country, Representative
from surveys.models import Survey
from tests import factories
from tests.admin_helpers import admin_url, as_admin_user

# Marked, not only reached through fixtures: the user fixture is looked up by name inside the
# walk, and pytest-django orders a test by the marks and fixtures it can see.
pytestmark = pytest.mark.django_db

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
# Not a number; a fraction; past any integer column; a number in other notation; nothing.
BAD_KEYS = ["abc", "1.5", "99999999999999999999", "-99999999999999999999", "1e3", "", " "]
REFUSED = "Not an item of this list: {!r}. No items have been changed."


@pytest.fixture
def superuser(registry):
    return factories.UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def rep_es(registry):
    return as_admin_user(Representative.objects.get(user__username="rep_es").user)


def actions_of(model, user) -> list[str]:
    """The actions the user's changelist of the model offers (none where they cannot open it)."""
    request = RequestFactory().get(admin_url(model))
    request.user = user
    model_admin = admin.site.get_model_admin(model)
    if not model_admin.has_view_or_change_permission(request):
        return []
    return sorted(model_admin.get_actions(request))


def rows_of(model) -> list[dict]:
    """Every stored value of the model's rows, and of its history where it keeps one."""
    rows = list(model._default_manager.order_by("pk").values())
    history = getattr(model, "history", None)
    if history is not None:
        rows += list(history.order_by("pk").values())
    return rows


def post_action(client, model, action, selected, follow=False, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: selected, "index": "0", **extra}
    return client.post(admin_url(model), data, follow=follow)


def test_every_changelist_with_actions_is_walked(superuser, rep_es):
    """The walk below covers the lists the site offers actions on, for both kinds of user."""
    with_actions = {model._meta.label for model, _ in REGISTERED if actions_of(model, superuser)}
    rep_actions = {model._meta.label for model, _ in REGISTERED if actions_of(model, rep_es)}

    assert {
        "compositions.Expert",
        "compositions.Membership",
        "nmg_registry.ApiToken",
        "nmg_registry.Country",
        "surveys.Survey",
        "surveys.Answer",
        "auth.User",
        "auth.Group",
    } <= with_actions
    assert len(with_actions) >= 14
    assert rep_actions and rep_actions <= with_actions


@pytest.mark.parametrize("reader", ["superuser", "rep_es"])
def test_bad_selected_keys_are_refused_on_every_action_of_every_list(client, request, reader):
    user = request.getfixturevalue(reader)
    client.force_login(user)
    walked = 0

    for model, _ in REGISTERED:
        url = admin_url(model)
        for action in actions_of(model, user):
            for key in BAD_KEYS:
                before = rows_of(model)

                page = post_action(client, model, action, key)

                assert (page.status_code, page.get("Location")) == (302, url), (model, action, key)
                assert rows_of(model) == before, (model, action, key)
                walked += 1
    assert walked > 0


@pytest.mark.parametrize("key", ["abc", "1.5", "99999999999999999999"])
def test_the_refusal_names_the_key_and_changes_nothing(client, superuser, registry, key):
    client.force_login(superuser)
    expert = Expert.objects.order_by("pk").first()
    experts = Expert.objects.count()

    page = post_action(
        client, Expert, "delete_selected", [str(expert.pk), key], post="yes", follow=True
    )

    assert page.status_code == 200
    assert page.redirect_chain == [(admin_url(Expert), 302)]
    assert [str(message) for message in page.context["messages"]] == [REFUSED.format(key)]
    assert Expert.objects.count() == experts


def test_the_confirmation_step_of_a_deletion_refuses_bad_keys_too(client, superuser, registry):
    client.force_login(superuser)
    countries = Country.objects.count()

    page = client.post(
        admin_url(Country),
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: ["abc"], "post": "yes"},
    )

    assert (page.status_code, page["Location"]) == (302, admin_url(Country))
    assert Country.objects.count() == countries


def test_actions_on_good_keys_still_act(client, superuser, registry):
    client.force_login(superuser)
    token, _key = services.create_api_token(user=superuser, name="probe")

    page = post_action(client, ApiToken, "revoke", str(token.pk), follow=True)

    assert page.status_code == 200
    assert "Revoked 1 API token(s)." in page.text
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_negative_or_unknown_key_selects_nothing(client, superuser, registry):
    client.force_login(superuser)
    before = rows_of(Survey)

    page = post_action(client, Survey, "close_rounds", ["-1", "2147483647"], follow=True)
    deletion = post_action(client, Country, "delete_selected", ["-1", "2147483647"])

    assert page.status_code == 200
    assert rows_of(Survey) == before
    assert deletion.status_code == 200  # the confirmation, of nothing
    assert not deletion.context["queryset"].exists()


@pytest.mark.parametrize(
    "extra",
    [
        {"index": "abc"},
        {"index": "99"},
        {"index": "-5"},
        {"index": "1.5"},
        {"action": "no_such_action"},
        {"action": ""},
        {"select_across": "0", ACTION_CHECKBOX_NAME: "abc"},
        {"select_across": "1", ACTION_CHECKBOX_NAME: "abc"},
    ],
    ids=repr,
)
def test_other_action_parameters_never_fail(client, superuser, registry, extra):
    client.force_login(superuser)
    experts = Expert.objects.count()
    data = {"action": "delete_selected", ACTION_CHECKBOX_NAME: "1", "index": "0"} | extra

    page = client.post(admin_url(Expert), data)

    assert page.status_code in (200, 302), extra
    assert Expert.objects.count() == experts  # at most the confirmation page


@pytest.mark.parametrize("to_field", ["abc", "password", "id\x01", "country__code"])
def test_a_to_field_no_relation_offers_is_a_bad_request(client, superuser, registry, to_field):
    client.force_login(superuser)

    page = client.get(admin_url(Expert), {"_to_field": to_field, "_popup": "1"})

    assert page.status_code == 400


@pytest.mark.parametrize("kept", ["pk__in=abc", "id__gt=1.5", "o=x.y", "%", "a=1&b"], ids=repr)
def test_the_kept_list_filters_of_a_change_form_never_fail(client, superuser, registry, kept):
    """`_changelist_filters` travels from the list to the change form and back: the list it
    leads back to takes only its own filters (the invalid-lookup redirect for the rest)."""
    client.force_login(superuser)
    country = Country.objects.order_by("pk").first()
    url = admin_url(Country, "change", country.pk)

    form = client.get(url, {"_changelist_filters": kept})
    back = client.get(admin_url(Country) + "?" + kept)
    deletion = client.get(admin_url(Country, "delete", country.pk), {"_changelist_filters": kept})

    assert form.status_code == deletion.status_code == 200
    assert back.status_code in (200, 302)
