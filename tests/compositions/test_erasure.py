"""Erasing an expert on request (`erase_personal_data`, issue 14 §1): the expert and their
seats go, every historical version keeps its figures but names no one, and nothing in the
database — any row of any table, history included, nor an upload waiting for confirmation —
still holds their name or e-mail."""

import io

import pytest
from django.apps import apps
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from analytics.selectors import composition_summary
from compositions.models import Expert, Membership
from compositions.services.experts import update_expert
from nmg_registry.concurrency import version_of
from nmg_registry.models import Country, ErasureLog, MirrorGroup, PendingImport
from nmg_registry.moments import Moment
from nmg_registry.tabular import cell_texts, write_xlsx
from tests import factories
from tests.conftest import PERSONAL, answer

pytestmark = pytest.mark.django_db

NAME, EMAIL = PERSONAL["ES"]
COMPOSITION_HEADER = (
    "country,working_group,role,stakeholder_type,institution,name,position,gender,region,email"
)


def every_value_in_the_database():
    """Every value of every row of every table (Django's own, the apps', the history tables
    and the many-to-many ones), as text; the cells of stored uploads as well."""
    for model in apps.get_models(include_auto_created=True):
        for row in model._base_manager.values_list():
            for value in row:
                if isinstance(value, bytes | memoryview):
                    yield bytes(value).decode("utf-8", errors="replace")
                elif value is not None:
                    yield str(value)
    for pending in PendingImport.objects.all():
        yield from cell_texts(bytes(pending.data), pending.filename)


def hits(*texts):
    found = [
        value
        for value in every_value_in_the_database()
        if any(text.casefold() in value.casefold() for text in texts)
    ]
    return found


def stage(user, filename, data):
    return PendingImport.objects.create(
        kind=PendingImport.Kind.COMPOSITION, user=user, filename=filename, data=data
    )


@pytest.fixture
def traces(registry):
    """Ana Espinosa (ES) as an expert with a past: an edit by staff, the admin's log of it,
    uploads waiting for confirmation that name her (CSV and XLSX), one that does not, a
    country note and a survey answer that mention her."""
    cast = registry.cast
    expert = registry.es_expert
    update_expert(
        user=cast.staff,
        expert=expert,
        version=version_of(expert),
        values={"position": "Head of genomics", "region": "Madrid", "institution": "ISCIII"},
    )
    # Who made the edit, as the web's history middleware records it.
    Expert.history.filter(id=expert.pk, history_type="~").update(history_user=cast.staff)
    LogEntry.objects.create(
        user=cast.staff,
        content_type=ContentType.objects.get_for_model(Expert),
        object_id=str(expert.pk),
        object_repr=str(expert),
        action_flag=CHANGE,
        change_message=f'[{{"changed": {{"fields": ["Position"]}}, "name": "{NAME}"}}]',
    )
    row = f"ES,1,expert,elsi,ISCIII,{NAME},Head,female,Madrid,{EMAIL}"
    stage(cast.rep_es, "es.csv", f"{COMPOSITION_HEADER}\n{row}\n".encode())
    xlsx = write_xlsx([("composition", COMPOSITION_HEADER.split(","), [row.split(",")])])
    stage(cast.rep_es, "es.xlsx", xlsx)
    other = "ES,1,expert,elsi,UB,Carla Ruiz,,female,,carla@example.es"
    kept = stage(cast.rep_es, "other.csv", f"{COMPOSITION_HEADER}\n{other}\n".encode())
    Country.objects.filter(code="ES").update(notes=f"Ask {NAME} ({EMAIL}) about the plan.")
    answer(registry.drafts["ES"], "nmg_stage", "planning")
    registry.drafts["ES"].answers.filter(question__code="notes").update(
        text=f"Coordinated by {NAME.upper()}."
    )
    return kept


def test_erasure_leaves_no_trace_of_the_name_or_email_in_any_table(registry, traces):
    assert hits(NAME, EMAIL)  # the dump does find her before
    out = io.StringIO()
    call_command("erase_personal_data", "--country", "es", "--email", EMAIL.upper(), stdout=out)
    assert "Erased: 3 record(s) of ES removed" in out.getvalue()
    assert hits(NAME, EMAIL) == []
    # Only the upload that did not name her waits still; the other expert is untouched.
    assert list(PendingImport.objects.all()) == [traces]
    assert Expert.objects.filter(name=PERSONAL["IT"][0]).exists()
    assert Country.objects.get(code="ES").notes == "Ask [erased] ([erased]) about the plan."


