"""The experts' admin: personal data that a representative sees only for their own country."""

import pytest
from django.urls import reverse

from compositions.models import Expert, Membership
from nmg_registry.concurrency import version_of
from tests import factories
from tests.admin_helpers import (
    admin_url,
    as_admin_user,
    assert_changelist_queries,
    first_countries,
)


@pytest.fixture
def experts(cast):
    """An expert of each cast country, each with a seat in a mirror group of their country."""
    es_group = factories.MirrorGroupFactory(country=cast.es, name="Grupo espejo")
    it_group = factories.MirrorGroupFactory(country=cast.it, name="Gruppo specchio")
    es = factories.ExpertFactory(country=cast.es, name="Lucía Fernández")
    it = factories.ExpertFactory(country=cast.it, name="Giulia Rossi")
    factories.MembershipFactory(expert=es, mirror_group=es_group)
    factories.MembershipFactory(expert=it, mirror_group=it_group)
    return {"es": es, "it": it, "es_group": es_group, "it_group": it_group}


def new_experts(n):
    for country in first_countries(n):
        expert = factories.ExpertFactory(
            country=country, stakeholder_type=factories.stakeholder_type("elsi")
        )
        factories.MembershipFactory(expert=expert, working_group=factories.working_group(1))
        factories.MembershipFactory(expert=expert, working_group=factories.working_group(2))


def new_memberships(n):
    for country in first_countries(n):
        group = factories.MirrorGroupFactory(country=country)
        factories.MembershipFactory(expert__country=country, mirror_group=group)


@pytest.mark.parametrize(
    ("model", "seed", "queries"),
    [(Expert, new_experts, 10), (Membership, new_memberships, 10)],
    ids=["Expert", "Membership"],
)
def test_changelist_costs_fixed_queries_for_staff(
    client, cast, django_assert_num_queries, model, seed, queries
):
    client.force_login(cast.staff)
    assert_changelist_queries(client, django_assert_num_queries, model, seed, queries)


@pytest.mark.parametrize(("model", "key"), [(Expert, "it"), (Membership, None)])
def test_add_change_and_history_pages_render_for_staff(client, cast, experts, model, key):
    obj = experts[key] if key else Membership.objects.get(expert=experts["it"])
    client.force_login(cast.staff)

    assert client.get(admin_url(model, "add")).status_code == 200
    change = client.get(admin_url(model, "change", obj.pk))
    assert change.status_code == 200
    assert "Giulia Rossi" in change.text
    assert client.get(admin_url(model, "history", obj.pk)).status_code == 200


def test_expert_changelist_shows_membership_count(client, cast, experts):
    factories.MembershipFactory(expert=experts["es"], working_group=factories.working_group(3))
    client.force_login(cast.staff)

    page = client.get(admin_url(Expert))

    assert '<td class="field-membership_count">2</td>' in page.text
    assert '<td class="field-membership_count">1</td>' in page.text


def test_representative_lists_only_own_countrys_experts(client, cast, experts):
    client.force_login(as_admin_user(cast.rep_es))

    experts_page = client.get(admin_url(Expert))
    memberships_page = client.get(admin_url(Membership))

    assert experts_page.status_code == 200
    assert "Lucía Fernández" in experts_page.text
    assert "Giulia Rossi" not in experts_page.text
    assert "Lucía Fernández" in memberships_page.text
    assert "Giulia Rossi" not in memberships_page.text


def test_representative_is_refused_other_countrys_expert(client, cast, experts):
    other = experts["it"]
    client.force_login(as_admin_user(cast.rep_es))

    pages = {
        "change": client.get(admin_url(Expert, "change", other.pk)),
        "history": client.get(admin_url(Expert, "history", other.pk)),
        "delete": client.get(admin_url(Expert, "delete", other.pk)),
        "past version": client.get(
            reverse(
                "admin:compositions_expert_simple_history",
                args=[other.pk, other.history.latest().history_id],
            )
        ),
    }
    post = client.post(admin_url(Expert, "change", other.pk), {"name": "Overwritten"})

    assert pages["change"].status_code == 302
    assert pages["history"].status_code == 403
    assert pages["delete"].status_code == 302
    assert pages["past version"].status_code == 403
    assert all("Giulia Rossi" not in page.content.decode() for page in pages.values())
    assert post.status_code == 302
    other.refresh_from_db()
    assert other.name == "Giulia Rossi"


