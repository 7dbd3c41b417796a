"""The admin writes through the records' services: a rule a site page enforces is refused in
the admin with the page's own message, and nothing is written (no history row)."""

import html

import pytest
from django.urls import reverse

from compositions.models import Expert, Membership
from nmg_registry.concurrency import version_of
from nmg_registry.models import Country, MirrorGroup
from surveys.models import Answer, Response
from tests import factories
from tests.admin_helpers import admin_url, as_admin_user


def history_rows(*models) -> int:
    return sum(model.history.count() for model in models)


def shown(page) -> str:
    return html.unescape(page.content.decode())


@pytest.fixture
def admin_rep(client, cast):
    """ES's representative with access to the admin."""
    client.force_login(as_admin_user(cast.rep_es))
    return client


# The country record


def test_a_stale_country_record_is_refused_with_who_changed_it(client, cast):
    client.force_login(cast.staff)
    opened = version_of(cast.es)
    meanwhile = Country.objects.get(pk=cast.es.pk)
    meanwhile.notes = "Saved on the record page."
    meanwhile._history_user = cast.rep_es
    meanwhile.save()
    before = history_rows(Country)

    refused = client.post(
        admin_url(Country, "change", cast.es.pk),
        {
            "version": opened,
            "code": "ES",
            "iso_code": "ES",
            "name": "Spain",
            "participation": "signatory",
            "notes": "Overwritten?",
            "representatives-TOTAL_FORMS": "0",
            "representatives-INITIAL_FORMS": "0",
        },
    )

    assert refused.status_code == 200
    assert "was changed by rep_es" in shown(refused)
    assert "notes: “” → “Saved on the record page.”" in shown(refused)
    assert history_rows(Country) == before
    assert Country.objects.get(pk=cast.es.pk).notes == "Saved on the record page."


def test_a_representative_keeps_in_the_admin_only_what_the_record_page_changes(admin_rep, cast):
    admin_rep.post(
        admin_url(Country, "change", cast.es.pk),
        {
            "version": version_of(cast.es),
            "health_system": "nhs",
            "population_millions": "1.0",
            "notes": "From the admin.",
            "representatives-TOTAL_FORMS": "0",
            "representatives-INITIAL_FORMS": "0",
        },
    )

    saved = Country.objects.get(pk=cast.es.pk)
    assert saved.notes == "From the admin."
    assert (saved.health_system, saved.population_millions) == (
        cast.es.health_system,
        cast.es.population_millions,
    )
    assert saved.history.latest().history_user == cast.rep_es


# Mirror groups


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        ({"kind": "forum", "name": "foro nacional"}, "Spain already has a mirror group named"),
        ({"kind": "working_group", "name": "Otro"}, "Choose the working group this group mirrors."),
    ],
    ids=["duplicate name", "kind without its working group"],
)
def test_a_mirror_group_the_page_refuses_is_refused_in_the_admin(admin_rep, cast, posted, message):
    MirrorGroup.objects.create(country=cast.es, kind="forum", name="Foro nacional")
    before = history_rows(MirrorGroup)

    page = admin_rep.post(reverse("countries:group-add", args=["ES"]), posted)
    refused = admin_rep.post(admin_url(MirrorGroup, "add"), {"country": cast.es.pk, **posted})

    assert refused.status_code == page.status_code == 200
    assert message in shown(page)
    assert message in shown(refused)
    assert history_rows(MirrorGroup) == before


def test_removing_mirror_groups_in_the_admin_goes_through_the_service(admin_rep, cast):
    group = MirrorGroup.objects.create(country=cast.es, kind="forum", name="Foro")
    factories.MembershipFactory(expert__country=cast.es, mirror_group=group)

    removed = admin_rep.post(
        admin_url(MirrorGroup),
        {"action": "delete_selected", "_selected_action": [group.pk], "post": "yes"},
    )

    assert removed.status_code == 302
    assert not MirrorGroup.objects.filter(pk=group.pk).exists()
    assert group.history.latest().history_user == cast.rep_es
    assert Expert.objects.filter(country=cast.es).exists()  # the experts stay


# Experts and their seats


