"""DESIGN section 7 over every URL of the site — pages, forms, downloads, accounts and the
admin — for anonymous visitors, a viewer, a representative of the country, a representative
of another country and staff. The API under /api/v1/ has its own walk
(tests/api/test_permission_matrix.py).

The URLs come from the URL configuration: a page without a row in EXPECTED fails
`test_the_matrix_covers_every_site_url` until someone decides who may open it. Path parameters
are filled with real records of Spain (ES), so a request reaches the data. Every body is
searched for the personal data and drafts of countries the reader does not keep, and for
their experts' counts by gender below NMG_MIN_CELL (tests/small_counts.py), and a POST by
someone refused a page must be refused too and write nothing."""

import pytest
from django.contrib.admin import ModelAdmin
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern
from simple_history.models import registered_models

from compositions.models import Expert
from nmg_registry.models import ApiToken, MirrorGroup, PendingImport
from nmg_registry.services import create_api_token
from tests.conftest import (
    DRAFT_ROUND,
    DRAFT_ROUND_TEXT,
    DRAFT_ROUND_TITLE,
    DRAFTS,
    OPEN_ROUND,
    PERSONAL,
    foreign_data,
)
from tests.small_counts import gender_rows, small_counts_seen

pytestmark = pytest.mark.django_db

USERS = ["anonymous", "viewer", "rep_es", "rep_it", "staff"]
SKIPPED_PREFIXES = ("api/v1/", "static/")  # the API's own matrix; files, not pages
SIGN_IN = "sign in"  # a redirect to the sign-in page
ADMIN_SIGN_IN = "admin sign in"  # a redirect to the admin's sign-in page

OPEN_TO_ALL = dict.fromkeys(USERS, 200)
SIGNED_IN = {"anonymous": SIGN_IN, "viewer": 200, "rep_es": 200, "rep_it": 200, "staff": 200}
AGGREGATE = SIGNED_IN  # anonymous only with NMG_PUBLIC_AGGREGATES
KEEPERS = {"anonymous": SIGN_IN, "viewer": 403, "rep_es": 200, "rep_it": 200, "staff": 200}
ES_RECORD = {"anonymous": SIGN_IN, "viewer": 403, "rep_es": 200, "rep_it": 403, "staff": 200}
POSTED_ONLY = {"anonymous": SIGN_IN} | dict.fromkeys(USERS[1:], 405)
STAFF_ONLY_ADMIN = {
    "anonymous": ADMIN_SIGN_IN,
    "viewer": ADMIN_SIGN_IN,
    "rep_es": ADMIN_SIGN_IN,
    "rep_it": ADMIN_SIGN_IN,
    "staff": 200,
}
# The admin's own sign-in and sign-out; every other admin URL is STAFF_ONLY_ADMIN.
ADMIN_EXPECTED = {
    "admin:login": {"anonymous": 200, "viewer": 200, "rep_es": 200, "rep_it": 200, "staff": 302},
    # A POST; the admin sends anyone else back to its index.
    "admin:logout": dict.fromkeys(USERS, 302) | {"staff": 405},
}

# Who may POST to a form that answers no GET; the others' POSTs are refused like a GET.
POST_EXPECTED = {
    # rep_es's own upload: nobody else may confirm it, not even staff
    "compositions:upload-confirm": {"viewer": 403, "rep_it": 403, "staff": 403},
}

