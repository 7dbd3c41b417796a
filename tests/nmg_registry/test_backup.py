"""A backup restored into an empty database is the registry that was backed up, table by table
and row by row, and it serves (docs/deployment.md, "Backup and restore").

The round trip backs up the suite's own database and restores it into a second one with the
commands the documentation gives, run as the operator runs them: `backup_registry` and
`restore_registry` (Django's dumpdata/loaddata) on every database, and `pg_dump`/`pg_restore`
on PostgreSQL. Its data is committed (a transactional test) so that `pg_dump`, another
process, reads it. The other tests pin the refusals of `restore_registry` and the move of the
WP6 permission off a model without a table, which made `dumpdata` fail."""

import datetime
import gzip
import json
import os
import shutil
import subprocess
import sys

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from demo.loader import load_demo_data
from nmg_registry import imports, permissions, services
from nmg_registry.models import Country, ErasureLog, PendingImport
from surveys.models import Survey
from tests import factories

IS_POSTGRESQL = connection.vendor == "postgresql"
# The JSON backup on every database; pg_dump's custom format on PostgreSQL as well.
METHODS = ["backup_registry", *(["pg_dump"] if IS_POSTGRESQL else [])]

# Numbered afresh by `migrate`/`flush` in the restored database: the JSON backup refers to them
# by natural key, so the comparison does too.
RENUMBERED = {"django_content_type", "auth_permission"}

LOGIN_USER = "restorer"
LOGIN_PASSWORD = "a-password-that-survives-the-restore"
SESSION_USER = "viewer"
SESSION_PASSWORD = "demo-viewer-2020"


@pytest.fixture
def filled_registry(settings, client):
    """The demo registry plus a row in every table: history (including history of a deleted
    account), API tokens, sign-in records, sessions, a pending upload, an admin log entry."""
    settings.DEBUG = True  # the demo refuses to load otherwise
    load_demo_data()
    settings.DEBUG = False
    User = get_user_model()
    staff = User.objects.get(username="wp6")

    spain = Country.objects.get(code="ES")
    spain.notes = "Notes kept through a restore: ñ, ü, 中文, emoji 🧬."
    spain.save()
    survey = Survey.objects.get(slug="nmg-survey-2020")
    survey.invited_countries.remove(survey.invited_countries.first())  # m2m history
    LogEntry.objects.log_actions(
        staff.pk, [spain], CHANGE, change_message="Notes changed", single_object=True
    )
    ErasureLog.objects.create(
        erased_by=staff, kind=ErasureLog.Kind.EXPERT, country=spain, records=3, versions=5
    )
    # History that points at an account that is gone: simple-history keeps the id.
    factories.make_representative("departed", "IT")
    User.objects.get(username="departed").delete()

    # A user granted the WP6 permission directly, whose password the restored registry must
    # still accept (hashed as the running registry hashes, not the tests' fast hasher).
    restorer = factories.UserFactory(username=LOGIN_USER)
    restorer.password = PBKDF2PasswordHasher().encode(
        LOGIN_PASSWORD, PBKDF2PasswordHasher().salt(), iterations=1000
    )
    restorer.save()
    restorer.user_permissions.add(Permission.objects.get(codename="manage_registry"))
    _, token_key = services.create_api_token(user=staff, name="restored client")
    revoked, _ = services.create_api_token(user=staff, name="old client")
    services.revoke_api_token(user=staff, token_id=revoked.pk)
    imports.stage(
        user=staff,
        kind=PendingImport.Kind.COMPOSITION,
        filename="experts.xlsx",
        data=bytes(range(256)),
        options={"replace": True},
    )

    # Sign-in records: failures (an attempt, its expiry, the failure log) and a sign-in
    # (the access log, and the session the restored registry must still honour).
    for _ in range(2):
        client.post("/accounts/login/", {"username": "rep-es", "password": "wrong"}, secure=True)
    attempt = apps.get_model("axes", "AccessAttempt").objects.get(username="rep-es")
    apps.get_model("axes", "AccessAttemptExpiration").objects.get_or_create(
        access_attempt=attempt,
        defaults={"expires_at": timezone.now() + datetime.timedelta(minutes=30)},
    )
    # Written only with AXES_ENABLE_ACCESS_FAILURE_LOG on; a deployment may turn it on.
    apps.get_model("axes", "AccessFailureLog").objects.create(
        username="rep-es",
        ip_address="2001:db8::1",
        user_agent="restore check",
        http_accept="*/*",
        path_info="/accounts/login/",
        locked_out=True,
    )
    response = client.post(
        "/accounts/login/",
        {"username": SESSION_USER, "password": SESSION_PASSWORD},
        secure=True,
    )
    assert response.status_code == 302, "the demo viewer could not sign in"
    return {"token_key": token_key, "session_key": client.session.session_key}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("method", METHODS)