def test_every_version_keeps_its_figures_and_names_no_one(registry, traces):
    expert = registry.es_expert
    seats_before = list(
        Membership.history.filter(expert_id=expert.pk)
        .order_by("history_date", "history_id")
        .values_list("history_date", "history_type", "working_group_id", "role")
    )
    call_command("erase_personal_data", "--country", "ES", "--email", EMAIL, stdout=io.StringIO())
    versions = list(Expert.history.filter(id=expert.pk).order_by("history_date", "history_id"))
    assert [v.history_type for v in versions] == ["+", "~", "-"]
    for version in versions:
        assert (version.name, version.institution, version.position, version.region) == (
            ("[erased]",) * 4
        )
        assert version.email == ""
        assert (version.country.code, version.gender, version.stakeholder_type.slug) == (
            "ES",
            "female",
            "research-university",
        )
    # The edit keeps its author; the removal is the command line's, with its reason.
    assert versions[1].history_user == registry.cast.staff
    assert versions[2].history_user is None
    assert versions[2].history_change_reason == "personal data erased on request"
    # The seats' versions are as they were, with their removal added.
    after = list(
        Membership.history.filter(expert_id=expert.pk)
        .order_by("history_date", "history_id")
        .values_list("history_date", "history_type", "working_group_id", "role")
    )
    assert after[: len(seats_before)] == seats_before
    assert [row[1] for row in after[len(seats_before) :]] == ["-", "-"]


def test_the_composition_of_a_past_moment_is_unchanged(registry, traces):
    then = Moment(at=timezone.now())
    before = composition_summary(moment=then)
    assert before.countries  # ES counts her: a female researcher with two seats
    call_command("erase_personal_data", "--country", "ES", "--email", EMAIL, stdout=io.StringIO())
    assert composition_summary(moment=then) == before
    assert composition_summary() != before  # now she is gone


def test_the_country_history_shows_the_marker(registry, traces, as_user):
    call_command("erase_personal_data", "--country", "ES", "--email", EMAIL, stdout=io.StringIO())
    page = as_user("staff").get(reverse("countries:history", args=["ES"]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "[erased]" in text
    assert "Head of genomics" not in text
    assert NAME not in text and EMAIL not in text
    assert "personal data erased on request" in text


def test_the_erasure_log_records_counts_never_what(registry, traces):
    call_command("erase_personal_data", "--country", "ES", "--email", EMAIL, stdout=io.StringIO())
    (line,) = ErasureLog.objects.all()
    assert (line.kind, line.country.code, line.erased_by, line.records) == (
        "expert",
        "ES",
        None,
        3,
    )
    assert line.versions == Expert.history.filter(id=registry.es_expert.pk).count() + (
        Membership.history.filter(expert_id=registry.es_expert.pk).count()
    )


def test_a_dry_run_erases_nothing(registry, traces):
    out = io.StringIO()
    before = hits(NAME, EMAIL)
    call_command(
        "erase_personal_data", "--country", "ES", "--email", EMAIL, "--dry-run", stdout=out
    )
    text = out.getvalue()
    assert "Dry run, nothing erased" in text
    assert "1 expert record(s) of ES and their 2 seat(s) removed" in text
    assert "2 upload(s) waiting for confirmation that name them deleted" in text
    assert hits(NAME, EMAIL) == before
    assert not ErasureLog.objects.exists()


def test_an_expert_without_email_is_found_by_name_and_institution(registry):
    factories.ExpertFactory(
        country=registry.cast.es, name="Luis Sin Correo", institution="CNIO", email=""
    )
    factories.ExpertFactory(
        country=registry.cast.es, name="Luis Sin Correo", institution="UPF", email=""
    )
    with pytest.raises(CommandError) as ambiguous:
        call_command("erase_personal_data", "--name", "luis sin correo", stdout=io.StringIO())
    message = str(ambiguous.value)
    assert "2 people match" in message and "--institution" in message
    assert message.count("ES: expert #") == 2
    assert "CNIO" not in message and "UPF" not in message  # the hint names no one
    call_command(
        "erase_personal_data",
        "--name",
        "Luis Sin Correo",
        "--institution",
        "cnio",
        stdout=io.StringIO(),
    )
    assert list(Expert.objects.filter(name="Luis Sin Correo").values_list("institution")) == [
        ("UPF",)
    ]


def test_a_removed_expert_is_erased_from_the_history(registry, traces):
    """Someone removed last year still has every version in the history: erased all the same."""
    expert = registry.es_expert
    expert.delete()
    out = io.StringIO()
    call_command("erase_personal_data", "--email", EMAIL, stdout=out)
    assert "Erased: 0 record(s) of ES removed" in out.getvalue()
    assert hits(NAME, EMAIL) == []


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--email", "nobody@example.org"], "No one in the registry matches e-mail"),
        (["--country", "XX", "--email", EMAIL], 'unknown country "XX"'),
        (["--country", "ES"], "Name the person"),
        (["--user", "staff", "--email", EMAIL], "--user erases a user account"),
        (["--user", "nobody"], 'No user "nobody"'),
        (["--older", "3"], "unrecognized arguments"),
    ],
)
def test_bad_requests_are_refused_with_a_message(registry, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("erase_personal_data", *arguments, stdout=io.StringIO())
    assert Expert.objects.count() == 2


def test_a_bad_option_on_the_command_line_exits_1_without_traceback(registry, capsys):
    from django.core.management import ManagementUtility

    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "erase_personal_data", "--wrong"]).execute()
    assert exited.value.code == 1
    assert "unrecognized arguments: --wrong" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "erase_personal_data", "--email", "x@y.org"]).execute()
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert "No one in the registry matches" in err and "Traceback" not in err


