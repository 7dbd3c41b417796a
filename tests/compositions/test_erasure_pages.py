"""After an erasure, every page and download that reads a past moment names no one and
keeps its figures (issue 14 §1)."""

import io
import json
import time
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.utils import timezone

from nmg_registry.tabular import cell_texts
from tests.conftest import PERSONAL

pytestmark = pytest.mark.django_db

NAME, EMAIL = PERSONAL["ES"]


def moment_text(at):
    return quote(at.isoformat())


@pytest.fixture
def then(registry):
    time.sleep(0.01)
    at = timezone.now()
    time.sleep(0.01)
    return at


def pages(then):
    t = moment_text(then)
    return [
        f"/countries/ES/experts/?as_of={t}",
        f"/api/v1/experts/?as_of={t}",
        f"/api/v1/experts/?as_of={t}&country=ES",
        f"/compositions/export.csv?as_of={t}",
        f"/compositions/export.xlsx?as_of={t}",
        f"/assessment/composition/?as_of={t}",
        f"/api/v1/compositions/summary/?as_of={t}",
        f"/assessment/composition/compare/?before={t}&after={moment_text(timezone.now())}",
        f"/api/v1/compositions/compare/?before={t}&after={moment_text(timezone.now())}",
        "/countries/ES/history/",
        "/countries/ES/",
        "/admin/compositions/expert/",
        "/admin/",
    ]


FIGURE_PAGES = ("/api/v1/compositions/summary/", "/api/v1/experts/")


def test_pages_of_a_past_moment_name_no_one_and_keep_their_figures(registry, then, as_user):
    client = as_user("staff")
    urls = pages(then)
    before = {url: client.get(url) for url in urls}
    for url, page in before.items():
        assert page.status_code == 200, (url, page.status_code)
    call_command("erase_personal_data", "--country", "ES", "--email", EMAIL, stdout=io.StringIO())
    for url in urls:
        page = client.get(url)
        assert page.status_code == 200, (url, page.status_code)
        body = page.content
        if url.startswith("/compositions/export.xlsx"):
            text = " ".join(cell_texts(body, "x.xlsx"))
        else:
            text = body.decode()
        assert NAME not in text and EMAIL not in text, url
        assert "Espinosa" not in text, url
    summary_url = next(u for u in urls if u.startswith("/api/v1/compositions/summary/"))
    assert json.loads(client.get(summary_url).content) == json.loads(before[summary_url].content)
    experts_url = next(u for u in urls if u.startswith("/api/v1/experts/?as_of"))
    old = json.loads(before[experts_url].content)
    new = json.loads(client.get(experts_url).content)
    old_list = old["results"] if isinstance(old, dict) else old
    new_list = new["results"] if isinstance(new, dict) else new
    assert len(new_list) == len(old_list)
    names = sorted(e["name"] for e in new_list)
    assert "[erased]" in names


def test_the_admin_history_of_the_erased_expert_and_seats_names_no_one(registry, as_user):
    client = as_user("staff")
    pk = registry.es_expert.pk
    seat_ids = list(registry.es_expert.memberships.values_list("pk", flat=True))
    call_command("erase_personal_data", "--country", "ES", "--email", EMAIL, stdout=io.StringIO())
    urls = [f"/admin/compositions/expert/{pk}/history/"] + [
        f"/admin/compositions/membership/{s}/history/" for s in seat_ids
    ]
    for url in urls:
        page = client.get(url)
        assert page.status_code == 200, (url, page.status_code)
        assert NAME not in page.content.decode(), url
