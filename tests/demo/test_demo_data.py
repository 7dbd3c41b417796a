"""`load_demo_data`: its totals are the published figures of deliverable D6.6, section 5."""

import datetime
from collections import Counter, defaultdict
from fractions import Fraction

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from compositions.as_of import composition_as_of
from compositions.models import Expert, Membership
from demo.loader import DESCRIPTION, load_demo_data
from nmg_registry import permissions
from nmg_registry.models import Country, DemoDataset, MirrorGroup, Representative
from surveys.models import Answer, Response, Survey
from surveys.round_moments import round_closed_at

pytestmark = pytest.mark.django_db

COMPOSITION_COUNTRIES = {"BG", "CY", "CZ", "DK", "FI", "DE", "HU", "IT", "LV", "LT", "PT", "ES"}
RESPONDENTS = COMPOSITION_COUNTRIES | {"BE", "HR", "LU", "MT", "NL", "NO", "UK"}
ALL_TYPES = 10

# The table of section 5.1, over the 19 respondents (nmg_stage over 18).
OPTION_COUNTS = {
    "scientific_coordinator": {"yes": 3, "no": 9, "same_as_wg1": 7},
    "national_contact_point": {"yes": 7, "no": 2, "same_as_wg1": 10},
    "additional_figure": {"yes": 8, "no": 11},
    "health_genomics_plan": {"yes": 5, "no": 14},
    "national_roadmap": {"yes": 3, "no": 16},
    "nmg_stage": {"no_tangible_activities": 1, "planning": 6, "constructing": 7, "operational": 4},
    "expert_nomination_process": {"yes": 15, "no": 4},
    "communication_process": {"yes": 11, "no": 8},
    "governance_structure": {"yes": 9, "no": 10},
    "national_activities": {"yes": 12, "no": 7},
    "funding": {"yes": 6, "no": 13},
    "formalised": {"yes": 6, "no": 13},
    "member_activity": {"1": 4, "2": 5, "3": 3, "4": 6, "5": 1},
    "engagement": {"yes": 11, "no": 8},
}


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("load_demo_data")
    return Survey.objects.get(slug="nmg-survey-2020")


def submitted_answers(survey, code):
    return Answer.objects.filter(
        response__survey=survey, response__status=Response.Status.SUBMITTED, question__code=code
    )


def experts_by_country():
    return Counter(Expert.objects.values_list("country__code", flat=True))


def working_groups_by_country():
    covered = defaultdict(set)
    seats = Membership.objects.filter(working_group__isnull=False).values_list(
        "expert__country__code", "working_group__number"
    )
    for code, number in seats:
        covered[code].add(number)
    return covered


def type_counts_by_country():
    """Experts whose type is known, each counted once, per country and type."""
    counts = defaultdict(Counter)
    for code, slug in Expert.objects.filter(stakeholder_type__isnull=False).values_list(
        "country__code", "stakeholder_type__slug"
    ):
        counts[code][slug] += 1
    return counts


def most_represented(counts: Counter) -> set[str]:
    top = max(counts.values())
    return {slug for slug, n in counts.items() if n == top}


def share(counts: Counter, slug: str) -> Fraction:
    return Fraction(counts[slug], sum(counts.values()))


def table_sizes():
    return {
        "experts": Expert.objects.count(),
        "memberships": Membership.objects.count(),
        "responses": Response.objects.count(),
        "answers": Answer.objects.count(),
        "mirror groups": MirrorGroup.objects.count(),
        "representatives": Representative.objects.count(),
        "users": get_user_model().objects.count(),
        "demo datasets": DemoDataset.objects.count(),
        "expert history": Expert.history.count(),
        "membership history": Membership.history.count(),
        "response history": Response.history.count(),
        "answer history": Answer.history.count(),
        "mirror group history": MirrorGroup.history.count(),
        "representative history": Representative.history.count(),
        "country history": Country.history.count(),
    }


# The survey


def test_the_19_respondents_submitted_and_the_5_others_did_not(demo):
    respondents = set(
        Response.objects.filter(survey=demo, status=Response.Status.SUBMITTED).values_list(
            "country__code", flat=True
        )
    )
    invited = set(demo.invited_countries.values_list("code", flat=True))

    assert respondents == RESPONDENTS
    assert invited - respondents == {"AT", "EE", "EL", "SE", "SI"}
    assert not Response.objects.exclude(status=Response.Status.SUBMITTED).exists()


def test_every_option_count_is_the_published_one(demo):
    for code, expected in OPTION_COUNTS.items():
        counts = Counter(submitted_answers(demo, code).values_list("option__value", flat=True))
        assert counts == expected, code


def test_stage_is_over_18_answers_because_the_uk_left_it_blank(demo):
    answered = set(submitted_answers(demo, "nmg_stage").values_list("response__country__code"))
    others = set(
        submitted_answers(demo, "health_genomics_plan").values_list("response__country__code")
    )

    assert len(answered) == 18
    assert others - answered == {("UK",)}