def test_restored_registry_is_identical_and_serves(
    reference_data, method, filled_registry, tmp_path
):
    exact_ids = method == "pg_dump"
    source = snapshot(connection, exact_ids=exact_ids)
    empty = sorted(table for table, rows in source.items() if not rows)
    assert not empty, f"fill these tables in filled_registry so the round trip covers them: {empty}"

    with _second_database(tmp_path) as restored_url:
        if method == "pg_dump":
            _pg_dump_and_restore(tmp_path / "registry.dump", restored_url)
        else:
            backup = tmp_path / "registry.json.gz"
            call_command("backup_registry", output=str(backup), verbosity=0)
            _manage(restored_url, "migrate", "--no-input", "-v", "0")
            _manage(restored_url, "restore_registry", "--no-input", str(backup))
        restored, served = _inspect_restored(
            restored_url, tmp_path / "restored.json", exact_ids=exact_ids, **filled_registry
        )

    assert sorted(restored) == sorted(source)
    for table, rows in source.items():
        missing = [row for row in rows if row not in restored[table]][:3]
        extra = [row for row in restored[table] if row not in rows][:3]
        assert restored[table] == rows, f"{table}: missing {missing}, extra {extra}"
    assert served == {
        "healthz": 200,
        "session_page": [200, True],
        "api_countries": [200, 31],
        "password_sign_in": 302,
        "wp6_permission": True,
        "new_country_history": True,
    }


@pytest.mark.django_db
def test_backup_keeps_microseconds_and_history_of_deleted_accounts(filled_registry, tmp_path):
    """Django's own JSON cuts times to milliseconds and, with natural keys, stops at a history
    row whose account is gone; the registry's backup does neither."""
    backup = tmp_path / "registry.json.gz"
    call_command("backup_registry", output=str(backup), verbosity=0)
    objects = json.loads(gzip.decompress(backup.read_bytes()))
    models = {entry["model"] for entry in objects}
    assert "contenttypes.contenttype" not in models
    assert "auth.permission" not in models
    departed = [
        entry["fields"]["user"]
        for entry in objects
        if entry["model"] == "nmg_registry.historicalrepresentative"
        and not isinstance(entry["fields"]["user"], list)
    ]
    assert departed, "the history of the deleted account's representation was lost"
    assert all(isinstance(user_id, int) for user_id in departed)
    spain = next(
        entry
        for entry in objects
        if entry["model"] == "nmg_registry.country" and entry["fields"]["code"] == "ES"
    )
    updated_at = Country.objects.get(code="ES").updated_at
    assert datetime.datetime.fromisoformat(spain["fields"]["updated_at"]) == updated_at


def test_restore_refuses_an_unmigrated_database(tmp_path):
    empty_url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    backup = tmp_path / "registry.json"
    backup.write_text('[{"model": "nmg_registry.demodataset", "pk": 1, "fields": {}}]')
    result = _manage(empty_url, "restore_registry", "--no-input", str(backup), check=False)
    assert result.returncode != 0
    assert "run `manage.py migrate` first" in result.stderr


@pytest.mark.django_db
def test_plain_dumpdata_of_the_whole_database_works(filled_registry, tmp_path):
    """Django's own backup path: no model without a table stops it."""
    output = tmp_path / "all.json"
    call_command("dumpdata", output=str(output), verbosity=0)
    models = {entry["model"] for entry in json.loads(output.read_text())}
    assert {"auth.permission", "nmg_registry.country", "axes.accesslog"} <= models


# Helpers


def snapshot(conn, *, exact_ids: bool) -> dict[str, list[list[str]]]:
    """Every table's rows, ordered by primary key. Unless `exact_ids`, the ids that a
    JSON restore numbers afresh (content types, permissions, the rows of Django's own m2m
    tables, when migrations ran) are replaced by what they stand for."""
    qn = conn.ops.quote_name
    through_tables = _auto_created_m2m_tables()
    with conn.cursor() as cursor:
        tables = sorted(conn.introspection.table_names(cursor))
        names = {} if exact_ids else _natural_names(cursor, qn)
        snapshot = {}
        for table in tables:
            columns = [c.name for c in conn.introspection.get_table_description(cursor, table)]
            primary_key = conn.introspection.get_primary_key_column(cursor, table)
            order = qn(primary_key) if primary_key else ", ".join(map(qn, columns))
            cursor.execute(f"SELECT * FROM {qn(table)} ORDER BY {order}")
            rows = cursor.fetchall()
            if not exact_ids:
                rows = _by_meaning(conn, cursor, table, columns, primary_key, rows, names)
                if table in through_tables or table == "django_migrations":
                    # Surrogate ids of pairs, and the time each migration was applied.
                    keep = [i for i, c in enumerate(columns) if c not in ("id", "applied")]
                    rows = sorted((tuple(row[i] for i in keep) for row in rows), key=repr)
            snapshot[table] = [[_plain(value) for value in row] for row in rows]
    return snapshot


