"""A country's history: what changed, when, by whom, before and after."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from compositions.models import Expert, Membership
from compositions.services.file_import import import_composition
from nmg_registry import history
from nmg_registry.history import FieldChange
from nmg_registry.models import Country
from surveys.models import Answer, Question
from tests import factories
from tests.factories import (
    AnswerFactory,
    ExpertFactory,
    MembershipFactory,
    MirrorGroupFactory,
    QuestionFactory,
    ResponseFactory,
    SurveyFactory,
    add_options,
)

pytestmark = pytest.mark.django_db

# One query per history table (7) and the lookups: users, working groups, stakeholder
# types, rounds, questions, options, the experts and mirror groups of the seats.
HISTORY_QUERIES = 15
# The session, the user and their rights (3), the country, the demo-data notice, the history.
PAGE_QUERIES = 7 + HISTORY_QUERIES


def save_as(obj, user=None, reason=None):
    """Save as a request by `user` would, with an optional change reason."""
    obj._history_user = user
    if reason:
        obj._change_reason = reason
    obj.save()
    return obj


def delete_as(obj, user=None):
    obj._history_user = user
    obj.delete()


def entries_of(country, limit=200):
    """The history as staff read it (an unsaved superuser: no query of its own)."""
    reader = get_user_model()(is_superuser=True, is_active=True)
    return history.country_history(country=country, limit=limit, user=reader)


def only(entries, what):
    return [entry for entry in entries if entry.what == what]


def changes(entry):
    return {change.field: (change.before, change.after) for change in entry.changes}


# The record and the mirror groups


def test_mirror_group_edit_shows_who_and_before_and_after(cast):
    cast.rep_es.first_name, cast.rep_es.last_name = "Ana", "Ruiz"
    cast.rep_es.save()
    group = MirrorGroupFactory(country=cast.es, name="Grupo espejo", description="")
    group.name, group.description = "Grupo espejo nacional", "Meets monthly."
    save_as(group, cast.rep_es, reason="renamed after the 2021 meeting")

    changed, created = only(entries_of(cast.es), "mirror group")
    assert changed.action == "changed"
    assert changed.who == "Ana Ruiz"
    assert changed.label == "Grupo espejo nacional"
    assert changed.reason == "renamed after the 2021 meeting"
    assert changes(changed) == {
        "name": ("Grupo espejo", "Grupo espejo nacional"),
        "description": ("", "Meets monthly."),
    }
    assert created.action == "created"
    assert created.who == history.IMPORT_OR_COMMAND
    assert changes(created)["kind"] == ("", "Single group")


def test_country_record_edit_compares_with_the_recorded_version(cast):
    es = cast.es
    shipped_population = str(es.population_millions)
    es.population_millions = "47.4"
    save_as(es, cast.staff)
    es.population_millions, es.notes = "47.5", "Figures of 2021."
    save_as(es, cast.rep_es)

    latest, first, shipped = only(entries_of(es), "country")
    assert latest.label == "Spain"
    assert latest.who == "rep_es"
    assert not latest.earlier_unknown
    assert latest.changes == (
        FieldChange("population millions", "47.4", "47.5"),
        FieldChange("notes", "", "Figures of 2021."),
    )
    # The reference data's first version, recorded by a migration, is the "before" of the
    # first edit.
    assert first.who == "staff"
    assert first.changes == (FieldChange("population millions", shipped_population, "47.4"),)
    assert shipped.action == "created"
    assert shipped.who == history.IMPORT_OR_COMMAND
    assert shipped.reason == "reference data shipped with the registry"


def test_an_edit_without_a_recorded_earlier_version_says_so(cast):
    Country.history.filter(id=cast.es.pk).delete()  # as for a record written by raw SQL
    cast.es.notes = "First note"
    save_as(cast.es, cast.staff)

    (entry,) = only(entries_of(cast.es), "country")
    assert entry.earlier_unknown
    assert entry.who == "staff"
    assert changes(entry)["EU code"] == ("", "ES")
    assert changes(entry)["notes"] == ("", "First note")


def test_representatives_are_named_by_their_user(cast):
    (entry,) = only(entries_of(cast.es), "representative")
    assert entry.label == "rep_es"
    assert entry.action == "created"
    assert changes(entry) == {"role": ("", "WG1 representative")}


# Experts and their seats


def test_expert_created_edited_then_removed(cast):
    expert = ExpertFactory(
        country=cast.es,
        name="Marta Gil",
        institution="ISCIII",
        email="marta@example.org",
        stakeholder_type=factories.stakeholder_type("research-university"),
    )
    expert.institution = "Hospital La Paz"
    expert.stakeholder_type = factories.stakeholder_type("clinical-communities")
    save_as(expert, cast.rep_es)
    delete_as(expert, cast.staff)

    removed, changed, created = only(entries_of(cast.es), "expert")
    assert [e.action for e in (removed, changed, created)] == ["removed", "changed", "created"]
    assert {e.label for e in (removed, changed, created)} == {"Marta Gil"}
    assert changes(created) == {
        "name": ("", "Marta Gil"),
        "institution": ("", "ISCIII"),
        "gender": ("", "Female"),
        "email": ("", "marta@example.org"),
        "stakeholder type": ("", "Research/University"),
    }
    assert changes(changed) == {
        "institution": ("ISCIII", "Hospital La Paz"),
        "stakeholder type": ("Research/University", "Clinical communities"),
    }
    assert (changed.who, removed.who) == ("rep_es", "staff")
    assert changes(removed)["institution"] == ("Hospital La Paz", "")


def test_membership_change_names_the_seat_and_its_working_groups(cast):
    expert = ExpertFactory(country=cast.es, name="Luis Pardo")
    group = MirrorGroupFactory(country=cast.es, name="Core group", kind="core")
    seat = MembershipFactory(expert=expert, working_group=factories.working_group(3))
    seat.role = Membership.Role.COORDINATOR
    seat.working_group = factories.working_group(5)
    seat.mirror_group = group
    save_as(seat, cast.rep_es)

    changed, created = only(entries_of(cast.es), "membership")
    assert created.label == "WG3 seat of Luis Pardo"
    assert changes(created) == {"working group": ("", "WG3"), "role": ("", "Expert")}
    assert changed.label == "WG5 seat of Luis Pardo in Core group"
    assert changes(changed) == {
        "working group": ("WG3", "WG5"),
        "mirror group": ("", "Core group"),
        "role": ("Expert", "Coordinator"),
    }


def test_seats_of_a_removed_expert_stay_in_the_history(cast):
    expert = ExpertFactory(country=cast.es, name="Pilar Soto")
    MembershipFactory(expert=expert, working_group=None)
    delete_as(expert, cast.staff)

    seats = only(entries_of(cast.es), "membership")
    assert [(e.action, e.label) for e in seats] == [
        ("removed", "seat of Pilar Soto (working group unknown)"),
        ("created", "seat of Pilar Soto (working group unknown)"),
    ]


def test_a_composition_import_shows_its_user_and_file(cast):
    expert = ExpertFactory(country=cast.es, name="Eva Lara", email="eva@example.org")
    csv = (
        b"country,working_group,role,stakeholder_type,institution,name,position,gender,region,email\n"
        b"ES,WG2,coordinator,ELSI,Universidad de Granada,Eva Lara,,female,,eva@example.org\n"
        b"ES,3,expert,Research/University,CNIO,Juan Vidal,,male,Madrid,juan@example.org\n"
    )
    import_composition(data=csv, filename="es-2021.csv", user=cast.rep_es)

    entries = entries_of(cast.es)
    imported = [e for e in entries if e.reason == "composition import: es-2021.csv"]
    assert {(e.what, e.action, e.label) for e in imported} == {
        ("expert", "changed", "Eva Lara"),
        ("expert", "created", "Juan Vidal"),
        ("membership", "created", "WG2 seat of Eva Lara"),
        ("membership", "created", "WG3 seat of Juan Vidal"),
    }
    assert {e.who for e in imported} == {"rep_es"}
    eva = next(e for e in imported if e.label == "Eva Lara")
    assert changes(eva)["institution"] == ("Instituto de Salud", "Universidad de Granada")
    assert changes(eva)["stakeholder type"] == ("", "ELSI")
    # All written at one instant: the records above the seats they hold, newest first.
    assert entries[:4] == sorted(imported, key=lambda e: e.what != "membership")
    assert Expert.objects.get(pk=expert.pk).institution == "Universidad de Granada"


# Responses and answers


def _choice_question(survey, code="nmg_stage"):
    question = QuestionFactory(survey=survey, code=code, kind=Question.Kind.CHOICE)
    return question, add_options(question, "planning", "operational")


def test_answer_change_shows_the_question_round_and_option_labels(cast):
    survey = SurveyFactory(slug="nmg-survey-2022")
    response = ResponseFactory(survey=survey, country=cast.es)
    question, (planning, operational) = _choice_question(survey)
    answer = AnswerFactory(response=response, question=question, option=planning, text="")
    answer.option = operational
    save_as(answer, cast.rep_es)
    text_answer = AnswerFactory(
        response=response, question=QuestionFactory(survey=survey, code="engagement_how")
    )
    text_answer.text = "Through the national genomics platform"
    save_as(text_answer, cast.rep_es)

    entries = entries_of(cast.es)
    text_changed, _, stage_changed, stage_created = only(entries, "answer")
    assert stage_changed.label == "answer to nmg_stage in nmg-survey-2022"
    assert changes(stage_changed) == {"option": ("Planning", "Operational")}
    assert changes(stage_created) == {"option": ("", "Planning")}
    assert text_changed.label == "answer to engagement_how in nmg-survey-2022"
    assert changes(text_changed) == {
        "text": ("An answer", "Through the national genomics platform")
    }
    (response_entry,) = only(entries, "response")
    assert response_entry.label == "response to nmg-survey-2022"
    assert changes(response_entry) == {"status": ("", "Draft")}


def test_removed_answers_stay_in_the_history(cast):
    survey = SurveyFactory(slug="nmg-survey-2022")
    response = ResponseFactory(survey=survey, country=cast.es)
    question, (planning, _) = _choice_question(survey)
    answer = AnswerFactory(response=response, question=question, option=planning, text="")
    delete_as(answer, cast.rep_es)

    removed = only(entries_of(cast.es), "answer")[0]
    assert (removed.action, removed.who) == ("removed", "rep_es")
    assert changes(removed) == {"option": ("Planning", "")}
    assert not Answer.objects.exists()


# What the page covers


def test_other_countries_changes_are_absent(cast):
    it_expert = ExpertFactory(country=cast.it, name="Giulia Conti")
    MembershipFactory(expert=it_expert)
    MirrorGroupFactory(country=cast.it, name="Gruppo specchio")
    it_response = ResponseFactory(country=cast.it)
    AnswerFactory(response=it_response)
    ExpertFactory(country=cast.es, name="Marta Gil")

    entries = entries_of(cast.es)
    assert {e.what for e in entries} == {"country", "representative", "expert"}
    labels = " ".join(e.label for e in entries)
    assert "Giulia" not in labels and "Gruppo" not in labels
    assert {e.what for e in entries_of(cast.it)} == {
        "country",
        "representative",
        "expert",
        "membership",
        "mirror group",
        "response",
        "answer",
    }


def _move_expert_to_italy(cast):
    """Marta Gil holds a seat in Spain's group, then moves to Italy: the seat goes to
    Italy's group, she is renamed there and takes a second seat."""
    expert = ExpertFactory(country=cast.es, name="Marta Gil", institution="ISCIII")
    es_group = MirrorGroupFactory(country=cast.es, name="Grupo espejo")
    it_group = MirrorGroupFactory(country=cast.it, name="Gruppo specchio")
    seat = MembershipFactory(
        expert=expert, working_group=factories.working_group(3), mirror_group=es_group
    )
    expert.country, expert.institution = cast.it, "Istituto Superiore di Sanità"
    save_as(expert, cast.staff)
    seat.mirror_group = it_group
    save_as(seat, cast.staff)
    expert.name = "Marta Gil Rossi"
    save_as(expert, cast.rep_it)
    seat.role = Membership.Role.COORDINATOR
    save_as(seat, cast.rep_it)
    MembershipFactory(expert=expert, working_group=factories.working_group(5), mirror_group=None)
    return expert, seat, es_group, it_group