def test_plan_urls_only_for_the_five_plans_and_texts_are_synthetic(demo):
    with_plan = set(
        submitted_answers(demo, "health_genomics_plan")
        .filter(option__value="yes")
        .values_list("response__country__code", flat=True)
    )
    urls = dict(
        submitted_answers(demo, "health_genomics_plan_url").values_list(
            "response__country__code", "text"
        )
    )
    wg1 = dict(
        submitted_answers(demo, "wg1_representative").values_list("response__country__code", "text")
    )

    assert set(urls) == with_plan
    assert all(url.startswith("https://example.org/") for url in urls.values())
    assert wg1["ES"] == "Demo WG1 representative (Spain)"
    assert set(wg1) == RESPONDENTS
    assert submitted_answers(demo, "engagement_how").count() < len(RESPONDENTS)


# The compositions


def test_twelve_countries_sent_a_composition_of_the_published_sizes(demo):
    sizes = experts_by_country()

    assert set(sizes) == COMPOSITION_COUNTRIES
    assert sizes["CY"] == 1
    assert 65 <= sizes["IT"] <= 75
    assert 65 <= sizes["ES"] <= 75
    assert {code for code, n in sizes.items() if 10 <= n <= 20} == COMPOSITION_COUNTRIES - {
        "CY",
        "IT",
        "ES",
    }


def test_only_fi_de_it_es_cover_all_working_groups_and_hu_gives_none(demo):
    covered = working_groups_by_country()

    assert {code for code, numbers in covered.items() if len(numbers) == 11} == {
        "FI",
        "DE",
        "IT",
        "ES",
    }
    assert "HU" not in covered
    assert Membership.objects.filter(expert__country__code="HU").exists()
    assert set(covered) == COMPOSITION_COUNTRIES - {"HU"}


def test_big_countries_have_a_coordinated_group_of_several_experts_per_working_group(demo):
    for code in ("IT", "ES"):
        seats = Membership.objects.filter(expert__country__code=code)
        per_group = Counter(seats.values_list("working_group__number", flat=True))
        coordinators = Counter(
            seats.filter(role=Membership.Role.COORDINATOR).values_list(
                "working_group__number", flat=True
            )
        )
        assert set(per_group) == set(range(1, 12)), code
        assert min(per_group.values()) >= 5, code
        assert coordinators == dict.fromkeys(range(1, 12), 1), code


def test_some_experts_hold_several_seats_and_genders_are_mixed(demo):
    seats_per_expert = Counter(Membership.objects.values_list("expert__country__code", "expert_id"))
    several = {code for (code, _), n in seats_per_expert.items() if n > 1}
    genders = Counter(Expert.objects.values_list("gender", flat=True))

    assert {"DE", "FI"} <= several
    assert Membership.objects.count() > Expert.objects.count()
    assert genders["female"] > 50
    assert genders["male"] > 50
    assert genders["undisclosed"] > 0
    assert not Expert.objects.exclude(email="").exclude(email__endswith="@example.org").exists()
    assert not Expert.objects.exclude(name__startswith="Demo Expert ").exists()


def test_italy_and_denmark_give_no_stakeholder_types(demo):
    counts = type_counts_by_country()

    assert {code for code in COMPOSITION_COUNTRIES if not counts[code]} == {"IT", "DK"}


def test_research_leads_except_in_latvia_lithuania_and_portugal(demo):
    counts = type_counts_by_country()
    leaders = {code: most_represented(c) for code, c in counts.items()}

    assert leaders == {
        **{code: {"research-university"} for code in ("BG", "CY", "CZ", "FI", "DE", "HU", "ES")},
        "LV": {"clinical-communities"},
        "LT": {"clinical-communities", "research-university"},
        "PT": {"ministry-agency-policy-maker"},
    }
    assert share(counts["LV"], "clinical-communities") == Fraction(40, 100)
    assert share(counts["LT"], "clinical-communities") == Fraction(1, 3)
    assert share(counts["LT"], "research-university") == Fraction(1, 3)
    assert round(float(share(counts["PT"], "ministry-agency-policy-maker")), 4) == 0.4167


def test_which_countries_have_patients_funders_and_industry(demo):
    counts = type_counts_by_country()

    def having(slug):
        return {code for code, c in counts.items() if c[slug]}

    assert having("patient-organisations") == {"BG"}
    assert having("funding-agencies") == {"ES"}
    assert having("industry-private-sector") == {"BG", "CZ", "FI", "DE", "PT", "ES"}
    assert max(len(c) for c in counts.values()) < ALL_TYPES


# Mirror groups, accounts, the demo marker