def _natural_names(cursor, qn) -> dict[tuple[str, object], tuple]:
    cursor.execute(f"SELECT id, app_label, model FROM {qn('django_content_type')}")
    content_types = {row[0]: (row[1], row[2]) for row in cursor.fetchall()}
    cursor.execute(f"SELECT id, content_type_id, codename FROM {qn('auth_permission')}")
    names = {("auth_permission", pk): (*content_types[ct], codename) for pk, ct, codename in cursor}
    names.update({("django_content_type", pk): key for pk, key in content_types.items()})
    return names


def _by_meaning(conn, cursor, table, columns, primary_key, rows, names):
    relations = conn.introspection.get_relations(cursor, table)
    renumbered = {
        index: (relations[column][1] if column in relations else table)
        for index, column in enumerate(columns)
        if (column in relations and relations[column][1] in RENUMBERED)
        or (table in RENUMBERED and column == primary_key)
    }
    if not renumbered:
        return rows
    translated = [
        tuple(
            names[(renumbered[i], value)] if i in renumbered and value is not None else value
            for i, value in enumerate(row)
        )
        for row in rows
    ]
    return sorted(translated, key=repr)


def _plain(value) -> str:
    """A value as text, the same whichever process read it."""
    return repr(bytes(value) if isinstance(value, memoryview) else value)


def _auto_created_m2m_tables() -> set[str]:
    return {
        field.remote_field.through._meta.db_table
        for model in apps.get_models()
        for field in model._meta.local_many_to_many
        if field.remote_field.through._meta.auto_created
    }