def _everything_shown(entries):
    return " ".join(
        " ".join([e.label, *(f"{c.before} {c.after}" for c in e.changes)]) for e in entries
    )


def test_an_expert_who_moved_shows_only_their_time_in_the_country(cast):
    _move_expert_to_italy(cast)

    entries = entries_of(cast.es)

    (seat,) = only(entries, "membership")
    assert (seat.action, seat.label) == ("created", "WG3 seat of Marta Gil in Grupo espejo")
    assert changes(seat) == {
        "working group": ("", "WG3"),
        "mirror group": ("", "Grupo espejo"),
        "role": ("", "Expert"),
    }
    assert [(e.action, e.label) for e in only(entries, "expert")] == [("created", "Marta Gil")]
    shown = _everything_shown(entries)
    for italian in ("Gruppo specchio", "Rossi", "Istituto", "WG5", "Coordinator", "Italy"):
        assert italian not in shown


def test_the_country_an_expert_moved_to_shows_only_the_time_since(cast):
    _move_expert_to_italy(cast)

    entries = entries_of(cast.it)

    seats = only(entries, "membership")
    assert [(e.action, e.label) for e in seats] == [
        ("created", "WG5 seat of Marta Gil Rossi"),
        ("changed", "WG3 seat of Marta Gil Rossi in Gruppo specchio"),
        ("changed", "WG3 seat of Marta Gil Rossi in Gruppo specchio"),
    ]
    # The seat's first version in Italy still pointed at Spain's group: neither that
    # group's name nor the seat's earlier Spanish version is shown.
    moved_in = seats[2]
    assert moved_in.earlier_unknown
    assert changes(moved_in)["mirror group"] == ("", "Gruppo specchio")
    assert changes(seats[1]) == {"role": ("Expert", "Coordinator")}
    arrived = only(entries, "expert")[-1]
    assert arrived.earlier_unknown
    shown = _everything_shown(entries)
    assert "Grupo espejo" not in shown and "ISCIII" not in shown