EXPECTED = {
    "home": AGGREGATE,
    "healthz": OPEN_TO_ALL,
    "privacy": OPEN_TO_ALL,
    "login": {"anonymous": 200, "viewer": 302, "rep_es": 302, "rep_it": 302, "staff": 302},
    "logout": dict.fromkeys(USERS, 405),  # signing out is a POST
    # password change: signed-in users; reset: anyone
    "password_change": SIGNED_IN,
    "password_change_done": SIGNED_IN,
    "password_reset": OPEN_TO_ALL,
    "password_reset_done": OPEN_TO_ALL,
    "password_reset_confirm": OPEN_TO_ALL,  # an invalid link says so
    "password_reset_complete": OPEN_TO_ALL,
    # the user's own API tokens; the token in the URL is rep_es's
    "api-tokens": SIGNED_IN,
    "api-token-revoke": {
        "anonymous": SIGN_IN,
        "viewer": 404,
        "rep_es": 200,
        "rep_it": 404,
        "staff": 404,
    },
    # countries: profiles for every signed-in user, the forms and history for ES's keepers
    "countries:list": SIGNED_IN,
    "countries:detail": SIGNED_IN,
    "countries:mine": SIGNED_IN | {"viewer": 302},  # a viewer keeps no country: the dashboard
    "countries:edit": ES_RECORD,
    "countries:group-add": ES_RECORD,
    "countries:group-edit": ES_RECORD,
    "countries:group-delete": ES_RECORD,
    "countries:history": ES_RECORD,
    # ES's experts and its composition upload (the pending upload is rep_es's own)
    "compositions:experts": ES_RECORD,
    "compositions:expert-add": ES_RECORD,
    "compositions:expert-edit": ES_RECORD,
    "compositions:expert-delete": ES_RECORD,
    "compositions:upload": ES_RECORD,
    "compositions:upload-confirm": POSTED_ONLY,
    # answering rounds: the list for everyone signed in, ES's answer for its keepers
    "surveys:open": SIGNED_IN,
    "surveys:answer": ES_RECORD,
    # downloads
    "compositions:export": KEEPERS,  # each keeper gets their own countries' experts
    "compositions:template": SIGNED_IN,
    "surveys:export_responses": AGGREGATE,  # submitted responses only
    # the assessment
    "analytics:rounds": AGGREGATE,
    "analytics:round": AGGREGATE,
    "analytics:round-recommendations": AGGREGATE,
    "analytics:round-report-pdf": AGGREGATE,  # the annex's answers for signed-in readers
    "analytics:round-report-docx": AGGREGATE,
    "analytics:composition": AGGREGATE,
    "analytics:composition-compare": AGGREGATE,  # names only for the country's keepers
    "analytics:targets": AGGREGATE,
    "analytics:models": AGGREGATE,
    "analytics:compare": AGGREGATE,
    # the API's schema and its browsable documentation
    "api-schema": OPEN_TO_ALL,
    "api-docs": OPEN_TO_ALL,
}