def test_a_duplicate_expert_is_refused_with_the_pages_message(admin_rep, cast):
    factories.ExpertFactory(country=cast.es, name="Ana Pérez", email="ana@example.org")
    posted = {"name": "Ana P.", "email": "ANA@example.org", "gender": "female"}
    before = history_rows(Expert)

    page = admin_rep.post(
        reverse("compositions:expert-add", args=["ES"]),
        {**posted, "seats-TOTAL_FORMS": "0", "seats-INITIAL_FORMS": "0"},
    )
    refused = admin_rep.post(admin_url(Expert, "add"), {"country": cast.es.pk, **posted})

    message = "Spain already has an expert with this e-mail: Ana Pérez."
    assert message in shown(page)
    assert refused.status_code == 200
    assert message in shown(refused)
    assert history_rows(Expert) == before


def test_a_seat_the_expert_holds_already_is_refused_and_nothing_written(admin_rep, cast):
    expert = factories.ExpertFactory(country=cast.es)
    factories.MembershipFactory(expert=expert, working_group=factories.working_group(2))
    before = history_rows(Expert, Membership)

    refused = admin_rep.post(
        admin_url(Membership, "add"), {"expert": expert.pk, "working_group": 2, "role": "expert"}
    )

    assert refused.status_code == 200
    assert "The expert already holds this seat" in shown(refused)
    assert history_rows(Expert, Membership) == before


def test_a_seat_added_in_the_admin_gives_the_expert_a_new_version(admin_rep, cast):
    expert = factories.ExpertFactory(country=cast.es)
    opened = version_of(expert)

    added = admin_rep.post(
        admin_url(Membership, "add"), {"expert": expert.pk, "working_group": 3, "role": "expert"}
    )

    assert added.status_code == 302
    assert expert.memberships.get().working_group.number == 3
    assert version_of(Expert.objects.get(pk=expert.pk)) != opened


def test_removing_an_expert_in_the_admin_removes_their_seats_with_the_user(admin_rep, cast):
    expert = factories.ExpertFactory(country=cast.es)
    seat = factories.MembershipFactory(expert=expert, working_group=factories.working_group(1))

    removed = admin_rep.post(admin_url(Expert, "delete", expert.pk), {"post": "yes"})

    assert removed.status_code == 302
    assert not Expert.objects.filter(pk=expert.pk).exists()
    assert Membership.history.filter(id=seat.pk, history_type="-").get().history_user == (
        cast.rep_es
    )


# Responses and their answers


@pytest.fixture
def open_round(cast):
    survey = factories.SurveyFactory(title="Round 2026", closes_on="2026-12-31")
    survey.invited_countries.set([cast.es])
    stage = factories.QuestionFactory(survey=survey, code="nmg_stage", kind="choice")
    factories.add_options(stage, "operational", "starting")
    return survey


def test_a_response_for_a_country_not_invited_is_refused(client, cast, open_round):
    client.force_login(cast.staff)
    before = history_rows(Response)

    refused = client.post(
        admin_url(Response, "add"),
        {"survey": open_round.pk, "country": cast.it.pk, "status": "draft"},
    )

    assert refused.status_code == 200
    assert "IT is not invited to this round." in shown(refused)
    assert history_rows(Response) == before


def test_answers_of_a_closed_round_are_refused_with_the_pages_notice(client, cast, open_round):
    response = factories.ResponseFactory(survey=open_round, country=cast.es)
    stage = open_round.questions.get()
    answer = factories.AnswerFactory(
        response=response, question=stage, option=stage.options.get(value="starting"), text=""
    )
    open_round.status = "closed"
    open_round.save()
    client.force_login(cast.staff)
    before = history_rows(Response, Answer)

    refused = client.post(
        admin_url(Answer, "change", answer.pk),
        {"option": stage.options.get(value="operational").pk, "text": ""},
    )

    assert refused.status_code == 200
    assert "This round closed on 31 December 2026; answers can no longer be changed." in (
        shown(refused)
    )
    assert history_rows(Response, Answer) == before
    answer.refresh_from_db()
    assert answer.option.value == "starting"


def test_a_stale_response_is_refused_in_the_admin(admin_rep, cast, open_round):
    response = factories.ResponseFactory(survey=open_round, country=cast.es)
    opened = version_of(response)
    stage = open_round.questions.get()
    factories.AnswerFactory(
        response=response, question=stage, option=stage.options.get(value="starting"), text=""
    )
    response.save()  # saved meanwhile, e.g. on the answer page
    before = history_rows(Response, Answer)

    refused = admin_rep.post(
        admin_url(Response, "change", response.pk),
        {"version": opened, "answers-TOTAL_FORMS": "0", "answers-INITIAL_FORMS": "0"},
    )

    assert refused.status_code == 200
    assert "while you were editing it, so your changes were not saved." in shown(refused)
    assert history_rows(Response, Answer) == before