def test_a_seat_pointing_at_another_countrys_group_does_not_name_it(cast):
    expert = ExpertFactory(country=cast.it, name="Luca Neri")
    it_group = MirrorGroupFactory(country=cast.it, name="Gruppo specchio")
    es_group = MirrorGroupFactory(country=cast.es, name="Grupo espejo")
    seat = MembershipFactory(expert=expert, working_group=None, mirror_group=it_group)
    expert.country = cast.es
    save_as(expert, cast.staff)
    seat.role = Membership.Role.COORDINATOR  # written in Spain, still in Italy's group
    save_as(seat, cast.staff)
    seat.mirror_group = es_group
    save_as(seat, cast.rep_es)

    regrouped, coordinator = only(entries_of(cast.es), "membership")

    other = "a mirror group of another country"
    assert coordinator.label == f"seat of Luca Neri (working group unknown) in {other}"
    assert changes(coordinator)["mirror group"] == ("", other)
    assert regrouped.label == "seat of Luca Neri (working group unknown) in Grupo espejo"
    assert changes(regrouped) == {"mirror group": (other, "Grupo espejo")}
    assert "Gruppo" not in _everything_shown(entries_of(cast.es))


def test_a_group_moved_away_is_named_as_it_was_in_the_country(cast):
    expert = ExpertFactory(country=cast.es, name="Pilar Soto")
    group = MirrorGroupFactory(country=cast.es, name="Grupo espejo")
    MembershipFactory(expert=expert, working_group=None, mirror_group=group)
    group.country, group.name = cast.it, "Gruppo specchio"
    save_as(group, cast.staff)

    entries = entries_of(cast.es)

    (seat,) = only(entries, "membership")
    assert seat.label == "seat of Pilar Soto (working group unknown) in Grupo espejo"
    assert "Gruppo" not in _everything_shown(entries)


