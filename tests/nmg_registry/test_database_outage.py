"""With the database away (a closed port, an unknown database, a missing file, a server that
takes connections but never answers) every page answers 503 with the site's own short page
and the API a JSON `detail` with Retry-After; once the database is back the registry serves
again, without a restart.

The connection's settings are pointed at a database that is not there and back, within one
test, as a database that restarts or a wrong DATABASE_URL would look to a running worker."""

import json
import socket
import threading

import dj_database_url
import pytest
from django.db import DEFAULT_DB_ALIAS, close_old_connections, connections
from django.db.utils import load_backend
from django.test import Client

from nmg_registry.services import create_api_token
from nmg_registry.settings import postgresql_timeouts

# Committed for real (the connection is closed and reopened); the reference data restored after.
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # Before `cast`: the countries must be there when the cast is made.
    pytest.mark.usefixtures("reference_data"),
]


def closed_port() -> int:
    """A local port nothing listens on: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SilentServer:
    """A local port that accepts TCP connections and never sends a byte: a database behind
    a network partition, or a proxy whose queue is full, as a client sees it."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(50)
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.accepted = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.stopping.is_set():
            try:
                self.accepted.append(self.socket.accept()[0])
            except TimeoutError:
                continue

    def stop(self):
        self.stopping.set()
        self.thread.join()
        for accepted in self.accepted:
            accepted.close()
        self.socket.close()


# What the test waits for a silent server, in seconds (psycopg waits at least 2).
TEST_CONNECT_TIMEOUT = 1


def silent_postgresql(port: int) -> dict:
    """The settings of a PostgreSQL database at the silent port, with the registry's own
    timeouts (settings.postgresql_timeouts), the connect timeout shortened for the test."""
    database = dj_database_url.parse(f"postgres://registry@127.0.0.1:{port}/nmg_registry")
    postgresql_timeouts(database, connect=TEST_CONNECT_TIMEOUT, statement=300)
    database.update(TIME_ZONE=None, ATOMIC_REQUESTS=False, AUTOCOMMIT=True, TEST={})
    return database


class Database:
    """Sends the default connection away and brings it back."""

    def __init__(self):
        self.connection = connections[DEFAULT_DB_ALIAS]
        self.settings = dict(self.connection.settings_dict)
        self.kept = None
        self.stand_in = None

    def silent(self, server: SilentServer):
        """Points the default connection at a server that never answers. On PostgreSQL the
        test database's own connection goes there; on SQLite, which has no server to wait
        for, a PostgreSQL connection with the registry's settings takes its place."""
        connection = self.connection
        if connection.vendor == "postgresql":
            connection.close()
            connection.settings_dict["HOST"] = "127.0.0.1"
            connection.settings_dict["PORT"] = server.port
            connection.settings_dict["OPTIONS"] = {
                **self.settings["OPTIONS"],
                "connect_timeout": TEST_CONNECT_TIMEOUT,
            }
            return
        backend = load_backend("django.db.backends.postgresql")
        self.stand_in = backend.DatabaseWrapper(silent_postgresql(server.port), DEFAULT_DB_ALIAS)
        connections[DEFAULT_DB_ALIAS] = self.stand_in

    def away(self, how: str):
        connection = self.connection
        if connection.vendor == "sqlite":
            # The test database lives in memory while its connection is open: keep that
            # connection aside, so that the next query opens the missing file instead.
            self.kept = connection.connection
            connection.connection = None
            connection.settings_dict["NAME"] = "/nonexistent/nmg-registry/missing.sqlite3"
            return
        connection.close()
        if how == "closed port":
            connection.settings_dict["HOST"] = "127.0.0.1"
            connection.settings_dict["PORT"] = closed_port()
        else:
            connection.settings_dict["NAME"] = f"{self.settings['NAME']}_missing"

    def back(self):
        connection = self.connection
        if self.stand_in is not None:
            self.stand_in.close()
            connections[DEFAULT_DB_ALIAS], self.stand_in = connection, None
        if connection.vendor == "sqlite":
            if self.kept is not None:
                connection.connection, self.kept = self.kept, None
        else:
            connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(self.settings)


@pytest.fixture
def database():
    switch = Database()
    yield switch
    switch.back()


@pytest.fixture
def silent_server():
    server = SilentServer()
    yield server
    server.stop()


WAYS = ["closed port", "unknown database"]


