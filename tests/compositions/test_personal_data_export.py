"""A person's data on request (`export_personal_data`, issue 14 §2): one JSON document with
every current record and historical version holding their e-mail or name, with dates and
who changed them, the free text naming them, and the account with that e-mail."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from compositions.models import Expert
from nmg_registry import services
from nmg_registry.models import Country
from tests import factories
from tests.conftest import PERSONAL

pytestmark = pytest.mark.django_db

NAME, EMAIL = PERSONAL["ES"]


def export(*arguments) -> dict:
    out = io.StringIO()
    call_command("export_personal_data", *arguments, stdout=out)
    return json.loads(out.getvalue())


def test_the_document_holds_every_record_and_version_with_dates_and_authors(registry):
    expert = registry.es_expert
    Expert.history.filter(id=expert.pk).update(history_user=registry.cast.staff)
    Country.objects.filter(code="ES").update(notes=f"Contact: {NAME}.")
    account = factories.UserFactory(username="ana", email=EMAIL.upper(), first_name="Ana")
    services.create_api_token(user=account, name="BI report")

    document = export("--email", EMAIL)

    assert document["requested"] == [f"e-mail {EMAIL}"]
    (record,) = document["experts"]
    assert record["id"] == expert.pk
    assert record["current"] == {
        "country": "ES",
        "name": NAME,
        "email": EMAIL,
        "institution": expert.institution,
        "position": expert.position,
        "region": expert.region,
        "gender": "female",
        "stakeholder_type": "research-university",
    }
    assert sorted(seat["working_group"] for seat in record["seats"]) == [1, 3]
    (created,) = record["versions"]
    assert created["history_type"] == "created"
    assert created["changed_by"] == "staff"
    assert created["values"]["email"] == EMAIL
    assert created["history_date"]  # an ISO date-time
    assert [v["history_type"] for v in record["seat_versions"]] == ["created", "created"]
    assert {
        "table": "nmg_registry.country",
        "record": str(registry.cast.es.pk),
        "field": "notes",
        "value": f"Contact: {NAME}.",
    } in document["mentions"]
    (user,) = document["accounts"]
    assert user["username"] == "ana" and user["email"] == EMAIL.upper()
    assert "password" not in user
    assert [token["name"] for token in user["api_tokens"]] == ["BI report"]
    assert "key_hash" not in user["api_tokens"][0]


def test_a_removed_expert_is_exported_from_the_history(registry):
    registry.es_expert.delete()
    (record,) = export("--name", NAME.lower(), "--country", "es")["experts"]
    assert record["current"] is None and record["seats"] == []
    assert [v["history_type"] for v in record["versions"]] == ["created", "removed"]


def test_the_document_goes_to_a_file(registry, tmp_path):
    target = tmp_path / "ana.json"
    out = io.StringIO()
    call_command("export_personal_data", "--email", EMAIL, "--output", str(target), stdout=out)
    assert f"Written to {target}" in out.getvalue()
    assert json.loads(target.read_text(encoding="utf-8"))["experts"][0]["current"]["name"] == NAME


def test_an_erased_person_is_no_longer_found(registry):
    call_command("erase_personal_data", "--email", EMAIL, stdout=io.StringIO())
    with pytest.raises(CommandError, match="The registry holds nothing about e-mail"):
        export("--email", EMAIL)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--email", "nobody@example.org"], "holds nothing about e-mail nobody@example.org"),
        ([], "Name the person"),
        (["--email", EMAIL, "--country", "Spain"], 'unknown country "Spain"'),
        (["--email", EMAIL, "--output", "/nonexistent/dir/file.json"], "cannot write"),
    ],
)
def test_bad_requests_are_refused_with_a_message(registry, arguments, message):
    with pytest.raises(CommandError, match=message):
        export(*arguments)


def test_a_request_naming_two_people_is_refused(registry):
    """Two different Ana García (ES and IT): one document must not hand one the other's
    data. Refused as an erasure would be, each listed without being named; --country
    chooses."""
    cast = registry.cast
    factories.ExpertFactory(country=cast.es, name="Ana García", email="ana@example.es")
    factories.ExpertFactory(country=cast.it, name="Ana García", email="ana@example.it")
    with pytest.raises(CommandError) as refused:
        export("--name", "ana garcía")
    message = str(refused.value)
    assert "2 people match name ana garcía" in message
    assert "ES: expert #" in message and "IT: expert #" in message
    assert "example" not in message
    (record,) = export("--name", "ANA GARCÍA", "--country", "IT")["experts"]
    assert record["current"]["email"] == "ana@example.it"


def test_the_document_holds_no_secret(registry):
    cast = registry.cast
    cast.rep_es.email = "rep@example.es"
    cast.rep_es.save()
    _, key = services.create_api_token(user=cast.rep_es, name="bi")
    out = io.StringIO()
    call_command("export_personal_data", "--email", "REP@example.es", stdout=out)
    text = out.getvalue()
    assert cast.rep_es.password not in text
    assert "key_hash" not in text and "pbkdf2" not in text and key not in text
    assert json.loads(text)["accounts"][0]["username"] == "rep_es"


def test_the_admin_log_of_their_records_is_in_the_document(registry):
    from django.contrib.admin.models import ADDITION, LogEntry

    LogEntry.objects.log_actions(
        user_id=registry.cast.staff.pk,
        queryset=[registry.es_expert, registry.it_expert],
        action_flag=ADDITION,
        change_message=[{"added": {}}],
    )
    mentions = export("--email", EMAIL)["mentions"]
    logged = [m["value"] for m in mentions if m["table"] == "admin.logentry"]
    assert logged == [f"{NAME} (ES): Added."]