def test_an_expert_who_came_back_shows_both_times_in_the_country(cast):
    expert, seat, es_group, _ = _move_expert_to_italy(cast)
    expert.country, expert.name = cast.es, "Marta Gil"
    save_as(expert, cast.staff)
    seat.mirror_group = es_group
    save_as(seat, cast.rep_es)

    seats = only(entries_of(cast.es), "membership")

    assert [(e.action, e.label) for e in seats] == [
        ("changed", "WG3 seat of Marta Gil in Grupo espejo"),
        ("created", "WG3 seat of Marta Gil in Grupo espejo"),
    ]
    # Compared with its last version in Spain: the role set in Italy is what it is now.
    assert changes(seats[0]) == {"role": ("Expert", "Coordinator")}
    assert "WG5" not in _everything_shown(entries_of(cast.es))


def test_answers_of_a_response_moved_away_stay_out(cast):
    survey = SurveyFactory(slug="nmg-survey-2022")
    response = ResponseFactory(survey=survey, country=cast.es)
    answer = AnswerFactory(response=response, text="Respuesta de España")
    response.country = cast.it
    save_as(response, cast.staff)
    answer.text = "Risposta dell'Italia"
    save_as(answer, cast.rep_it)
    AnswerFactory(response=response, text="Seconda risposta")

    es_entries = entries_of(cast.es)
    it_entries = entries_of(cast.it)

    assert [(e.action, changes(e)) for e in only(es_entries, "answer")] == [
        ("created", {"text": ("", "Respuesta de España")})
    ]
    assert "Risposta" not in _everything_shown(es_entries)
    it_answers = only(it_entries, "answer")
    assert [e.action for e in it_answers] == ["created", "changed"]
    assert it_answers[1].earlier_unknown
    assert "España" not in _everything_shown(it_entries)


