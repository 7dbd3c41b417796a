"""The content security policy: every answer carries it; scripts and styles come from the
registry only, never inline; the API's docs alone may draw Swagger UI's data: images."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.urls import reverse

from tests.admin_helpers import admin_url

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}
DOCS_POLICY = POLICY | {"img-src": "'self' data:"}


def policy_of(response) -> dict[str, str]:
    """The Content-Security-Policy header as directive: sources (the order carries no meaning)."""
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


TEMPLATES = Path(settings.BASE_DIR) / "templates"
# A <script> element with code between its tags (one with only a src has none).
INLINE_SCRIPT = re.compile(r"<script\b[^>]*>(?P<code>.*?)</script>", re.S | re.I)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.I)
STYLE_ELEMENT = re.compile(r"<style\b", re.I)
JAVASCRIPT_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


def inline_code(html: str) -> list[str]:
    """What the policy would refuse to run or apply in a page: inline scripts (other than
    JSON data), event handler attributes, style attributes and elements, javascript: URLs."""
    found = [
        match.group(0)[:80]
        for match in INLINE_SCRIPT.finditer(html)
        if match.group("code").strip() and "application/json" not in match.group(0)[:200]
    ]
    for pattern in (HANDLER, STYLE_ATTRIBUTE, STYLE_ELEMENT, JAVASCRIPT_URL):
        found += [html[m.start() : m.start() + 60] for m in pattern.finditer(html)]
    return found


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=str)
def test_no_template_holds_inline_script_or_style(template):
    assert inline_code(template.read_text()) == []


@pytest.mark.parametrize(
    ("user", "address"),
    [
        ("anonymous", "/accounts/login/"),
        ("anonymous", "/accounts/password_reset/"),
        ("viewer", "/"),
        ("viewer", "/countries/ES/"),
        ("rep_es", "/countries/ES/experts/"),
        ("staff", "/admin/"),
        ("staff", "/admin/compositions/expert/"),
        ("staff", "/admin/compositions/expert/add/"),
        ("viewer", "/countries/XX/"),  # 404
        ("viewer", "/countries/?country=%00"),  # 400
        ("viewer", "/api/v1/countries/"),
        ("anonymous", "/api/v1/countries/"),  # 401
        ("anonymous", "/api/schema/"),
    ],
)
def test_every_answer_carries_the_strict_policy(as_user, registry, user, address):
    response = as_user(user).get(address)

    assert policy_of(response) == POLICY


def test_the_api_docs_alone_may_draw_data_images_and_run_no_inline_script(client, db):
    response = client.get(reverse("api-docs"))

    assert response.status_code == 200
    assert policy_of(response) == DOCS_POLICY
    html = response.content.decode()
    assert inline_code(html) == []
    script = re.search(r'<script src="([^"]*\?[^"]*script[^"]*)"', html).group(1)
    started = client.get(script.replace("&amp;", "&"))
    assert started.status_code == 200
    assert started["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in started.content.decode()


@pytest.mark.parametrize(
    "address",
    [
        "/",
        "/countries/",
        "/countries/ES/",
        "/countries/ES/edit/",
        "/countries/ES/experts/",
        "/countries/ES/experts/add/",
        f"/surveys/{'round-open'}/answer/ES/",
        "/assessment/rounds/",
        "/assessment/composition/",
        "/account/tokens/",
        "/admin/",
        "/admin/surveys/survey/",
        "/admin/surveys/survey/add/",
        "/admin/compositions/expert/",
        "/admin/compositions/expert/import/",
        "/admin/nmg_registry/country/",
    ],
)
def test_the_pages_the_policy_guards_need_no_inline_code(as_user, registry, address):
    response = as_user("staff").get(address)

    assert response.status_code == 200
    assert inline_code(response.content.decode()) == []


def test_the_round_status_page_needs_no_inline_code(as_user, registry):
    url = reverse("admin:surveys_survey_status", args=[registry.survey.pk])

    response = as_user("staff").get(url)

    assert response.status_code == 200
    assert inline_code(response.content.decode()) == []


HISTORY_MODELS = sorted(
    (model for model, model_admin in admin.site._registry.items() if hasattr(model, "history")),
    key=lambda model: model._meta.label,
)


@pytest.mark.parametrize("model", HISTORY_MODELS, ids=lambda model: model._meta.label)
def test_history_pages_need_no_inline_code(as_user, registry, model):
    """A record's list of versions (django-simple-history's template carried a style
    attribute) and one version of it."""
    record = model._default_manager.order_by("pk").first()
    assert record is not None, "the registry fixture holds a record of every history model"
    version = record.history.order_by("history_id").first()
    client = as_user("staff")

    pages = [
        client.get(admin_url(model, "history", record.pk)),
        client.get(admin_url(model, "simple_history", record.pk, version.history_id)),
    ]

    for page in pages:
        assert page.status_code == 200
        assert inline_code(page.content.decode()) == []
    assert 'class="paginator history-paginator"' in pages[0].content.decode()


BROWSABLE = {"HTTP_ACCEPT": "text/html"}


@pytest.mark.parametrize(
    ("user", "address"),
    [
        ("staff", "/api/v1/countries/"),
        ("staff", "/api/v1/countries/?participation=signatory"),
        ("staff", "/api/v1/working-groups/"),
        ("staff", "/api/v1/stakeholder-types/"),
        ("staff", "/api/v1/mirror-groups/"),
        ("staff", "/api/v1/experts/"),
        ("staff", "/api/v1/surveys/"),
        ("staff", "/api/v1/targets/"),
        ("rep_es", "/api/v1/experts/"),
        ("viewer", "/api/v1/countries/?page=999"),  # 404
    ],
)
def test_browsable_api_pages_need_no_inline_code(as_user, registry, user, address):
    response = as_user(user).get(address, **BROWSABLE)

    assert response["Content-Type"].startswith("text/html")
    assert policy_of(response) == POLICY
    assert inline_code(response.content.decode()) == []


def test_the_browsable_api_places_its_filters_button_by_class(as_user, registry):
    response = as_user("staff").get("/api/v1/countries/", **BROWSABLE)

    html = response.content.decode()
    assert 'class="btn btn-default request-aside" data-toggle="modal"' in html
    assert "nmg_registry/browsable_api.css" in html
