"""The permission policy implements the table of DESIGN section 7."""

import pytest
from django.contrib.auth.models import AnonymousUser

from compositions.models import Expert, Membership
from nmg_registry import permissions
from nmg_registry.models import Country, Representative
from surveys.models import Answer, Response, Survey
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def experts(cast):
    return {
        "ES": factories.MembershipFactory(expert__country=cast.es, expert__name="Ana ES").expert,
        "IT": factories.MembershipFactory(expert__country=cast.it, expert__name="Bea IT").expert,
    }


@pytest.fixture
def open_round(cast):
    survey = factories.SurveyFactory(status=Survey.Status.OPEN)
    return {
        "survey": survey,
        "es_draft": factories.ResponseFactory(survey=survey, country=cast.es),
        "it_draft": factories.ResponseFactory(survey=survey, country=cast.it),
        "el_submitted": factories.submitted_response(
            survey=survey, country=factories.country("EL")
        ),
    }


def names(queryset):
    return sorted(str(obj.pk) for obj in queryset)


def test_staff_is_the_wp6_group_or_a_superuser_not_admin_access(cast):
    assert permissions.is_registry_staff(cast.staff)
    superuser = factories.UserFactory(username="root", is_superuser=True)
    assert permissions.is_registry_staff(superuser)
    admin_enabled_rep = factories.make_representative("admin_rep", "ES", is_staff=True)
    assert not permissions.is_registry_staff(admin_enabled_rep)
    assert not permissions.is_registry_staff(cast.viewer)
    assert not permissions.is_registry_staff(cast.anonymous)


def test_an_inactive_user_has_no_rights(cast):
    cast.rep_es.is_active = False

    assert not permissions.can_read_experts(cast.rep_es, cast.es)
    assert not permissions.can_read_aggregates(cast.rep_es)


def test_aggregates_are_for_signed_in_users_unless_made_public(cast, settings):
    assert not permissions.can_read_aggregates(AnonymousUser())
    for user in (cast.viewer, cast.rep_es, cast.staff):
        assert permissions.can_read_aggregates(user)

    settings.NMG_PUBLIC_AGGREGATES = True
    assert permissions.can_read_aggregates(AnonymousUser())


def test_country_profiles_are_for_signed_in_users_even_when_aggregates_are_public(cast, settings):
    settings.NMG_PUBLIC_AGGREGATES = True

    assert not permissions.can_read_country_profiles(AnonymousUser())
    assert permissions.can_read_country_profiles(cast.viewer)


def test_a_representative_edits_only_their_own_country_record(cast):
    assert permissions.can_edit_country(cast.rep_es, cast.es)
    assert not permissions.can_edit_country(cast.rep_es, cast.it)
    assert not permissions.can_edit_country(cast.viewer, cast.es)
    assert permissions.can_edit_country(cast.staff, cast.it)


def test_experts_are_read_and_edited_by_their_country_and_staff_only(cast, experts):
    assert permissions.can_read_experts(cast.rep_es, cast.es)
    assert permissions.can_edit_experts(cast.rep_es, cast.es)
    assert not permissions.can_read_experts(cast.rep_es, cast.it)
    assert not permissions.can_edit_experts(cast.rep_es, cast.it)
    assert not permissions.can_read_experts(cast.viewer, cast.es)
    assert not permissions.can_read_experts(cast.anonymous, cast.es)
    assert permissions.can_edit_experts(cast.staff, cast.it)


def test_the_countries_whose_experts_a_user_reads_are_those_can_read_experts_allows(
    cast, django_assert_max_num_queries
):
    factories.country("EL")
    root = factories.UserFactory(username="root", is_superuser=True)
    readers = [cast.anonymous, cast.viewer, cast.rep_es, cast.rep_it, cast.staff, root]
    for user in [*readers, permissions.Viewer()]:
        with django_assert_max_num_queries(1):
            readable = permissions.expert_countries_readable_by(user)

        for country in Country.objects.all():
            allowed = permissions.can_read_experts(user, country)
            assert (readable is None or country.code in readable) == allowed, (user, country)


def test_representative_cannot_list_other_countrys_experts(cast, experts):
    visible = permissions.experts_visible_to(cast.rep_es, Expert.objects.all())
    assert list(visible) == [experts["ES"]]

    memberships = permissions.memberships_visible_to(cast.rep_es, Membership.objects.all())
    assert {m.expert for m in memberships} == {experts["ES"]}


def test_viewer_and_anonymous_list_no_experts(cast, experts, settings):
    settings.NMG_PUBLIC_AGGREGATES = True
    assert not permissions.experts_visible_to(cast.viewer, Expert.objects.all()).exists()
    assert not permissions.experts_visible_to(cast.anonymous, Expert.objects.all()).exists()


def test_staff_lists_every_expert(cast, experts):
    assert permissions.experts_visible_to(cast.staff, Expert.objects.all()).count() == 2