def test_representative_cannot_bulk_delete_other_countrys_experts(client, cast, experts):
    client.force_login(as_admin_user(cast.rep_es))

    client.post(
        admin_url(Expert),
        {
            "action": "delete_selected",
            "_selected_action": [experts["it"].pk, experts["es"].pk],
            "post": "yes",
        },
    )

    assert list(Expert.objects.values_list("name", flat=True)) == ["Giulia Rossi"]


def test_expert_autocomplete_offers_only_own_countrys_experts(client, cast, experts):
    client.force_login(as_admin_user(cast.rep_es))

    found = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "compositions", "model_name": "membership", "field_name": "expert"},
    )

    assert found.status_code == 200
    assert [item["text"] for item in found.json()["results"]] == ["Lucía Fernández (ES)"]


def test_viewer_with_admin_access_sees_no_experts(client, cast, experts):
    client.force_login(as_admin_user(cast.viewer))

    index = client.get(reverse("admin:index"))

    assert "Experts" not in index.text
    assert client.get(admin_url(Expert)).status_code == 403
    assert client.get(admin_url(Membership)).status_code == 403
    assert client.get(admin_url(Expert, "change", experts["es"].pk)).status_code in (302, 403)


def test_membership_in_another_countrys_mirror_group_is_refused(client, cast, experts):
    client.force_login(cast.staff)

    response = client.post(
        admin_url(Membership, "add"),
        {"expert": experts["es"].pk, "mirror_group": experts["it_group"].pk, "role": "expert"},
    )

    assert response.status_code == 200
    assert "The mirror group belongs to another country than the expert." in response.text
    assert experts["es"].memberships.count() == 1


def test_representative_cannot_seat_another_countrys_expert(client, cast, experts):
    client.force_login(as_admin_user(cast.rep_es))

    refused = client.post(
        admin_url(Membership, "add"), {"expert": experts["it"].pk, "role": "coordinator"}
    )
    accepted = client.post(
        admin_url(Membership, "add"),
        {"expert": experts["es"].pk, "working_group": 2, "role": "coordinator"},
    )

    assert "Select a valid choice" in refused.text
    assert not experts["it"].memberships.filter(role="coordinator").exists()
    assert accepted.status_code == 302
    assert experts["es"].memberships.filter(working_group__number=2).exists()


def inline_post(expert, **membership):
    return {
        "version": version_of(Expert.objects.get(pk=expert.pk)),  # as the page was opened
        "country": expert.country_id,
        "name": expert.name,
        "institution": expert.institution,
        "email": expert.email,
        "gender": expert.gender,
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-0-role": "expert",
        **{f"memberships-0-{field}": value for field, value in membership.items()},
    }


def test_membership_inline_validates_seats_of_a_saved_expert(client, cast, experts):
    expert = experts["es"]
    client.force_login(cast.staff)

    page = client.get(admin_url(Expert, "change", expert.pk))
    refused = client.post(
        admin_url(Expert, "change", expert.pk),
        inline_post(expert, mirror_group=experts["it_group"].pk, working_group=3),
    )
    wg2_group = factories.MirrorGroupFactory(
        country=cast.es, kind="working_group", working_group=factories.working_group(2)
    )
    mismatched = client.post(
        admin_url(Expert, "change", expert.pk),
        inline_post(expert, mirror_group=wg2_group.pk, working_group=3),
    )
    accepted = client.post(
        admin_url(Expert, "change", expert.pk), inline_post(expert, working_group=3)
    )

    assert "Grupo espejo" in page.text
    assert "Gruppo specchio" not in page.text
    assert "Select a valid choice" in refused.text
    assert "The mirror group mirrors another working group." in mismatched.text
    assert accepted.status_code == 302
    assert list(expert.memberships.values_list("working_group__number", "mirror_group")) == [
        (1, experts["es_group"].pk),
        (3, None),
    ]


def test_expert_add_page_asks_for_memberships_after_saving(client, cast):
    client.force_login(as_admin_user(cast.rep_es))

    form = client.get(admin_url(Expert, "add"))
    saved = client.post(
        admin_url(Expert, "add"),
        {"country": cast.es.pk, "name": "Nuevo Experto", "gender": "male"},
    )

    assert "memberships-TOTAL_FORMS" not in form.text
    assert "Italy (IT)" not in form.text
    assert saved.status_code == 302
    assert Expert.objects.filter(country=cast.es, name="Nuevo Experto").exists()


def test_representatives_expert_changelist_costs_fixed_queries(
    client, cast, django_assert_num_queries
):
    def new_spanish_experts(n):
        for _ in range(n):
            factories.MembershipFactory(expert__country=cast.es)

    client.force_login(as_admin_user(cast.rep_es))
    assert_changelist_queries(client, django_assert_num_queries, Expert, new_spanish_experts, 11)