def test_history_of_past_days_is_untouched_by_a_later_erasure_of_someone_else(registry):
    """Only the erased person's versions change."""
    it_versions = list(Expert.history.filter(id=registry.it_expert.pk).values())
    call_command("erase_personal_data", "--country", "ES", "--email", EMAIL, stdout=io.StringIO())
    assert list(Expert.history.filter(id=registry.it_expert.pk).values()) == it_versions


# One person erased, no one else touched: a name as whole words, an e-mail as a whole
# address, letter case aside in every alphabet; the admin's log of the erased records alone.


def erase(*arguments) -> str:
    out = io.StringIO()
    call_command("erase_personal_data", *arguments, stdout=out)
    return out.getvalue()


def log_addition(user, record):
    """The admin's log line of a record added through the admin."""
    LogEntry.objects.log_actions(
        user_id=user.pk,
        queryset=[record],
        action_flag=ADDITION,
        change_message=[{"added": {}}],
        single_object=True,
    )


def test_a_longer_name_or_address_holding_theirs_is_someone_else(registry):
    """Erasing Ana Espinosa leaves Juana Espinosa (juana.espinosa@…) whole: her upload,
    the notes naming her, her admin log; and "Jan Bergman" is not "Jan Berg"."""
    cast = registry.cast
    juana = factories.ExpertFactory(
        country=cast.es, name="Juana Espinosa", email="juana.espinosa@example.es"
    )
    row = "ES,1,expert,elsi,UB,Juana Espinosa,,female,,juana.espinosa@example.es"
    upload = stage(cast.rep_es, "juana.csv", f"{COMPOSITION_HEADER}\n{row}\n".encode())
    notes = "Juana Espinosa (juana.espinosa@example.es, x.ana.espinosa@example.es.org) leads WG3."
    Country.objects.filter(code="ES").update(notes=notes)
    log_addition(cast.staff, juana)
    factories.ExpertFactory(country=cast.es, name="Jan Berg", email="jan@example.es")
    MirrorGroup.objects.filter(name="NMG España").update(
        description="Chaired by Jan Bergman and Jan-Berg Olsen since 2021."
    )

    erase("--country", "ES", "--email", EMAIL)
    erase("--country", "ES", "--email", "jan@example.es")

    assert PendingImport.objects.filter(pk=upload.pk).exists()
    assert Country.objects.get(code="ES").notes == notes
    entry = LogEntry.objects.get(object_id=str(juana.pk), content_type__model="expert")
    assert entry.object_repr == "Juana Espinosa (ES)"
    assert MirrorGroup.objects.get(name="NMG España").description == (
        "Chaired by Jan Bergman and Jan-Berg Olsen since 2021."
    )


def test_their_name_among_other_words_and_accents_is_scrubbed(registry):
    """Whole words next to punctuation and accented neighbours: "Ana Espinosa's",
    "(ana.espinosa@example.es)", "Ángel y Ana Espinosa." all name her."""
    Country.objects.filter(code="ES").update(
        notes=f"Ángel y {NAME}. {NAME}'s plan ({EMAIL}); mail {EMAIL.upper()}."
    )
    erase("--country", "ES", "--email", EMAIL)
    assert Country.objects.get(code="ES").notes == (
        "Ángel y [erased]. [erased]'s plan ([erased]); mail [erased]."
    )