def site_urls(patterns=None, prefix="", namespace=""):
    """(route, name, URL pattern) of every page outside the API, from the resolver."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace]))
            yield from site_urls(entry.url_patterns, route, inner)
        elif isinstance(entry, URLPattern) and not route.startswith(SKIPPED_PREFIXES):
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield route, name, entry


def is_admin(name) -> bool:
    return bool(name) and name.startswith("admin:")


SITE_URLS = sorted((name, route) for route, name, _ in site_urls() if name and not is_admin(name))
ADMIN_URLS = sorted((name, route, entry) for route, name, entry in site_urls() if is_admin(name))


def test_the_matrix_covers_every_site_url():
    names = {name for name, _ in SITE_URLS}
    unnamed = [route for route, name, _ in site_urls() if not name and "(?P<url>" not in route]

    assert not unnamed, f"Name these URLs so the matrix can hold them: {unnamed}"
    assert names == set(EXPECTED), (
        "Every page needs a row in EXPECTED: "
        f"missing {sorted(names - set(EXPECTED))}, stale {sorted(set(EXPECTED) - names)}"
    )


class Addresses:
    """Real path values for every parameter a site URL takes."""

    def __init__(self, data):
        cast = data.cast
        self.token = create_api_token(user=cast.rep_es, name="matrix")[0]
        self.pending = PendingImport.objects.create(
            kind=PendingImport.Kind.COMPOSITION,
            user=cast.rep_es,
            filename="es.csv",
            data=b"country,working_group,role,stakeholder_type,institution,name\n",
            options={"country": "ES"},
        )
        self.values = {
            "code": "ES",
            "slug": OPEN_ROUND,
            "file_format": "csv",
            "token_id": self.token.pk,
            "uidb64": "MQ",
            "token": "set-password",
            "pending_id": self.pending.pk,
        }
        self.pks = {
            "expert": data.es_expert.pk,
            "group": MirrorGroup.objects.get(country=cast.es).pk,
        }

    def url(self, name, route, **values) -> str:
        """The page's address; `values` override the real ones (a draft round's slug)."""
        values = self.values | values
        kwargs = {}
        for param in RoutePattern(route).regex.groupindex:  # the include's and the page's
            if param == "pk":
                kwargs[param] = self.pks["group" if "group" in name else "expert"]
            else:
                assert param in values, f"{name}: give Addresses a real value for {param}"
                kwargs[param] = values[param]
        return reverse(name, kwargs=kwargs)


@pytest.fixture
def addresses(registry):
    return Addresses(registry)


def assert_status(response, expected, where):
    if expected == SIGN_IN:
        assert response.status_code == 302, where
        assert response["Location"].startswith(reverse("login")), where
    elif expected == ADMIN_SIGN_IN:
        assert response.status_code == 302, where
        assert response["Location"].startswith(reverse("admin:login")), where
    else:
        assert response.status_code == expected, where


def written_rows() -> int:
    """Every write to a tracked record leaves a history row; tokens and uploads have none."""
    tracked = [model for model in registered_models.values() if hasattr(model, "history")]
    histories = sum(model.history.count() for model in tracked)
    return histories + ApiToken.objects.count() + PendingImport.objects.count()


def is_refusal(expected) -> bool:
    return expected in (SIGN_IN, ADMIN_SIGN_IN, 403, 404)


def post_cases(*, refused: bool) -> list:
    """(name, route, user) of every POST the matrix refuses (or lets through): a POST is
    answered as a GET unless POST_EXPECTED says otherwise. A page without a row in EXPECTED
    fails the coverage test instead."""
    return [
        pytest.param(name, route, user, id=f"{name}-{user}")
        for name, route in SITE_URLS
        if name in EXPECTED
        for user in USERS
        if is_refusal(POST_EXPECTED.get(name, {}).get(user, EXPECTED[name][user])) == refused
    ]


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize(("name", "route"), SITE_URLS, ids=[n for n, _ in SITE_URLS])
def test_who_may_open_what(as_user, addresses, name, route, user):
    client = as_user(user)
    url = addresses.url(name, route)

    response = client.get(url)

    where = f"{user} GET {url}"
    assert_status(response, EXPECTED[name][user], where)
    body = response.content.decode("utf-8", errors="replace")
    leaked = [text for text in foreign_data(user) if text in body]
    assert not leaked, f"{where} leaks {leaked}"
    small = small_counts_seen(user, response)
    assert not small, f"{where} shows small counts {small}"


# The doors of the gender breakdown a plain GET of each page does not open: the table's
# downloads and the round's report (its Word edition: the PDF prints the same contents).
GENDER_DOORS = [
    ("analytics:composition", {"download": "gender", "format": "csv"}),
    ("analytics:composition", {"download": "gender", "format": "xlsx"}),
    ("analytics:composition", {"as_of": "2100-01-01"}),
    ("analytics:round-report-docx", {}),
]


@pytest.mark.parametrize("public", [False, True], ids=["signed-in", "public"])
@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize(("name", "query"), GENDER_DOORS, ids=lambda v: str(v))
def test_no_reader_sees_a_small_count_of_experts_they_may_not_read(
    as_user, addresses, settings, name, query, user, public
):
    settings.NMG_PUBLIC_AGGREGATES = public
    client = as_user(user)

    response = client.get(addresses.url(name, dict(SITE_URLS)[name]), query)

    where = f"{user} GET {name} {query}"
    if user == "anonymous" and not public:
        assert_status(response, SIGN_IN, where)
        return
    assert response.status_code == 200, where
    assert gender_rows(response), f"{where} holds no gender table"
    small = small_counts_seen(user, response)
    assert not small, f"{where} shows small counts {small}"


def test_the_gender_doors_reach_the_small_counts(as_user, addresses):
    """Staff read ES's and IT's single experts on each door, so the searches above are not
    vacuous."""
    client = as_user("staff")
    for name, query in [("analytics:composition", {}), *GENDER_DOORS]:
        shown = gender_rows(client.get(addresses.url(name, dict(SITE_URLS)[name]), query))
        assert (str(shown["ES"]["female"]), str(shown["IT"]["male"])) == ("1", "1"), name


# What the allowed users may post is tested with each form.
@pytest.mark.parametrize(("name", "route", "user"), post_cases(refused=True))
def test_a_refused_reader_cannot_write_either(as_user, addresses, name, route, user):
    client = as_user(user)
    url = addresses.url(name, route)
    before = written_rows()

    response = client.post(url, {"version": "", "name": "Forged", "notes": "Forged"})

    where = f"{user} POST {url}"
    assert response.status_code in (302, 403, 404, 405), where
    if response.status_code == 302:
        assert response["Location"].startswith((reverse("login"), reverse("admin:login"))), where
    assert written_rows() == before, f"{where} wrote something"


# Junk a form may receive from a broken client or a forger: a stale or malformed version, a
# NUL byte, an over-long name, unknown choices, a file field without a file.
JUNK_POST = {
    "version": "not-a-version",
    "name": "x" * 1000,
    "notes": "nul \x00 byte",
    "kind": "no-such-kind",
    "working_group": "WG99",
    "role": "emperor",
    "national_roadmap_url": "javascript:alert(1)",
    "file": "not a file",
    "q": "\x00",
    "submit": "yes",
}


@pytest.mark.parametrize(("name", "route", "user"), post_cases(refused=False))
def test_junk_posted_by_an_allowed_user_gets_an_answer_never_a_500(
    as_user, addresses, name, route, user
):
    client = as_user(user)
    url = addresses.url(name, route)

    response = client.post(url, JUNK_POST)

    where = f"{user} POST {url}"
    assert response.status_code in (200, 302, 400, 403, 404, 405), where
    body = response.content.decode("utf-8", errors="replace")
    assert not [text for text in foreign_data(user) if text in body], f"{where} leaks"


def test_the_matrix_reaches_the_data_it_guards(as_user, addresses):
    """Staff see Spain's markers somewhere, so the searches above are not vacuous for the
    readers who must not see them."""
    client = as_user("staff")
    bodies = "".join(
        client.get(addresses.url(name, route)).content.decode("utf-8", errors="replace")
        for name, route in SITE_URLS
    )

    missing = [text for text in [*PERSONAL["ES"], DRAFTS["ES"]] if text not in bodies]
    assert not missing


# A draft round: staff's work in progress, which to anyone else does not exist.

UNKNOWN_ROUND = "round-that-never-was"
# Every page that takes a round in its path, from the URL configuration, so that a new one
# is covered; and the doors that take one in their query.
ROUND_PAGES = [(name, route) for name, route in SITE_URLS if "<slug:slug>" in route]
ROUND_QUERIES = [
    ("analytics:round", {"download": "invited", "format": "csv"}),
    ("analytics:round", {"download": "invited", "format": "xlsx"}),
    ("analytics:round-recommendations", {"download": "recommendations", "format": "csv"}),
    ("analytics:compare", {"before": OPEN_ROUND, "after": "{round}"}),
    ("analytics:compare", {"before": "{round}", "after": OPEN_ROUND, "download": "changes"}),
    ("analytics:composition", {"round": "{round}"}),
    ("analytics:composition", {"round": "{round}", "download": "sizes", "format": "xlsx"}),
    ("analytics:composition-compare", {"before": "{round}", "after": OPEN_ROUND}),
]
DRAFT_DOORS = [(name, route, {}) for name, route in ROUND_PAGES] + [
    (name, dict(SITE_URLS)[name], query) for name, query in ROUND_QUERIES
]


def test_every_page_that_takes_a_round_is_a_draft_door():
    assert {name for name, _ in ROUND_PAGES} == {
        "analytics:round",
        "analytics:round-recommendations",
        "analytics:round-report-docx",
        "analytics:round-report-pdf",
        "surveys:answer",
        "surveys:export_responses",
    }


def get_round(client, addresses, name, route, query, slug):
    url = addresses.url(name, route, slug=slug)
    return client.get(url, {key: value.format(round=slug) for key, value in query.items()})


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize(
    ("name", "route", "query"),
    DRAFT_DOORS,
    ids=[
        f"{name}{'-' + '-'.join(query.values()) if query else ''}" for name, _, query in DRAFT_DOORS
    ],
)
def test_a_draft_round_is_an_unknown_round_to_all_but_staff(
    as_user, addresses, name, route, query, user
):
    client = as_user(user)

    draft = get_round(client, addresses, name, route, query, DRAFT_ROUND)
    unknown = get_round(client, addresses, name, route, query, UNKNOWN_ROUND)

    where = f"{user} GET {name} {query} of the draft round"
    body = draft.content.decode("utf-8", errors="replace")
    if user == "staff":
        assert draft.status_code == 200, where
        assert unknown.status_code == 404, where
        if draft["Content-Type"].startswith("text/html"):
            assert "Draft" in body, f"{where} does not say it is a draft"
    else:
        assert draft.status_code == unknown.status_code, where
        if user != "anonymous":
            assert draft.status_code == 404, where
        # The 404 of an unknown round lists the rounds there are: never the draft.
        assert DRAFT_ROUND not in unknown.content.decode("utf-8", errors="replace"), where
        assert not [t for t in foreign_data(user) if t in body], f"{where} leaks"


def test_the_draft_round_doors_reach_the_draft(as_user, addresses):
    """Staff read the draft's title and ES's answer in it, so the 404s above hide something."""
    client = as_user("staff")
    bodies = "".join(
        get_round(client, addresses, name, route, query, DRAFT_ROUND).content.decode(
            "utf-8", errors="replace"
        )
        for name, route, query in DRAFT_DOORS
    )

    assert DRAFT_ROUND_TITLE in bodies
    assert DRAFT_ROUND_TEXT in bodies


# The admin: every URL of every registered model, for staff only.


# Admin pages a WP6 staff member is refused: users, groups and sign-in records are for
# superusers; API tokens are created on the site's own page; the autocomplete answers only
# its widgets' requests; the erasure log is written only by the erasures themselves.
STAFF_REFUSED_IN_ADMIN = (
    "admin:auth_",
    "admin:axes_",
    "admin:nmg_registry_apitoken_add",
    "admin:nmg_registry_apitoken_delete",
    "admin:nmg_registry_erasurelog_add",
    "admin:nmg_registry_erasurelog_delete",
    "admin:autocomplete",
)


def model_admin_of(entry):
    """The ModelAdmin serving an admin URL: its own views carry it, and an extra page of
    its `get_urls` (a round's status) is one of its methods wrapped by `admin_view`."""
    if model_admin := getattr(entry.callback, "model_admin", None):
        return model_admin
    owner = getattr(getattr(entry.callback, "__wrapped__", None), "__self__", None)
    return owner if isinstance(owner, ModelAdmin) else None  # not the site's own pages


def admin_url(name, route, entry, registry_data) -> str | None:
    model_admin = model_admin_of(entry)
    params = list(entry.pattern.regex.groupindex)
    if name in ("admin:view_on_site", "admin:None"):
        return None  # a redirect to the site's page, and the catch-all that 404s
    if name == "admin:app_list":
        return reverse(name, kwargs={"app_label": "nmg_registry"})
    if name.endswith("_import_confirm"):
        pending = PendingImport.objects.filter(user=registry_data.cast.staff).first()
        return reverse(name, kwargs={"pending_id": pending.pk}) if pending else None
    if "_simple_history" in name:
        return _history_record_url(name, route)
    obj = _sample(model_admin, registry_data)
    if obj is None and "object_id" in params:
        return None  # no record of that model to address
    if "object_id" in params:
        return reverse(name, kwargs={"object_id": obj.pk})
    if "id" in params:  # the user's password change
        return reverse(name, kwargs={"id": registry_data.cast.rep_es.pk})
    return reverse(name)


def _sample(model_admin, registry_data):
    if model_admin is None:
        return None
    if model_admin.model is Expert:
        return registry_data.es_expert
    return model_admin.model._default_manager.order_by("pk").first()


def _history_record_url(name, route) -> str | None:
    """One recorded version of a record, as the admin's history shows it."""
    app_label, model_name = route.split("/")[1:3]
    model = ContentType.objects.get_by_natural_key(app_label, model_name).model_class()
    record = model.history.order_by("history_id").first()
    if record is None:
        return None
    return reverse(name, args=[getattr(record, model._meta.pk.attname), record.history_id])


@pytest.mark.parametrize("user", USERS)
def test_the_admin_is_for_staff(as_user, registry, user):
    client = as_user(user)
    create_api_token(user=registry.cast.staff, name="admin matrix")
    opened, checked = 0, set()
    for name, route, entry in ADMIN_URLS:
        url = admin_url(name, route, entry, registry)
        if url is None:
            continue
        response = client.get(url)
        expected = ADMIN_EXPECTED.get(name, STAFF_ONLY_ADMIN)[user]
        where = f"{user} GET {url}"
        if name in ADMIN_EXPECTED:
            assert_status(response, expected, where)
        elif expected == 200 and response.status_code == 302:
            # Admin pages that redirect staff onwards (log out, password change done...).
            assert not response["Location"].startswith(reverse("admin:login")), where
        elif expected == 200:
            assert response.status_code in (200, 403), where
            refused = name.startswith(STAFF_REFUSED_IN_ADMIN)
            assert response.status_code == (403 if refused else 200), where
        else:
            assert_status(response, expected, where)
        body = response.content.decode("utf-8", errors="replace")
        assert not [t for t in foreign_data(user) if t in body], f"{where} leaks"
        opened += 1
        checked.add(name)

    assert opened > 100  # every registered model's changelist, add, change, delete, history
    assert "admin:surveys_survey_status" in checked  # the pages a ModelAdmin adds, too
