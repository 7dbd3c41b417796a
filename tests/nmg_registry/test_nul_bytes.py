"""A NUL byte anywhere in a request is refused with a 400 naming where it is, never a 500.

PostgreSQL refuses text holding a NUL, so on PostgreSQL any lookup of such a value was a
server error; SQLite compares it quietly. The walk below covers every URL of the site, the
admin and the API, for several readers: each path parameter in turn holds a NUL (alone and
after a real value), and every query parameter the registry reads holds one. Run it with
DATABASE_URL pointing at PostgreSQL to see what the database itself would refuse."""

import pytest
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from nmg_registry.middleware import nul_found_in
from nmg_registry.services import create_api_token
from tests.conftest import OPEN_ROUND

pytestmark = pytest.mark.django_db

READERS = ["anonymous", "viewer", "rep_es", "staff"]
SENTINEL = "zqzsentinelzqz"
SENTINEL_INT = 987654321
# Every query parameter a page, a download or the API reads.
QUERY_NAMES = [
    "country",
    "q",
    "as_of",
    "round",
    "before",
    "after",
    "format",
    "limit",
    "offset",
    "page",
    "o",
    "next",
    "stakeholder_type",
    "working_group",
    "status",
    "kind",
    "participation",
    "health_system",
    "role",
    "gender",
    "survey",
    "slug",
    "p",
    "all",
    "_changelist_filters",
]


def url_patterns(patterns=None, prefix=""):
    """(name, parameter names, whether each is a whole number) of every named URL."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [prefix, entry.namespace]))
            yield from url_patterns(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{prefix}:{entry.name}" if prefix else entry.name
            converters = getattr(entry.pattern, "converters", {})
            params = tuple(
                (param, type(converters.get(param)).__name__ == "IntConverter")
                for param in entry.pattern.regex.groupindex
            )
            yield name, params


def real_values(registry, token):
    cast = registry.cast
    return {
        "code": "ES",
        "country": "ES",
        "number": "3",
        "slug": OPEN_ROUND,
        "before": "nmg-survey-2020",
        "after": OPEN_ROUND,
        "file_format": "csv",
        "token_id": token.pk,
        "uidb64": "MQ",
        "token": "set-password",
        "pending_id": 1,
        "pk": registry.es_expert.pk,
        "object_id": registry.es_expert.pk,
        "id": cast.rep_es.pk,
        "app_label": "compositions",
        "format": "json",
        "url": "compositions/",
        "history_id": 1,
    }


def reversed_addresses(registry, token, *, skip: tuple[str, ...] = ()):
    """Each named URL but the static files' and those ending in `skip`, reversed with real
    values: its address, and per path parameter (url, sentinel, real value) where the
    url has the sentinel in that parameter."""
    values = real_values(registry, token)
    for name, params in sorted(set(url_patterns())):
        if name.startswith("static") or (skip and name.endswith(skip)):
            continue
        kwargs = {param: values.get(param, "1") for param, _ in params}
        try:
            real = reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            continue
        yield real, list(with_sentinels(name, kwargs, params))


def with_sentinels(name, kwargs, params):
    for param, is_int in params:
        sentinel = SENTINEL_INT if is_int else SENTINEL
        try:
            url = reverse(name, kwargs={**kwargs, param: sentinel})
        except NoReverseMatch:
            continue  # a fixed choice of values (the admin's app labels): no NUL matches
        yield url, str(sentinel), kwargs[param]


def nul_addresses(registry, token) -> list[str]:
    """Every named URL with a NUL in each path parameter in turn, and with a NUL in every
    query parameter."""
    addresses = set()
    for real, variants in reversed_addresses(registry, token):
        addresses.add(f"{real}?" + "&".join(f"{q}=%00" for q in QUERY_NAMES))
        addresses.add(f"{real}?%00=1")
        for url, sentinel, value in variants:
            addresses.add(url.replace(sentinel, "%00"))
            addresses.add(url.replace(sentinel, f"{value}%00"))
    return sorted(addresses)


def client_for(cast, reader) -> Client:
    client = Client(raise_request_exception=False)
    if reader != "anonymous":
        client.force_login(getattr(cast, reader))
    return client


@pytest.mark.parametrize("reader", READERS)
def test_a_nul_in_any_path_parameter_or_query_parameter_is_a_400_never_a_500(registry, reader):
    token, _ = create_api_token(user=registry.cast.rep_es, name="walk")
    client = client_for(registry.cast, reader)
    addresses = nul_addresses(registry, token)

    answers = {url: client.get(url).status_code for url in addresses}

    assert len(addresses) > 500  # the site's, the admin's and the API's URLs
    wrong = {url: status for url, status in answers.items() if status not in (400, 404)}
    assert not wrong, f"{reader}: {wrong}"


def test_a_nul_posted_to_any_form_is_a_400_never_a_500(registry):
    token, _ = create_api_token(user=registry.cast.rep_es, name="walk")
    client = client_for(registry.cast, "staff")
    forms = {url.partition("?")[0] for url in nul_addresses(registry, token) if "%00=1" in url}

    answers = {
        url: client.post(url, {"name": "Forged\x00", "q": "x", "version": "\x00"}).status_code
        for url in forms
    }

    wrong = {url: status for url, status in answers.items() if status != 400}
    assert not wrong


def assert_site_error_page(response, status: int, heading: str, message: str) -> None:
    """The error is a page in the site's look (its header, a heading) that names the NUL."""
    assert response.status_code == status
    html = response.content.decode()
    assert '<a class="brand" href="/">NMG Registry</a>' in html
    assert f"<h1>{heading}</h1>" in html
    assert message in html