def test_newest_first_and_limit_respected(cast):
    experts = [ExpertFactory(country=cast.es, name=f"Expert {n:02}") for n in range(5)]
    for expert in experts:
        expert.position = "Head of unit"
        save_as(expert, cast.rep_es)

    entries = entries_of(cast.es, limit=3)
    assert len(entries) == 3
    assert [(e.label, e.action) for e in entries] == [
        ("Expert 04", "changed"),
        ("Expert 03", "changed"),
        ("Expert 02", "changed"),
    ]
    everything = entries_of(cast.es)
    assert len(everything) == 12  # 5 created, 5 changed, the representative, the country
    assert [e.when for e in everything] == sorted((e.when for e in everything), reverse=True)


def test_a_change_is_compared_with_versions_older_than_the_newest(cast):
    first = ExpertFactory(country=cast.es, name="Marta Gil", position="")
    seat = MembershipFactory(expert=first, working_group=factories.working_group(2))
    for n in range(4):
        ExpertFactory(country=cast.es, name=f"Expert {n}")
    first.position = "Head of unit"
    save_as(first, cast.rep_es)
    seat.role = Membership.Role.COORDINATOR
    save_as(seat, cast.rep_es)

    seat_changed, expert_changed = entries_of(cast.es, limit=2)
    assert expert_changed.label == "Marta Gil"
    assert changes(expert_changed) == {"position": ("", "Head of unit")}
    assert seat_changed.label == "WG2 seat of Marta Gil"
    assert changes(seat_changed) == {"role": ("Expert", "Coordinator")}


def test_a_save_without_a_visible_change_is_left_out(cast):
    expert = ExpertFactory(country=cast.es, name="Marta Gil")
    save_as(expert, cast.rep_es)  # only updated_at moves

    assert [e.action for e in only(entries_of(cast.es), "expert")] == ["created"]


def _fill_history(country, *, size: int, user):
    survey = SurveyFactory()
    response = ResponseFactory(survey=survey, country=country)
    for n in range(size):
        group = MirrorGroupFactory(country=country)
        expert = ExpertFactory(country=country, stakeholder_type=factories.stakeholder_type("elsi"))
        expert.region = f"Region {n}"
        save_as(expert, user)
        seat = MembershipFactory(expert=expert, mirror_group=group)
        seat.role = Membership.Role.COORDINATOR
        save_as(seat, user)
        question, (first, second) = _choice_question(survey, code=f"q{n}")
        answer = AnswerFactory(response=response, question=question, option=first, text="")
        answer.option = second
        save_as(answer, user)
    delete_as(expert, user)
    country.notes = f"{size} experts"
    save_as(country, user)