def test_a_representative_of_two_countries_lists_both(cast, experts):
    Representative.objects.create(user=cast.rep_es, country=cast.it)
    permissions.forget_represented_countries(cast.rep_es)

    assert permissions.experts_visible_to(cast.rep_es, Expert.objects.all()).count() == 2


def test_representatives_are_listed_to_their_country_and_staff(cast):
    listed = permissions.representatives_visible_to(cast.rep_es, Representative.objects.all())
    assert [r.user.username for r in listed] == ["rep_es"]
    assert not permissions.representatives_visible_to(
        cast.viewer, Representative.objects.all()
    ).exists()


def test_responses_visible_to_a_representative(cast, open_round):
    visible = permissions.responses_visible_to(cast.rep_es, Response.objects.all())

    assert set(visible) == {open_round["es_draft"], open_round["el_submitted"]}


def test_responses_visible_to_a_viewer_are_the_submitted_ones(cast, open_round):
    visible = permissions.responses_visible_to(cast.viewer, Response.objects.all())

    assert list(visible) == [open_round["el_submitted"]]


def test_responses_visible_to_anonymous_only_when_public(cast, open_round, settings):
    assert not permissions.responses_visible_to(cast.anonymous, Response.objects.all()).exists()

    settings.NMG_PUBLIC_AGGREGATES = True
    assert list(permissions.responses_visible_to(cast.anonymous, Response.objects.all())) == [
        open_round["el_submitted"]
    ]


def test_answers_follow_their_responses(cast, open_round):
    es_answer = factories.AnswerFactory(response=open_round["es_draft"])
    it_answer = factories.AnswerFactory(response=open_round["it_draft"])

    assert list(permissions.answers_visible_to(cast.rep_es, Answer.objects.all())) == [es_answer]
    assert set(permissions.answers_visible_to(cast.staff, Answer.objects.all())) == {
        es_answer,
        it_answer,
    }
    assert not permissions.answers_visible_to(cast.viewer, Answer.objects.all()).exists()


def test_representative_drafts_and_submits_only_their_country_in_an_open_round(cast, open_round):
    assert permissions.can_edit_response(cast.rep_es, open_round["es_draft"])
    assert not permissions.can_edit_response(cast.rep_es, open_round["it_draft"])
    assert not permissions.can_edit_response(cast.viewer, open_round["es_draft"])
    assert permissions.can_answer_survey(cast.rep_es, open_round["survey"], cast.es)
    assert not permissions.can_answer_survey(cast.rep_es, open_round["survey"], cast.it)


def test_a_closed_round_is_read_only_for_representatives_not_staff(cast, open_round):
    survey = open_round["survey"]
    survey.status = Survey.Status.CLOSED
    survey.save()
    response = Response.objects.select_related("survey").get(pk=open_round["es_draft"].pk)

    assert not permissions.can_edit_response(cast.rep_es, response)
    assert not permissions.can_answer_survey(cast.rep_es, survey, cast.es)
    assert permissions.can_read_response(cast.rep_es, response)
    assert permissions.can_edit_response(cast.staff, response)


def test_another_countrys_draft_is_unreadable_but_its_submission_is_readable(cast, open_round):
    assert not permissions.can_read_response(cast.rep_es, open_round["it_draft"])
    assert permissions.can_read_response(cast.rep_es, open_round["el_submitted"])
    assert permissions.can_read_response(cast.viewer, open_round["el_submitted"])
    assert not permissions.can_read_response(cast.anonymous, open_round["el_submitted"])


def test_only_staff_manage_rounds_and_reference_data(cast):
    assert permissions.can_manage_registry(cast.staff)
    for user in (cast.rep_es, cast.viewer, cast.anonymous):
        assert not permissions.can_manage_registry(user)


def test_the_policy_reads_a_users_rights_once(cast, django_assert_num_queries):
    # Two queries for Django's permissions (user and groups), one for the countries.
    with django_assert_num_queries(3):
        for _ in range(3):
            permissions.represents(cast.rep_es, cast.it)
            permissions.experts_visible_to(cast.rep_es, Expert.objects.all())


def test_my_countries_are_the_represented_ones_and_every_country_for_staff(cast):
    countries = Country.objects.all()

    assert list(permissions.countries_kept_by(cast.rep_es, countries)) == [cast.es]
    assert permissions.countries_kept_by(cast.staff, countries).count() == countries.count()
    assert not permissions.countries_kept_by(cast.viewer, countries).exists()
    assert not permissions.countries_kept_by(cast.anonymous, countries).exists()


def test_a_countrys_history_and_answer_page_are_for_its_keepers_only(cast):
    for rule in (permissions.can_read_country_history, permissions.can_open_answer_page):
        assert rule(cast.rep_es, cast.es) and rule(cast.staff, cast.it)
        assert not rule(cast.rep_es, cast.it)
        assert not rule(cast.viewer, cast.es)
        assert not rule(cast.anonymous, cast.es)


def test_only_staff_manage_rounds(cast):
    assert permissions.can_manage_rounds(cast.staff)
    for user in (cast.rep_es, cast.viewer, cast.anonymous):
        assert not permissions.can_manage_rounds(user)