class _second_database:
    """An empty database beside the suite's: a SQLite file, or a PostgreSQL database named
    after the test database (dropped afterwards)."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path

    def __enter__(self):
        if not IS_POSTGRESQL:
            return f"sqlite:///{self.tmp_path / 'restored.sqlite3'}"
        self.name = f"{connection.settings_dict['NAME']}_restored"
        self._run_without_database(f"DROP DATABASE IF EXISTS {self.name}")
        self._run_without_database(f"CREATE DATABASE {self.name}")
        return _postgres_url(self.name)

    def __exit__(self, *exc):
        if IS_POSTGRESQL:
            self._run_without_database(f"DROP DATABASE IF EXISTS {self.name}")

    @staticmethod
    def _run_without_database(sql):
        with connection._nodb_cursor() as cursor:
            cursor.execute(sql)


def _postgres_url(name):
    s = connection.settings_dict
    return (
        f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or 'localhost'}"
        f":{s['PORT'] or 5432}/{name}"
    )


def _pg_dump_and_restore(dump_file, restored_url):
    """The documented commands: custom format, restored without owner into an empty database."""
    tools = {name: shutil.which(name) for name in ("pg_dump", "pg_restore")}
    assert all(tools.values()), f"PostgreSQL's client tools are needed on the PATH: {tools}"
    source_url = _postgres_url(connection.settings_dict["NAME"])
    subprocess.run(
        [tools["pg_dump"], "--format=custom", f"--file={dump_file}", f"--dbname={source_url}"],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            tools["pg_restore"],
            "--no-owner",
            "--exit-on-error",
            f"--dbname={restored_url}",
            str(dump_file),
        ],
        check=True,
        capture_output=True,
    )


def _manage(database_url, *args, check=True, env=None):
    """A management command against another database, as an operator runs it."""
    result = subprocess.run(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), *args],
        env={**os.environ, "DATABASE_URL": database_url, **(env or {})},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    if check:
        assert result.returncode == 0, f"{args}: {result.stderr[-3000:]}"
    return result


def _inspect_restored(restored_url, snapshot_file, *, exact_ids, token_key, session_key):
    """Read the restored database's tables, then use it as the registry, in a process of its
    own (as the restored registry runs): see `inspect_restored_registry`."""
    result = _manage(
        restored_url,
        "shell",
        "-c",
        "from tests.nmg_registry.test_backup import inspect_restored_registry as inspect; "
        "inspect()",
        env={
            "CHECK_SNAPSHOT": str(snapshot_file),
            "CHECK_EXACT_IDS": "1" if exact_ids else "",
            "CHECK_SESSION": session_key,
            "CHECK_TOKEN": token_key,
        },
    )
    line = next(line for line in result.stdout.splitlines() if line.startswith("RESULT "))
    restored = json.loads(snapshot_file.read_text())
    return restored, json.loads(line.removeprefix("RESULT "))


def inspect_restored_registry():
    """Run inside the restored registry: write its snapshot, then print what it serves: health,
    a page through the session signed in before the backup, the API with a token made before
    it, a password sign-in, the WP6 permission, and a write that continues the history."""
    from django.test import Client

    rows = snapshot(connection, exact_ids=bool(os.environ["CHECK_EXACT_IDS"]))
    with open(os.environ["CHECK_SNAPSHOT"], "w") as file:
        json.dump(rows, file)

    served = {"healthz": Client().get("/healthz", secure=True).status_code}
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = os.environ["CHECK_SESSION"]
    page = client.get("/account/tokens/", secure=True)
    served["session_page"] = [page.status_code, SESSION_USER in page.text]
    api = Client().get(
        "/api/v1/countries/",
        secure=True,
        HTTP_AUTHORIZATION=f"Token {os.environ['CHECK_TOKEN']}",
    )
    served["api_countries"] = [api.status_code, api.json().get("count")]
    sign_in = Client().post(
        "/accounts/login/", {"username": LOGIN_USER, "password": LOGIN_PASSWORD}, secure=True
    )
    served["password_sign_in"] = sign_in.status_code
    user = get_user_model().objects.get(username=LOGIN_USER)
    served["wp6_permission"] = permissions.is_registry_staff(user)
    spain = Country.objects.get(code="ES")
    versions = spain.history.count()
    spain.notes += " Edited after the restore."
    spain.save()
    served["new_country_history"] = spain.history.count() == versions + 1
    print("RESULT " + json.dumps(served))


# The WP6 permission's move off the table-less model (migration 0006)

BEFORE_MOVE = [("nmg_registry", "0005_reference_data_history")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_moving_the_wp6_permission_keeps_every_grant(reference_data):
    """Group and user grants survive, also when Django had already created the permission on
    Country (a `migrate` interrupted between the two): the grants are merged into one row."""
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_MOVE)
    ContentType.objects.clear_cache()
    old = Permission.objects.get(
        codename="manage_registry", content_type__model="registrypermissions"
    )
    granted_directly = factories.UserFactory(username="granted")
    granted_directly.user_permissions.add(old)
    early = Permission.objects.create(
        codename="manage_registry",
        name="Can manage the whole registry (WP6 staff)",
        content_type=ContentType.objects.get_for_model(Country),
    )
    granted_early = factories.UserFactory(username="granted-early")
    granted_early.user_permissions.add(early)
    factories.make_staff("in-group")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()

    moved = Permission.objects.get(codename="manage_registry")
    assert (moved.content_type.app_label, moved.content_type.model) == ("nmg_registry", "country")
    assert not ContentType.objects.filter(model="registrypermissions").exists()
    User = get_user_model()
    for username in ("granted", "granted-early", "in-group"):
        assert permissions.is_registry_staff(User.objects.get(username=username)), username
    assert list(moved.group_set.values_list("name", flat=True)) == ["WP6 staff"]


@pytest.mark.django_db
@pytest.mark.filterwarnings("ignore:No fixture data found:RuntimeWarning")  # loaddata's, on "[]"
@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[]", "holds no rows; nothing was changed"),
        ('[{"model": "nmg_registry.country", "pk": 1, "fields": {"co', "could not be restored"),
        ('[{"model": "nmg_registry.planet", "pk": 1, "fields": {}}]', "could not be restored"),
        (
            '[{"model": "nmg_registry.country", "pk": 1, "fields": {"moons": 2}}]',
            "could not be restored",
        ),
    ],
    ids=["no rows", "cut short", "unknown model", "unknown field"],
)
def test_a_backup_that_does_not_load_changes_nothing(tmp_path, content, message):
    backup = tmp_path / "registry.json"
    backup.write_text(content)
    countries = Country.objects.count()
    with pytest.raises(CommandError, match=message):
        call_command("restore_registry", str(backup), interactive=False, verbosity=0)
    assert Country.objects.count() == countries > 0
    assert Permission.objects.filter(codename="manage_registry").exists()


@pytest.mark.django_db
def test_restore_asks_first_and_a_no_changes_nothing(tmp_path, monkeypatch):
    backup = tmp_path / "registry.json"
    call_command("backup_registry", output=str(backup), verbosity=0)
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    countries = Country.objects.count()
    with pytest.raises(CommandError, match="Restore cancelled; nothing was changed"):
        call_command("restore_registry", str(backup), verbosity=0)
    assert Country.objects.count() == countries


def test_restore_names_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="No backup file at"):
        call_command("restore_registry", str(tmp_path / "missing.json"), interactive=False)