def browser(user=None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def assert_unavailable_page(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    html = response.content.decode()
    assert "<h1>Unavailable for a moment</h1>" in html
    assert "database cannot be reached just now" in html
    assert '<a class="brand" href="/">NMG Registry</a>' in html
    assert "Server Error" not in html


def assert_unavailable_json(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Content-Type"] == "application/json"
    assert "database cannot be reached just now" in response.json()["detail"]


@pytest.mark.parametrize("how", WAYS)
def test_pages_answer_503_while_the_database_is_away_and_serve_once_it_is_back(cast, database, how):
    anonymous, viewer = browser(), browser(cast.viewer)
    database.away(how)

    assert_unavailable_page(anonymous.get("/accounts/login/"))
    assert_unavailable_page(anonymous.post("/accounts/login/", {"username": "viewer"}))
    assert_unavailable_page(viewer.get("/countries/"))  # the session itself is in the database
    assert_unavailable_page(viewer.get("/countries/ES/"))
    assert anonymous.get("/healthz").status_code == 503

    database.back()

    assert anonymous.get("/accounts/login/").status_code == 200
    assert viewer.get("/countries/ES/").status_code == 200
    assert anonymous.get("/healthz").status_code == 200


def assert_unavailable_health(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json() == {"status": "unavailable", "database": "unreachable"}


def test_a_database_that_takes_connections_but_never_answers_is_a_quick_503(
    cast, database, silent_server
):
    """Without a connect timeout every request would wait on the silent server (psycopg's
    own default is 130 s) until gunicorn killed the worker with a bare 500."""
    _, key = create_api_token(user=cast.viewer, name="Report")
    viewer = browser(cast.viewer)
    anonymous = browser()
    database.silent(silent_server)

    assert_unavailable_page(viewer.get("/countries/ES/"))
    assert_unavailable_json(anonymous.get("/api/v1/countries/", HTTP_AUTHORIZATION=f"Token {key}"))
    assert_unavailable_health(anonymous.get("/healthz"))
    assert silent_server.accepted  # the requests did reach the server, and gave up on it

    database.back()

    assert viewer.get("/countries/ES/").status_code == 200
    assert anonymous.get("/healthz").status_code == 200


@pytest.mark.parametrize("how", WAYS)
def test_healthz_answers_503_with_retry_after_like_every_other_503(database, how):
    database.away(how)

    assert_unavailable_health(browser().get("/healthz"))


@pytest.mark.parametrize("how", WAYS)
def test_the_api_answers_json_503_with_retry_after_and_serves_once_back(cast, database, how):
    _, key = create_api_token(user=cast.viewer, name="Report")
    client = browser()
    signed_in = browser(cast.viewer)
    database.away(how)

    assert_unavailable_json(client.get("/api/v1/countries/", HTTP_AUTHORIZATION=f"Token {key}"))
    assert_unavailable_json(signed_in.get("/api/v1/working-groups/"))

    database.back()

    response = client.get("/api/v1/countries/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    assert "ES" in [country["code"] for country in response.json()["results"]]


def test_the_admin_answers_503_too(cast, database):
    staff = browser(cast.staff)
    database.away("closed port")

    assert_unavailable_page(staff.get("/admin/"))


def test_a_fault_of_the_registry_is_still_a_500_in_the_sites_look(rf):
    from nmg_registry.errors import server_error

    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        response = server_error(rf.get("/countries/"))

    assert response.status_code == 500
    assert "<h1>Server error</h1>" in response.content.decode()
    assert not response.has_header("Retry-After")


def test_a_fault_under_the_api_is_a_json_500(rf):
    from nmg_registry.errors import server_error

    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        response = server_error(rf.get("/api/v1/countries/"))

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"


def test_a_kept_connection_the_database_dropped_is_replaced_on_the_next_request(cast, database):
    """Production keeps connections open between requests (DATABASE_CONN_MAX_AGE) and checks
    them first: a restarted database costs no failed request."""
    connection = database.connection
    if connection.vendor != "postgresql":
        pytest.skip("needs a database server that can drop a connection: PostgreSQL")
    import psycopg

    connection.close()
    connection.settings_dict.update(CONN_MAX_AGE=60, CONN_HEALTH_CHECKS=True)
    client = browser()
    assert client.get("/healthz").status_code == 200
    kept = connection.connection
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [kept.info.backend_pid])
    # The WSGI handler does this as each request starts; the test client leaves it out.
    close_old_connections()

    assert client.get("/accounts/login/").status_code == 200
    assert connection.connection is not kept


def answer_to(rf, exc: Exception, cause: Exception | None = None, path="/countries/"):
    from nmg_registry.errors import server_error

    try:
        raise exc from cause
    except Exception:
        return server_error(rf.get(path))


@pytest.mark.parametrize(
    ("message", "status"),
    [
        ("unable to open database file", 503),
        ("database is locked", 503),
        ("no such table: nmg_registry_country", 500),  # a fault of the registry, not an outage
        ('near "SELEC": syntax error', 500),
    ],
)
def test_sqlite_errors_are_an_outage_only_when_the_file_cannot_be_used(rf, message, status):
    import sqlite3

    from django.db import OperationalError

    cause = sqlite3.OperationalError(message)

    assert answer_to(rf, OperationalError(message), cause).status_code == status


def test_a_value_the_database_refuses_is_a_400(rf):
    from django.db import DataError

    page = answer_to(rf, DataError("value out of range"))
    api = answer_to(rf, DataError("value out of range"), path="/api/v1/countries/")

    assert page.status_code == api.status_code == 400
    assert "cannot be looked up or stored" in page.content.decode()
    assert json.loads(api.content) == {
        "detail": "A value in this request cannot be looked up or stored by the registry's "
        "database.",
        "errors": {},
    }
