"""The countries' list, profiles and "My countries": who may read what, and in how many queries."""

import datetime
import re

import pytest
from django.utils import timezone

from nmg_registry.models import Country, MirrorGroup
from surveys.models import Response, Survey
from tests import factories
from tests.analytics.test_recommendations import RECOMMENDATION_QUERIES
from tests.analytics.test_trajectory import TRAJECTORY_QUERIES

pytestmark = pytest.mark.django_db


def _login(client, user):
    if user.is_authenticated:
        client.force_login(user)
    return client


def _groups(country, n):
    for i in range(n):
        factories.MirrorGroupFactory(country=country, name=f"{country.code} group {i}")


# The list


@pytest.mark.parametrize("who", ["viewer", "rep_es", "rep_it", "staff"])
def test_every_signed_in_user_reads_the_country_list(client, cast, who):
    response = _login(client, getattr(cast, who)).get("/countries/")

    page = response.content.decode()
    assert response.status_code == 200
    assert '<a href="/countries/ES/">Spain</a>' in page
    assert "31 countries, sorted by code" in page


def test_anonymous_visitors_sign_in_before_the_country_list(client, cast):
    response = client.get("/countries/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/countries/"


def test_the_list_is_sorted_by_code_and_counts_each_countrys_groups(client, cast):
    _groups(cast.es, 3)
    client.force_login(cast.viewer)

    page = client.get("/countries/").content.decode()

    codes = re.findall(r'<abbr title="EU code; ISO [A-Z]{2}">([A-Z]{2})</abbr>', page)
    assert codes == sorted(codes) and len(codes) == 31
    spain_row = page[page.index(">Spain</a>") :].split("</tr>")[0]
    assert '<td class="num">3</td>' in spain_row
    assert "National health service (Beveridge)" in spain_row
    assert "Signatory" in spain_row


def test_the_list_filters_by_participation(client, cast):
    client.force_login(cast.viewer)

    page = client.get("/countries/", {"participation": "none"}).content.decode()

    assert "4 countries, sorted by code" in page
    assert ">Poland</a>" in page and ">Spain</a>" not in page


def test_a_participation_filter_that_means_nothing_is_named(client, cast):
    client.force_login(cast.viewer)

    page = client.get("/countries/", {"participation": "maybe"}).content.decode()

    assert 'role="alert"' in page
    assert "Select a valid choice. maybe is not one of the available choices." in page


@pytest.mark.parametrize("groups", [2, 10])
def test_the_list_answers_in_fixed_queries(client, cast, groups, django_assert_num_queries):
    _groups(cast.es, groups)
    _groups(cast.it, groups)
    client.force_login(cast.viewer)

    # session, user, the demo-data notice, the countries with their group counts
    with django_assert_num_queries(4):
        response = client.get("/countries/")
    assert response.status_code == 200


# The profile


@pytest.mark.parametrize("who", ["viewer", "rep_es", "rep_it", "staff"])
def test_every_signed_in_user_reads_a_profile_and_its_groups(client, cast, who):
    cast.es.health_genomics_plan_url = "https://plan.example.es/"
    cast.es.notes = "Coordinated from Madrid."
    cast.es.save()
    MirrorGroup.objects.create(
        country=cast.es,
        kind=MirrorGroup.Kind.WORKING_GROUP,
        working_group=factories.working_group(3),
        name="Grupo WG3",
        description="Clinical data standards",
        established_on=datetime.date(2020, 3, 15),
    )

    response = _login(client, getattr(cast, who)).get("/countries/ES/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Spain" in page
    assert "10 April 2018" in page  # signed on
    assert "47.3 million" in page
    assert '<a href="https://plan.example.es/"' in page
    assert "Coordinated from Madrid." in page
    assert "Grupo WG3" in page and "Group for one working group" in page
    assert "WG3 Common standards" in page
    assert "Clinical data standards" in page and "15 Mar 2020" in page
    assert "A single group" in page  # configuration model of one working-group group


def test_anonymous_visitors_sign_in_before_a_profile(client, cast):
    response = client.get("/countries/ES/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/countries/ES/"


@pytest.mark.parametrize("who", ["viewer", "rep_it"])
def test_viewers_and_other_representatives_see_no_personal_data_and_no_edit_links(
    client, cast, who
):
    cast.rep_es.first_name, cast.rep_es.last_name = "Ana", "Espinosa"
    cast.rep_es.email = "ana.espinosa@example.es"
    cast.rep_es.save()
    factories.ExpertFactory(country=cast.es, name="Experta Secreta", email="secreta@example.es")
    group = factories.MirrorGroupFactory(country=cast.es, name="Grupo único")

    page = _login(client, getattr(cast, who)).get("/countries/ES/").content.decode()

    assert "Grupo único" in page
    for personal in ("Ana Espinosa", "ana.espinosa@example.es", "rep_es", "Experta Secreta"):
        assert personal not in page
    assert "NMG contacts and roles" not in page
    for link in ("/countries/ES/edit/", "/countries/ES/groups/add/", "/countries/ES/history/"):
        assert link not in page
    assert f"/groups/{group.pk}/edit/" not in page


@pytest.mark.parametrize("who", ["rep_es", "staff"])
def test_the_countrys_representatives_and_staff_see_contacts_and_edit_links(client, cast, who):
    cast.rep_es.first_name, cast.rep_es.last_name = "Ana", "Espinosa"
    cast.rep_es.email = "ana.espinosa@example.es"
    cast.rep_es.save()
    factories.ExpertFactory(country=cast.es, name="Experta Secreta")
    group = factories.MirrorGroupFactory(country=cast.es, name="Grupo único")

    page = _login(client, getattr(cast, who)).get("/countries/ES/").content.decode()

    assert "NMG contacts and roles" in page
    assert "Ana Espinosa" in page and "ana.espinosa@example.es" in page
    assert "WG1 representative" in page
    assert "Experta Secreta" not in page  # experts have their own pages
    assert '<a href="/countries/ES/edit/">Edit record</a>' in page
    assert '<a href="/countries/ES/groups/add/">Add mirror group</a>' in page
    assert '<a href="/countries/ES/history/">History</a>' in page
    assert f'href="/countries/ES/groups/{group.pk}/edit/"' in page
    assert f'href="/countries/ES/groups/{group.pk}/delete/"' in page


def test_a_profile_takes_the_code_in_any_case_and_the_iso_code(client, cast):
    client.force_login(cast.viewer)

    assert "<h1>Spain" in client.get("/countries/es/").content.decode()
    assert "<h1>Greece" in client.get("/countries/gr/").content.decode()


def test_an_unknown_country_code_is_a_404_naming_it(client, cast):
    client.force_login(cast.viewer)

    response = client.get("/countries/XX/")

    assert response.status_code == 404
    assert "unknown country &quot;XX&quot;" in response.content.decode()


def test_the_configuration_model_follows_the_assessments_rule(client, cast):
    factories.MirrorGroupFactory(country=cast.es, kind=MirrorGroup.Kind.CORE, name="Core")
    factories.MirrorGroupFactory(country=cast.es, kind=MirrorGroup.Kind.FORUM, name="Forum")
    client.force_login(cast.viewer)

    assert "Core group with operational subgroup" in client.get("/countries/ES/").content.decode()
    assert "none: no mirror group recorded" in client.get("/countries/IT/").content.decode()


@pytest.mark.parametrize("groups", [2, 10])
def test_a_profile_answers_in_fixed_queries(client, cast, groups, django_assert_num_queries):
    _groups(cast.es, groups)
    for i in range(groups - 1):
        factories.make_representative(f"rep_es_{i}", "ES")
    client.force_login(cast.viewer)
    # session, user, country, the user's permissions and own countries (rights to edit),
    # groups, demo-data notice; and the sections the apps add (the trajectory's and the
    # recommendations', pinned in tests/analytics/test_trajectory.py and
    # test_recommendations.py)
    sections = TRAJECTORY_QUERIES + RECOMMENDATION_QUERIES
    with django_assert_num_queries(8 + sections):
        assert client.get("/countries/ES/").status_code == 200

    client.force_login(cast.rep_es)
    # ... and the representatives
    with django_assert_num_queries(9 + sections):
        response = client.get("/countries/ES/")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('<th scope="row">rep_es') == groups
    assert page.count('/edit/">Edit<span') == groups


# My countries


def _open_round(title, *invited, closes_on=None):
    survey = factories.SurveyFactory(title=title, status=Survey.Status.OPEN, closes_on=closes_on)
    survey.invited_countries.set(invited)
    return survey


def test_my_countries_shows_each_open_rounds_progress(client, cast):
    _open_round("Round not started", cast.es, closes_on=datetime.date(2030, 1, 31))
    drafted = _open_round("Round drafted", cast.es)
    submitted = _open_round("Round submitted", cast.es)
    _open_round("Round for Italy only", cast.it)
    closed = _open_round("Closed round", cast.es)
    closed.status = Survey.Status.CLOSED
    closed.save()
    factories.ResponseFactory(survey=drafted, country=cast.es)
    Response.objects.filter(survey=drafted).update(
        updated_at=timezone.make_aware(datetime.datetime(2029, 5, 2, 10, 0))
    )
    factories.ResponseFactory(
        survey=submitted,
        country=cast.es,
        status=Response.Status.SUBMITTED,
        submitted_at=timezone.make_aware(datetime.datetime(2029, 6, 3, 12, 0)),
    )
    client.force_login(cast.rep_es)

    response = client.get("/my-countries/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Spain" in page and "Italy" not in page
    assert '<a href="/countries/ES/">Profile' in page
    assert '<a href="/countries/ES/edit/">Edit record' in page
    assert '<a href="/countries/ES/history/">History' in page

    def status_of(title):
        row = page[page.index(f'<th scope="row">{title}</th>') :].split("</tr>")[0]
        cell = row.split('class="progress')[1].split(">", 1)[1].split("</td>")[0]
        return re.sub(r"<[^>]+>", "", cell).strip()

    assert status_of("Round not started") == "not started"
    assert status_of("Round drafted") == "draft (last saved 2 May 2029)"
    assert status_of("Round submitted") == "submitted (3 Jun 2029)"
    assert "31 Jan 2030" in page
    assert f'<a href="/surveys/{drafted.slug}/answer/ES/">Continue' in page
    assert '<a href="/countries/ES/experts/">Experts' in page
    assert "Round for Italy only" not in page and "Closed round" not in page


def test_staff_keep_every_country(client, cast):
    client.force_login(cast.staff)

    page = client.get("/my-countries/").content.decode()

    assert page.count('class="kept-country"') == Country.objects.count() == 31


def test_a_viewer_keeps_no_country_and_is_sent_to_the_dashboard(client, cast):
    client.force_login(cast.viewer)

    response = client.get("/my-countries/")

    assert response.status_code == 302
    assert response["Location"] == "/"
    dashboard = client.get(response["Location"]).content.decode()
    assert "You do not keep any country&#x27;s record; here is the dashboard." in dashboard


def test_my_countries_lists_the_rounds_closing_first_first(client, cast):
    _open_round("Round closing late", cast.es, closes_on=datetime.date(2031, 6, 30))
    _open_round("Round closing soon", cast.es, closes_on=datetime.date(2030, 1, 31))
    client.force_login(cast.rep_es)

    page = client.get("/my-countries/").content.decode()

    assert page.index("Round closing soon") < page.index("Round closing late")


def test_anonymous_visitors_sign_in_before_my_countries(client, cast):
    response = client.get("/my-countries/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/my-countries/"


@pytest.mark.parametrize("rounds", [2, 10])
def test_my_countries_answers_in_fixed_queries(client, cast, rounds, django_assert_num_queries):
    """As many rounds as countries kept: both grow together."""
    keeper = factories.make_representative("rep_two", "IT")
    keeper.representations.create(country=cast.es)
    others = Country.objects.exclude(pk__in=[cast.es.pk, cast.it.pk]).order_by("code")
    for country in others[: rounds - 2]:
        keeper.representations.create(country=country)
    kept = keeper.representations.values_list("country", flat=True)
    for i in range(rounds):
        survey = _open_round(f"Round {i}", *kept)
        if i % 2:
            factories.ResponseFactory(survey=survey, country=cast.es)
    client.force_login(keeper)

    # session, user, the user's permissions (2) and own countries, the countries, open
    # rounds, invitations, responses, demo-data notice
    with django_assert_num_queries(10):
        response = client.get("/my-countries/")
    assert response.content.decode().count('class="progress ') == rounds * rounds