@pytest.mark.parametrize(
    "address",
    [
        "/countries/%00/",
        "/countries/ES%00/",
        "/countries/%00/experts/",
        "/countries/%00/history/",
        f"/surveys/{OPEN_ROUND}/answer/%00/",
    ],
)
def test_the_reported_addresses_name_nothing_a_404_in_the_sites_look(registry, as_user, address):
    client = as_user("staff")

    response = client.get(address)

    assert_site_error_page(response, 404, "Not found", "it holds a NUL character")


def test_the_reported_export_query_is_a_400_in_the_sites_look(registry, as_user):
    response = as_user("staff").get("/compositions/export.csv?country=%00")

    assert_site_error_page(
        response, 400, "Bad request", "NUL character (\\0) in the query parameter “country”"
    )


def test_the_400_page_names_where_the_nul_is(client, db):
    response = client.get("/countries/", {"country": "ES\x00"})

    assert response.status_code == 400
    assert "NUL character (\\0) in the query parameter “country”" in response.content.decode()


def test_the_api_answers_a_nul_with_json(client, cast):
    client.force_login(cast.viewer)

    in_address = client.get("/api/v1/countries/%00/")
    in_filter = client.get("/api/v1/countries/?participation=%00")

    assert in_address.status_code == 404
    assert "it holds a NUL character" in in_address.json()["detail"]
    assert in_filter.status_code == 400
    assert in_filter.json() == {
        "detail": "The request has a NUL character (\\0) in the query parameter “participation”; "
        "the registry accepts no such character anywhere.",
        "errors": {
            "participation": [
                "Query parameter holds a NUL character (\\0), which the registry accepts nowhere."
            ]
        },
    }


def test_a_nul_in_the_api_token_is_refused_with_json(client, cast):
    response = client.get("/api/v1/countries/", HTTP_AUTHORIZATION="Token abc\x00def")

    assert response.status_code == 400
    assert "the header “Authorization”" in response.json()["detail"]