def test_the_compositions_are_those_of_the_2020_round_and_not_of_the_day_before(demo):
    """The first load dates the compositions when the round closed (31 March 2021), so the
    composition as of the round is the published one, and the day before holds nothing."""
    as_of_round = composition_as_of(round_closed_at(survey=demo))
    before = composition_as_of(datetime.datetime(2021, 3, 30, tzinfo=datetime.UTC))

    assert {code: c.experts for code, c in as_of_round.items()} == experts_by_country()
    assert composition_as_of() == as_of_round
    assert before == {}


def test_mirror_groups_show_the_three_configuration_models(demo):
    groups = defaultdict(list)
    for code, kind, number in MirrorGroup.objects.values_list(
        "country__code", "kind", "working_group__number"
    ):
        groups[code].append((kind, number))

    per_working_group = sorted(("working_group", n) for n in range(1, 12))
    assert sorted(groups["IT"]) == per_working_group
    assert sorted(groups["ES"]) == per_working_group
    assert sorted(groups["FI"]) == [("core", None), ("forum", None), ("operational", None)]
    assert sorted(groups["DK"], key=str) == sorted(
        [("single", None), *(("working_group", n) for n in (8, 9, 10, 11))], key=str
    )
    assert groups["LT"] == [("single", None)]
    for code in set(groups) - {"IT", "ES", "FI", "DK"}:
        assert groups[code] == [("single", None)], code


def test_demo_accounts_have_their_roles(demo):
    users = get_user_model().objects.in_bulk(
        ["wp6", "viewer", "rep-es", "rep-it"], field_name="username"
    )
    es, it = Country.objects.get(code="ES"), Country.objects.get(code="IT")

    assert users["wp6"].check_password("demo-wp6-2020")
    assert users["wp6"].is_staff
    assert users["wp6"].groups.filter(name="WP6 staff").exists()
    assert permissions.is_registry_staff(users["wp6"])
    assert not permissions.is_registry_staff(users["viewer"])
    assert permissions.can_read_aggregates(users["viewer"])
    assert not permissions.represented_country_ids(users["viewer"])
    assert permissions.represents(users["rep-es"], es)
    assert not permissions.represents(users["rep-es"], it)
    assert permissions.represents(users["rep-it"], it)
    assert not permissions.can_read_experts(users["rep-it"], es)
    assert set(Representative.objects.values_list("user__username", "country__code", "role")) == {
        ("rep-es", "ES", "wg1_representative"),
        ("rep-it", "IT", "wg1_representative"),
    }
    for username, password in (
        ("viewer", "demo-viewer-2020"),
        ("rep-es", "demo-rep-es-2020"),
        ("rep-it", "demo-rep-it-2020"),
    ):
        assert users[username].check_password(password), username
        assert not users[username].is_staff, username


def test_records_that_the_data_are_synthetic(demo):
    assert list(DemoDataset.objects.values_list("description", flat=True)) == [DESCRIPTION]
    assert DESCRIPTION == (
        "Synthetic demo data: per-country values are invented; only the totals match the "
        "published deliverable D6.6."
    )


def test_prints_both_import_summaries_and_the_logins(settings, capsys):
    settings.DEBUG = True

    call_command("load_demo_data")

    out = capsys.readouterr().out
    assert "Composition import: " in out
    assert "Survey import: " in out
    for line in (
        "wp6 / demo-wp6-2020 / WP6 staff",
        "viewer / demo-viewer-2020 / viewer",
        "rep-es / demo-rep-es-2020 / WG1 representative of ES",
        "rep-it / demo-rep-it-2020 / WG1 representative of IT",
    ):
        assert line in out


def test_second_run_changes_nothing(demo):
    before = table_sizes()

    second = load_demo_data()

    assert table_sizes() == before
    assert not second.composition.changed
    assert not second.survey.changed
    assert second.mirror_groups_created == 0
    assert not any(login.created for login in second.logins)
    assert not second.dataset_recorded


def test_refused_without_debug_and_nothing_written(settings):
    settings.DEBUG = False
    before = table_sizes()

    with pytest.raises(CommandError, match="DJANGO_DEBUG is off"):
        call_command("load_demo_data")

    assert table_sizes() == before
    assert not Expert.objects.exists()
    assert not get_user_model().objects.exists()


def test_if_fresh_loads_into_an_empty_registry(settings, capsys):
    settings.DEBUG = True

    call_command("load_demo_data", "--if-fresh")

    assert DemoDataset.objects.count() == 1
    assert "wp6 / demo-wp6-2020 / WP6 staff" in capsys.readouterr().out


def test_if_fresh_leaves_a_registry_with_data_alone_and_prints_the_logins(settings, capsys):
    settings.DEBUG = True
    call_command("load_demo_data")
    Expert.objects.filter(country__code="CY").update(position="Edited by a person")
    capsys.readouterr()

    call_command("load_demo_data", "--if-fresh")

    out = capsys.readouterr().out
    assert "demo data not loaded" in out
    assert "rep-es / demo-rep-es-2020 / WG1 representative of ES" in out
    assert Expert.objects.get(country__code="CY").position == "Edited by a person"
