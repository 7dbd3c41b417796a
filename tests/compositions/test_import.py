"""The composition file import: what a staff member or a representative sees when uploading,
and what `manage.py import_composition` prints."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from compositions.models import Expert, Membership
from compositions.services import import_rows
from compositions.services.file_import import import_composition
from nmg_registry.models import MirrorGroup, WorkingGroup
from nmg_registry.tabular import ImportFailed, write_xlsx
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = "country,working_group,role,stakeholder_type,institution,name,position,gender,region,email"
ANA = (
    "ES,3,coordinator,research-university,ISCIII,Ana García,Researcher,female,Madrid,"
    "ana@example.org"
)
LUIS = "ES,1,expert,clinical-communities,CNAG,Luis Pérez,Clinician,male,,luis@example.org"
GIULIA = "IT,9,expert,elsi,ISS,Giulia Rossi,Lawyer,female,Lazio,giulia@example.org"


def csv_file(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


def run(data: bytes, filename: str = "composition.csv", **kwargs):
    return import_composition(data=data, filename=filename, **kwargs)


def errors_of(data: bytes, filename: str = "composition.csv", **kwargs) -> list[str]:
    with pytest.raises(ImportFailed) as failed:
        run(data, filename, **kwargs)
    return [str(error) for error in failed.value.errors]


def stored() -> tuple[int, int, int, int]:
    """Experts, memberships and their history rows: what a failed import must leave alone."""
    return (
        Expert.objects.count(),
        Membership.objects.count(),
        Expert.history.count(),
        Membership.history.count(),
    )


def seats(expert: Expert) -> set[tuple]:
    return {
        (m.working_group.number if m.working_group else None, m.role)
        for m in expert.memberships.select_related("working_group")
    }


def counts(summary, model: str) -> tuple[int, int, int, int]:
    c = summary.counts[model]
    return (c.created, c.updated, c.unchanged, c.removed)


# Creating and updating


def test_creates_experts_with_their_memberships_and_history():
    summary = run(csv_file(ANA, LUIS, GIULIA))

    ana = Expert.objects.get(email="ana@example.org")
    assert (ana.country.code, ana.name, ana.institution, ana.position) == (
        "ES",
        "Ana García",
        "ISCIII",
        "Researcher",
    )
    assert (ana.gender, ana.region, ana.stakeholder_type.slug) == (
        "female",
        "Madrid",
        "research-university",
    )
    assert seats(ana) == {(3, "coordinator")}
    assert counts(summary, "experts") == (3, 0, 0, 0)
    assert counts(summary, "memberships") == (3, 0, 0, 0)
    assert stored() == (3, 3, 3, 3)
    assert summary.line() == (
        "experts: 3 created, 0 updated, 0 unchanged, 0 removed; "
        "memberships: 3 created, 0 updated, 0 unchanged, 0 removed"
    )
    assert [(c.action, c.model, c.description, c.line) for c in summary.changes[:2]] == [
        ("create", "expert", "create expert Ana García (ES)", 2),
        ("create", "membership", "create membership Ana García (ES): WG3, coordinator", 2),
    ]
    assert ana.history.get().history_change_reason == "composition import: composition.csv"


def test_one_person_in_several_rows_is_one_expert_with_several_memberships():
    run(
        csv_file(
            ANA,
            "ES,WG5,expert,,ISCIII,Ana García,,,,ANA@example.org",
            "ES,,,,,Ana García,,,,ana@example.org",
        )
    )

    ana = Expert.objects.get()
    assert seats(ana) == {(3, "coordinator"), (5, "expert"), (None, "expert")}
    # Blank cells in the other rows do not erase what the first row says.
    assert (ana.position, ana.stakeholder_type.slug) == ("Researcher", "research-university")


def test_accepts_codes_labels_and_aliases_in_any_letter_case():
    run(
        csv_file(
            "gr,WG3,Coordinator,Research/University,EKPA,Nikos,,Male,,nikos@example.org",
            "GB,wg 11,EXPERT,research / university,UCL,Jane,,FEMALE,,jane@example.org",
            "es,03,expert,ELSI,CNAG,Pere,,undisclosed,,pere@example.org",
        )
    )

    nikos, jane, pere = (Expert.objects.get(name=n) for n in ("Nikos", "Jane", "Pere"))
    assert (nikos.country.code, nikos.gender, nikos.stakeholder_type.slug) == (
        "EL",
        "male",
        "research-university",
    )
    assert seats(nikos) == {(3, "coordinator")}
    assert (jane.country.code, jane.gender) == ("UK", "female")
    assert seats(jane) == {(11, "expert")}
    assert (pere.country.code, pere.stakeholder_type.slug, seats(pere)) == (
        "ES",
        "elsi",
        {(3, "expert")},
    )


def test_blank_cells_mean_expert_unknown_working_group_stakeholder_and_gender():
    run(csv_file("ES,,,,,Marta,,,,"))

    marta = Expert.objects.get()
    assert (marta.stakeholder_type, marta.gender, marta.email) == (None, "", "")
    assert seats(marta) == {(None, "expert")}


def test_changed_values_update_the_expert_and_only_that_expert_gets_history():
    run(csv_file(ANA, LUIS))
    luis_history = Expert.history.filter(email="luis@example.org").count()

    summary = run(csv_file(ANA.replace("Researcher", "Professor"), LUIS))

    assert Expert.objects.get(email="ana@example.org").position == "Professor"
    assert counts(summary, "experts") == (0, 1, 1, 0)
    assert [c.description for c in summary.changes] == [
        "update expert Ana García (ES): position Researcher → Professor"
    ]
    latest = Expert.history.filter(email="ana@example.org").latest("history_date")
    assert (latest.history_type, latest.position) == ("~", "Professor")
    assert Expert.history.filter(email="luis@example.org").count() == luis_history


def test_a_changed_role_updates_the_membership():
    run(csv_file(ANA))

    summary = run(csv_file(ANA.replace("coordinator", "expert")))

    assert seats(Expert.objects.get()) == {(3, "expert")}
    assert counts(summary, "memberships") == (0, 1, 0, 0)
    assert summary.changes[0].description == (
        "update membership Ana García (ES): WG3, role coordinator → expert"
    )


def test_blank_cells_clear_stored_values_because_the_file_is_the_truth():
    run(csv_file(ANA))

    run(csv_file("ES,3,coordinator,,ISCIII,Ana García,,,,ana@example.org"))

    ana = Expert.objects.get()
    assert (ana.position, ana.gender, ana.region, ana.stakeholder_type) == ("", "", "", None)


def test_a_file_without_position_and_region_columns_leaves_them_alone():
    run(csv_file(ANA))
    header = "country,working_group,role,stakeholder_type,institution,name,gender,email"

    summary = run(
        csv_file(
            "ES,3,coordinator,research-university,ISCIII,Ana García,female,ana@example.org",
            header=header,
        )
    )

    ana = Expert.objects.get()
    assert (ana.position, ana.region) == ("Researcher", "Madrid")
    assert counts(summary, "experts") == (0, 0, 1, 0)


# Recognising people


def test_a_person_is_recognised_by_email_in_any_case():
    run(csv_file(ANA))

    summary = run(csv_file(ANA.replace("ana@example.org", "ANA@Example.org")))

    assert Expert.objects.get().email == "ANA@Example.org"
    assert counts(summary, "experts") == (0, 1, 0, 0)


def test_a_person_without_email_is_recognised_by_name_and_institution_in_any_case():
    run(csv_file("ES,3,,,ISCIII,Luis Pérez,,,,"))

    summary = run(csv_file("ES,3,,,isciii,LUIS PÉREZ,,,,"))

    assert Expert.objects.count() == 1
    assert counts(summary, "memberships") == (0, 0, 1, 0)


def test_adding_an_email_later_keeps_the_same_expert():
    run(csv_file("ES,3,,,ISCIII,Luis Pérez,,,,"))
    expert = Expert.objects.get()

    summary = run(csv_file("ES,3,,,ISCIII,Luis Pérez,,,,luis@example.org"))

    assert Expert.objects.get().pk == expert.pk
    assert Expert.objects.get().email == "luis@example.org"
    assert counts(summary, "experts") == (0, 1, 0, 0)


def test_a_row_without_email_joins_the_person_of_that_name_who_has_one():
    run(csv_file(ANA, "ES,WG4,,,ISCIII,Ana García,,,,"))

    assert seats(Expert.objects.get()) == {(3, "coordinator"), (4, "expert")}


def test_a_row_without_email_matching_two_stored_experts_asks_for_the_email():
    for email in ("luis1@example.org", "luis2@example.org"):
        factories.ExpertFactory(name="Luis Pérez", institution="ISCIII", email=email)

    assert errors_of(csv_file("ES,3,,,ISCIII,Luis Pérez,,,,")) == [
        'line 2, email: several experts of Spain are named "Luis Pérez" at "ISCIII"; '
        "give the email to say which one"
    ]


# Faults: every one reported at once, nothing written


def test_every_fault_of_the_file_is_reported_at_once_and_nothing_is_written():
    run(csv_file(LUIS))
    before = stored()
    data = csv_file(
        ANA,
        "XX,3,,,ISCIII,Somebody,,,,",
        "ES,3,,,ISCIII,Bob,,,,bob@",
        "ES,14,,,ISCIII,Carla,,,,",
        "ES,3,,,ISCIII,,,,,",
        "ES,3,chair,scientists,ISCIII,Dora,,woman,,dora@example.org",
    )

    assert errors_of(data) == [
        'line 3, country: unknown country "XX"',
        'line 4, email: "bob@" is not a valid email address',
        'line 5, working_group: "14" is not a working group; expected 1 to 11 or WG1 to WG11',
        "line 6, name: missing name",
        'line 7, role: "chair" is not a role; expected coordinator or expert',
        'line 7, stakeholder_type: "scientists" is not a stakeholder type; expected one of '
        "ministry-agency-policy-maker, research-university, clinical-communities, "
        "it-data-communities, scientific-communities, policy-advisory-groups, "
        "industry-private-sector, elsi, funding-agencies, patient-organisations, or its label",
        'line 7, gender: "woman" is not a gender; expected female, male, other or undisclosed',
    ]
    assert stored() == before
    assert not Expert.objects.filter(name="Ana García").exists()


def test_the_working_group_message_lists_the_groups_that_exist():
    WorkingGroup.objects.filter(number__in=[9, 11]).delete()

    assert errors_of(csv_file("ES,WG9,,,ISCIII,Ana,,,,")) == [
        'line 2, working_group: "WG9" is not a working group; '
        "expected 1 to 8, 10 or WG1 to WG8, WG10"
    ]


def test_conflicting_values_for_the_same_person_name_both_lines():
    data = csv_file(
        ANA,
        LUIS,
        "ES,4,,research-university,ISCIII,Ana García,Professor,female,,ana@example.org",
    )

    assert errors_of(data) == [
        'line 4, position: "Professor" conflicts with "Researcher" on line 2 for the same person'
    ]
    assert stored() == (0, 0, 0, 0)


def test_the_same_seat_twice_with_different_roles_is_an_error():
    data = csv_file(ANA, ANA.replace("coordinator", "expert"))

    assert errors_of(data) == [
        'line 3, role: "expert" conflicts with "coordinator" on line 2 for the same seat (WG3)'
    ]


def test_the_same_seat_twice_with_the_same_role_is_one_membership():
    run(csv_file(ANA, ANA))

    assert Membership.objects.count() == 1


def test_a_value_longer_than_its_column_is_an_error():
    assert errors_of(csv_file(f"ES,3,,,ISCIII,{'A' * 201},,,,")) == [
        "line 2, name: longer than 200 characters"
    ]


def test_a_clash_with_a_simultaneous_change_writes_nothing_and_says_so(monkeypatch):
    run(csv_file(ANA, GIULIA))
    before = stored()
    real_load = import_rows._Existing.load

    def load_without_ana(countries):
        # As if Ana were stored by someone else after the import read the database.
        existing = real_load(countries)
        existing.by_email = {k: e for k, e in existing.by_email.items() if e.name != "Ana García"}
        existing.by_name = {k: e for k, e in existing.by_name.items() if e[0].name != "Ana García"}
        return existing

    monkeypatch.setattr(import_rows._Existing, "load", load_without_ana)

    # Giulia's update is written before Ana's insert fails: it must be undone.
    assert errors_of(csv_file(GIULIA.replace("Lawyer", "Judge"), ANA)) == [
        "the composition changed during the import; nothing was written, try again"
    ]
    assert Expert.objects.get(name="Giulia Rossi").position == "Lawyer"
    assert stored() == before


# File formats


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"\n\n", "the file is empty"),
        (HEADER.encode() + b"\n", "the file has a header but no data rows"),
    ],
    ids=["empty", "blank lines", "header only"],
)
def test_unreadable_files_are_refused_with_a_clear_message(data, message):
    assert errors_of(data) == [message]


def test_a_file_that_is_not_utf8_names_the_first_bad_byte():
    data = HEADER.encode() + b"\nES,3,,,Universit\xe9,Ana,,,,\n"
    position = data.index(b"\xe9") + 1

    assert errors_of(data) == [
        f"the file is not UTF-8 text (byte {position} cannot be read); "
        "save it as CSV UTF-8 or as XLSX"
    ]


def test_a_missing_column_and_an_unknown_column_are_both_reported():
    header = HEADER.replace("stakeholder_type", "stakeholder").replace(",email", "")

    assert errors_of(csv_file("ES,3,,,ISCIII,Ana,,,", header=header)) == [
        'line 1: unknown column "stakeholder"; expected country, working_group, role, '
        "stakeholder_type, institution, name, gender, email, position, region",
        'line 1: missing column "stakeholder_type"',
        'line 1: missing column "email"',
    ]


def test_a_csv_with_byte_order_mark_and_semicolons_imports():
    data = "\ufeff" + HEADER.replace(",", ";") + "\n" + ANA.replace(",", ";") + "\n"

    run(data.encode("utf-8"))

    assert Expert.objects.get().name == "Ana García"


def test_an_xlsx_file_imports_like_the_csv():
    rows = [ANA.split(","), [*LUIS.split(",")[:1], 1, *LUIS.split(",")[2:]]]
    data = write_xlsx([("Composition", HEADER.split(","), rows)])

    summary = run(data, filename="composition.xlsx")

    assert counts(summary, "experts") == (2, 0, 0, 0)
    assert seats(Expert.objects.get(name="Luis Pérez")) == {(1, "expert")}


def test_a_file_that_is_neither_csv_nor_xlsx_is_refused():
    assert errors_of(b"PK\x03\x04 not really a zip", filename="composition.xlsx") == [
        "the file is not a readable XLSX workbook"
    ]


# Idempotency, replace, dry run


def test_importing_the_same_file_twice_changes_nothing_the_second_time():
    data = csv_file(ANA, LUIS, GIULIA, "ES,,,,CNAG,Pere,,,,")
    run(data)
    before = stored()

    summary = run(data)

    assert counts(summary, "experts") == (0, 0, 4, 0)
    assert counts(summary, "memberships") == (0, 0, 4, 0)
    assert summary.changes == []
    assert not summary.changed
    assert stored() == before


def test_without_replace_experts_missing_from_the_file_stay():
    run(csv_file(ANA, LUIS))

    run(csv_file(ANA))

    assert Expert.objects.count() == 2


def test_replace_removes_the_named_countrys_absentees_only_and_keeps_their_history():
    run(csv_file(ANA, "ES,5,,,ISCIII,Ana García,,,,ana@example.org", LUIS, GIULIA))

    summary = run(csv_file(ANA), replace=True)

    assert set(Expert.objects.values_list("name", flat=True)) == {"Ana García", "Giulia Rossi"}
    assert seats(Expert.objects.get(name="Ana García")) == {(3, "coordinator")}
    assert counts(summary, "experts") == (0, 0, 1, 1)
    assert counts(summary, "memberships") == (0, 0, 1, 2)
    assert sorted(c.description for c in summary.changes) == [
        "remove expert Luis Pérez (ES)",
        "remove membership Ana García (ES): WG5, expert",
        "remove membership Luis Pérez (ES): WG1, expert",
    ]
    removed = Expert.history.get(email="luis@example.org", history_type="-")
    assert removed.history_change_reason == "composition import: composition.csv"
    assert Membership.history.filter(history_type="-").count() == 2


def test_dry_run_reports_the_changes_and_writes_nothing():
    run(csv_file(LUIS))
    before = stored()

    summary = run(csv_file(ANA), replace=True, dry_run=True)

    assert summary.dry_run
    assert counts(summary, "experts") == (1, 0, 0, 1)
    assert summary.line().startswith("Dry run, nothing written. experts: 1 created")
    assert stored() == before


# Seats the file cannot describe in full


def test_a_seat_held_through_a_mirror_group_is_recognised():
    expert = factories.ExpertFactory(email="ana@example.org", name="Ana García")
    group = MirrorGroup.objects.create(country=expert.country, kind="core", name="Core")
    Membership.objects.create(
        expert=expert,
        working_group=factories.working_group(3),
        mirror_group=group,
        role="coordinator",
    )

    summary = run(
        csv_file("ES,3,coordinator,,Instituto de Salud,Ana García,,female,,ana@example.org")
    )

    assert counts(summary, "memberships") == (0, 0, 1, 0)
    assert Membership.objects.count() == 1


def test_a_row_with_neither_working_group_nor_role_leaves_a_seatless_expert_seatless():
    factories.ExpertFactory(email="ana@example.org", name="Ana García", gender="")

    summary = run(csv_file("ES,,,,Instituto de Salud,Ana García,,,,ana@example.org"))

    assert Membership.objects.count() == 0
    assert not summary.changed


def test_a_seatless_expert_given_seats_with_a_blank_row_imports_idempotently():
    factories.ExpertFactory(email="ana@example.org", name="Ana García", gender="")
    data = csv_file(
        "ES,,,,Instituto de Salud,Ana García,,,,ana@example.org",
        "ES,3,,,Instituto de Salud,Ana García,,,,ana@example.org",
    )
    run(data)

    summary = run(data)

    assert seats(Expert.objects.get()) == {(None, "expert"), (3, "expert")}
    assert not summary.changed


# Who may import


def test_a_representative_imports_their_own_country_and_is_named_in_the_history(cast):
    run(csv_file(ANA), user=cast.rep_es)

    assert Expert.history.get().history_user == cast.rep_es


def test_a_representative_may_not_import_another_countrys_rows(cast):
    data = csv_file(ANA, GIULIA, GIULIA.replace("9,", "8,"))

    assert errors_of(data, user=cast.rep_es) == [
        "line 3, country: you may not change the composition of Italy (IT)",
        "line 4, country: you may not change the composition of Italy (IT)",
    ]
    assert stored() == (0, 0, 0, 0)


def test_staff_import_any_country(cast):
    run(csv_file(ANA, GIULIA), user=cast.staff)

    assert Expert.objects.count() == 2


# Speed: a fixed number of queries


def _file_of(size: int, *, offset: int = 0) -> bytes:
    return csv_file(
        *(
            f"ES,{1 + i % 11},expert,elsi,ISCIII,Person {offset + i},,female,,p{offset + i}@x.org"
            for i in range(size)
        )
    )


@pytest.mark.parametrize("size", [5, 50])
def test_a_new_import_runs_in_a_fixed_number_of_queries(size, django_assert_num_queries):
    # Savepoint; countries, working groups, stakeholder types; the stored experts and
    # memberships of the file's countries; insert experts, their history, memberships,
    # their history; release.
    with django_assert_num_queries(11):
        run(_file_of(size))

    assert Membership.objects.count() == size


@pytest.mark.parametrize("size", [5, 50])
def test_an_update_and_replace_import_runs_in_a_fixed_number_of_queries(
    size, django_assert_num_queries
):
    run(_file_of(size))
    data = (
        _file_of(size)
        .replace(b"elsi", b"clinical-communities")
        .replace(b",expert,", b",coordinator,")
        .replace(b"Person 0,", b"Someone else,")
        .replace(b"p0@x.org", b"someone@x.org")
    )
    # The 11 above, plus: update the experts' stakeholder type and the memberships' role
    # (2 + 2 history); remove Person 0 and their membership (2 + 2 history).
    with django_assert_num_queries(19):
        summary = run(data, replace=True)

    assert counts(summary, "experts") == (1, size - 1, 0, 1)
    assert counts(summary, "memberships") == (1, size - 1, 0, 1)


@pytest.mark.parametrize("size", [5, 50])
def test_a_representatives_import_runs_in_a_fixed_number_of_queries(
    cast, size, django_assert_num_queries
):
    rep = get_user_model().objects.get(username="rep_es")  # nothing cached on it yet
    # ... plus the representative's permissions and countries.
    with django_assert_num_queries(14):
        run(_file_of(size), user=rep)


# The command


def test_the_command_prints_the_summary(tmp_path, capsys):
    path = tmp_path / "composition.csv"
    path.write_bytes(csv_file(ANA, LUIS))

    call_command("import_composition", str(path))

    assert capsys.readouterr().out.strip() == (
        "experts: 2 created, 0 updated, 0 unchanged, 0 removed; "
        "memberships: 2 created, 0 updated, 0 unchanged, 0 removed"
    )


def test_the_command_prints_every_error_and_exits_with_status_1(tmp_path, capsys):
    path = tmp_path / "composition.csv"
    path.write_bytes(csv_file(ANA, "ES,14,,,ISCIII,Bob,,,,bob@"))

    with pytest.raises(SystemExit) as exited:
        call_command("import_composition", str(path))

    assert exited.value.code == 1
    assert capsys.readouterr().err.splitlines() == [
        'line 3, working_group: "14" is not a working group; expected 1 to 11 or WG1 to WG11',
        'line 3, email: "bob@" is not a valid email address',
        "2 errors; nothing was written.",
    ]
    assert stored() == (0, 0, 0, 0)


def test_the_command_dry_run_and_replace(tmp_path, capsys):
    run(csv_file(ANA, LUIS))
    path = tmp_path / "composition.xlsx"
    path.write_bytes(write_xlsx([("Composition", HEADER.split(","), [ANA.split(",")])]))

    call_command("import_composition", str(path), "--dry-run", "--replace")
    assert Expert.objects.count() == 2
    call_command("import_composition", str(path), "--replace")

    assert Expert.objects.count() == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(
        "Dry run, nothing written. experts: 0 created, 0 updated, 1 unchanged, 1 removed"
    )
    assert out[1].startswith("experts: 0 created, 0 updated, 1 unchanged, 1 removed")


def test_the_command_names_a_missing_file(tmp_path):
    with pytest.raises(
        CommandError, match=r"cannot read .*missing\.csv: No such file or directory"
    ):
        call_command("import_composition", str(tmp_path / "missing.csv"))