def test_a_namesake_in_another_country_keeps_her_records_log_and_notes(registry):
    """Erasing Ana García of ES: Ana García of IT keeps her record, her admin log and what
    her country's free text says about her; ES's free text loses the name."""
    cast = registry.cast
    factories.ExpertFactory(country=cast.es, name="Ana García", email="ana@example.es")
    other = factories.ExpertFactory(country=cast.it, name="Ana García", email="ana@example.it")
    log_addition(cast.staff, other)
    Country.objects.filter(code="IT").update(notes="Our coordinator is Ana García.")
    Country.objects.filter(code="ES").update(notes="Ana García (ana@example.es) left.")

    erase("--country", "ES", "--email", "ana@example.es")

    other.refresh_from_db()
    assert (other.name, other.email) == ("Ana García", "ana@example.it")
    entry = LogEntry.objects.get(
        content_type=ContentType.objects.get_for_model(Expert), object_id=str(other.pk)
    )
    assert entry.object_repr == "Ana García (IT)"
    assert Country.objects.get(code="IT").notes == "Our coordinator is Ana García."
    assert Country.objects.get(code="ES").notes == "[erased] ([erased]) left."


def test_their_admin_log_is_scrubbed_in_the_json_django_writes(registry):
    """The admin writes an added seat into the expert's log as JSON, "García" escaped as
    "Garc\\u00eda": found all the same; the seat's own log entries too."""
    cast = registry.cast
    expert = factories.ExpertFactory(
        country=cast.es, name="Ana García", email="ana.garcia@example.es"
    )
    seat = factories.MembershipFactory(expert=expert, working_group=factories.working_group(1))
    LogEntry.objects.log_actions(
        user_id=cast.staff.pk,
        queryset=[expert],
        action_flag=CHANGE,
        change_message=[{"added": {"name": "membership", "object": str(seat)}}],
        single_object=True,
    )
    log_addition(cast.staff, seat)
    erase("--country", "ES", "--email", "ana.garcia@example.es")
    shown = [f"{e.object_repr} {e.get_change_message()}" for e in LogEntry.objects.all()]
    assert shown and not [text for text in shown if "García" in text]
    assert hits("Ana García", "Garc\\u00eda") == []


def test_old_names_and_emails_go_too(registry):
    cast = registry.cast
    expert = factories.ExpertFactory(country=cast.es, name="Marta Vieja", email="old@example.es")
    factories.MembershipFactory(expert=expert, working_group=factories.working_group(1))
    update_expert(
        user=cast.staff,
        expert=expert,
        version=version_of(expert),
        values={"name": "Marta Nueva", "email": "new@example.es"},
    )
    Country.objects.filter(code="IT").update(notes="Marta Vieja (old@example.es) helped")
    erase("--country", "ES", "--email", "OLD@example.es")
    assert hits("Marta Vieja", "Marta Nueva", "old@example.es", "new@example.es") == []


@pytest.mark.parametrize(
    ("name", "written"),
    [
        ("José Ñúñez", "JOSÉ ÑÚÑEZ"),
        ("Γιώργος Παπαδόπουλος", "ΓΙΏΡΓΟΣ παπαδόπουλος"),
        ("Žofia Černá", "žOFIA čERNÁ"),
    ],
)
def test_letter_case_aside_in_every_alphabet(registry, name, written):
    """SQLite's LIKE folds ASCII letters only: "JOSÉ ÑÚÑEZ" is José Ñúñez all the same, in
    free text and in the request."""
    factories.ExpertFactory(country=registry.cast.es, name=name, institution="CNIO", email="")
    Country.objects.filter(code="ES").update(notes=f"Ask {written}.")
    said = erase("--country", "ES", "--name", written.swapcase(), "--institution", "cnio")
    assert "Erased: 1 record(s) of ES removed" in said
    assert Country.objects.get(code="ES").notes == "Ask [erased]."
    assert hits(name) == []


def test_the_marker_names_no_one(registry):
    """Every erased person reads "[erased]": asked for, it is refused, not taken as one."""
    for expert in (registry.es_expert, registry.it_expert):
        erase("--email", expert.email)
    for arguments in (["--name", "[erased]"], ["--name", "[ERASED]", "--institution", "x"]):
        with pytest.raises(CommandError, match="is what an erased value reads"):
            erase(*arguments)
    assert ErasureLog.objects.count() == 2