@pytest.mark.parametrize("size", [2, 10])
def test_query_count_does_not_grow_with_the_history(cast, size, django_assert_num_queries):
    _fill_history(cast.es, size=size, user=cast.rep_es)

    with django_assert_num_queries(HISTORY_QUERIES):
        entries = entries_of(cast.es)

    assert len(only(entries, "expert")) == 2 * size + 1
    assert len(only(entries, "answer")) == 2 * size


@pytest.mark.parametrize("size", [2, 10])
def test_query_count_does_not_grow_with_records_moved_away(cast, size, django_assert_num_queries):
    _fill_history(cast.es, size=size, user=cast.rep_es)
    it_group = MirrorGroupFactory(country=cast.it)
    for expert in Expert.objects.filter(country=cast.es):
        expert.country = cast.it
        save_as(expert, cast.staff)
        for seat in expert.memberships.all():
            seat.mirror_group = it_group
            save_as(seat, cast.staff)

    with django_assert_num_queries(HISTORY_QUERIES):
        entries = entries_of(cast.es)

    assert len(only(entries, "expert")) == 2 * size + 1
    assert len(only(entries, "membership")) == 2 * size + 1


# The page


def history_url(code="ES"):
    return reverse("countries:history", args=[code])


def test_staff_read_the_history_page_with_its_changes(client, cast):
    expert = ExpertFactory(country=cast.es, name="Marta Gil", institution="ISCIII")
    expert.institution = "Hospital La Paz"
    save_as(expert, cast.rep_es)
    client.force_login(cast.staff)

    response = client.get(history_url())

    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>History of Spain · NMG Registry</title>" in page
    assert "<h1>History of Spain</h1>" in page
    assert "latest 200 changes" in page
    rows = page.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    # the expert changed and created, the representative created, the country shipped
    assert len(rows) == 4
    assert "Marta Gil" in rows[0] and "rep_es" in rows[0] and "Changed" in rows[0]
    assert (
        '<del><span class="visually-hidden">was </span>ISCIII</del> → '
        '<ins><span class="visually-hidden">now </span>Hospital La Paz</ins>'
    ) in rows[0]
    assert "Created" in rows[1] and "import or command" in rows[1]


def test_representative_reads_their_countrys_history_by_any_code_case(client, cast):
    client.force_login(cast.rep_es)

    response = client.get(history_url("es"))

    assert response.status_code == 200
    assert "WG1 representative" in response.content.decode()


def test_empty_history_says_so(client, cast):
    Country.history.filter(id=factories.country("FR").pk).delete()
    client.force_login(cast.staff)

    response = client.get(history_url("FR"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing has changed for France" in page
    assert "<table" not in page


@pytest.mark.parametrize("who", ["rep_it", "viewer"])
def test_others_may_not_read_a_countrys_history(client, cast, who):
    client.force_login(getattr(cast, who))

    response = client.get(history_url())

    assert response.status_code == 403
    assert "Only the representatives of Spain and WP6 staff may read its history." in (
        response.content.decode()
    )


def test_anonymous_is_sent_to_sign_in(client, cast):
    response = client.get(history_url())

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert response["Location"] == "/accounts/login/?next=/countries/ES/history/"


def test_unknown_country_is_not_found(client, cast):
    client.force_login(cast.staff)

    response = client.get(history_url("XX"))

    assert response.status_code == 404
    assert "XX" in response.content.decode()


@pytest.mark.parametrize("size", [2, 10])
def test_page_query_count_does_not_grow_with_the_history(
    client, cast, size, django_assert_num_queries
):
    _fill_history(cast.es, size=size, user=cast.rep_es)
    client.force_login(cast.rep_es)

    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get(history_url())

    assert response.status_code == 200
    assert response.content.decode().count("seat of") == 2 * size + 1