def test_a_nul_in_a_forwarded_address_at_sign_in_is_refused_and_records_nothing(
    client, cast, settings
):
    from axes.models import AccessAttempt

    settings.AXES_CLIENT_IP_CALLABLE = "nmg_registry.security.client_ip_behind_proxy"

    response = client.post(
        reverse("login"),
        {"username": "viewer", "password": "wrong-password"},
        HTTP_X_FORWARDED_FOR="203.0.113.9\x00",
    )

    assert response.status_code == 400
    assert "the header “X-Forwarded-For”" in response.content.decode()
    assert not AccessAttempt.objects.exists()


def test_a_nul_in_the_sign_in_name_is_refused_and_records_nothing(client, cast):
    from axes.models import AccessAttempt

    response = client.post(reverse("login"), {"username": "viewer\x00", "password": "x"})

    assert response.status_code == 400
    assert "the form field “username”" in response.content.decode()
    assert not AccessAttempt.objects.exists()


def test_a_nul_in_the_password_reset_address_is_refused_and_sends_nothing(client, cast):
    from django.core import mail

    response = client.post(reverse("password_reset"), {"email": "viewer@example.org\x00"})

    assert response.status_code == 400
    assert mail.outbox == []


def test_a_nul_in_the_session_cookie_is_refused(client, cast):
    # Python's cookie parser turns the octal escape \000 of a quoted value into a NUL.
    response = client.get(reverse("login"), HTTP_COOKIE='sessionid="abcdefghij\\000"')

    assert response.status_code == 400
    assert "the cookie “sessionid”" in response.content.decode()


def test_a_nul_in_the_address_is_a_404_before_any_redirect(client, db):
    # Anonymous readers are sent to sign in from most pages; an address naming nothing is not.
    response = client.get("/countries/ES%00/history/")

    assert response.status_code == 404


def test_uploaded_files_may_hold_any_byte(rf):
    """An XLSX is a zip archive full of NUL bytes: only the form's text fields are read."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("es.xlsx", b"PK\x03\x04\x00\x00\x00", "application/zip")
    request = rf.post("/countries/ES/experts/upload/", {"file": upload, "country": "ES"})

    assert nul_found_in(request) is None


def test_a_request_without_nul_passes(rf):
    request = rf.post("/accounts/login/?next=/countries/", {"username": "viewer"})

    assert nul_found_in(request) is None


# Other values no key of the registry holds: a number past any database integer, a long
# string, quotes and a backslash. Unknown (404), invalid (400), or refused for the reader.
ODD_VALUES = ["9" * 30, "x" * 300, "'\")\\", "%C0%AF", "-1"]


def odd_addresses(registry, token) -> list[str]:
    addresses = set()
    for real, variants in reversed_addresses(registry, token, skip=("logout", "export", "import")):
        addresses.add(f"{real}?" + "&".join(f"{q}={ODD_VALUES[0]}" for q in QUERY_NAMES))
        addresses.add(f"{real}?" + "&".join(f"{q}=%27%5C" for q in QUERY_NAMES))
        for url, sentinel, _ in variants:
            addresses.update(url.replace(sentinel, odd) for odd in ODD_VALUES)
    return sorted(addresses)


def test_odd_keys_and_parameters_are_unknown_or_invalid_never_a_500(registry):
    token, _ = create_api_token(user=registry.cast.rep_es, name="walk")
    client = client_for(registry.cast, "staff")

    answers = {url: client.get(url).status_code for url in odd_addresses(registry, token)}

    assert len(answers) > 500
    assert not {url: status for url, status in answers.items() if status >= 500}


def test_the_admins_history_of_an_odd_id_is_a_404(registry):
    client = client_for(registry.cast, "staff")

    assert client.get("/admin/compositions/expert/%C0%AF/history/").status_code == 404


def test_the_admins_view_on_site_of_any_content_type_is_never_a_500(registry):
    from django.contrib.contenttypes.models import ContentType

    client = client_for(registry.cast, "staff")
    statuses = {
        client.get(reverse("admin:view_on_site", args=[ct.pk, 1])).status_code
        for ct in ContentType.objects.all()
    }

    assert max(statuses) < 500
