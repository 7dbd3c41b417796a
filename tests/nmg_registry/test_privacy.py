"""The privacy notice (`/privacy/`, issue 14 §4): what the registry holds, why, who may see
what — the permission table itself, which the policy's functions decide — how long, and
whom to ask; readable by anyone, linked from every page and from the sign-in page."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from nmg_registry import permissions

pytestmark = pytest.mark.django_db

PAGE = "/privacy/"


def test_anyone_reads_the_notice_with_the_permission_table(client, cast):
    for user in (None, cast.viewer, cast.rep_es, cast.staff):
        client.logout()
        if user is not None:
            client.force_login(user)
        page = client.get(PAGE)
        assert page.status_code == 200
    text = page.content.decode()
    for _, heading in permissions.ROLES:
        assert f'<th scope="col">{heading}</th>' in text
    for line in permissions.POLICY_TABLE:
        cells = "".join(
            f"<td>{getattr(line, role)}</td>".replace("'", "&#x27;")
            for role, _ in permissions.ROLES
        )
        assert f'<th scope="row">{line.records}</th>{cells}'.replace("'", "&#x27;") in text


def test_the_notice_says_what_is_held_and_how_long(client):
    text = client.get(PAGE).content.decode()
    assert "<strong>Experts</strong>: name, email, institution, position, region" in text
    assert "gender, stakeholder type, memberships" in text
    assert "purge_history" in text and "[erased]" in text and "an erased user" in text


def test_the_contact_comes_from_the_settings(client, settings):
    settings.NMG_PRIVACY_CONTACT = "1+MG WP6, privacy@example.org"
    assert "Ask <strong>1+MG WP6, privacy@example.org</strong>" in client.get(PAGE).content.decode()
    settings.NMG_PRIVACY_CONTACT = ""
    assert "Ask WP6 staff of the 1+MG initiative" in client.get(PAGE).content.decode()


def test_the_notice_says_whether_aggregates_are_public_here(client, settings):
    assert "the aggregates are not public" in client.get(PAGE).content.decode()
    settings.NMG_PUBLIC_AGGREGATES = True
    assert "the aggregates are public" in client.get(PAGE).content.decode()


def test_every_page_and_the_sign_in_page_link_the_notice(client, cast):
    sign_in = client.get(reverse("login")).content.decode()
    assert sign_in.count(f'href="{PAGE}"') == 2  # the footer's and the form's
    client.force_login(cast.rep_es)
    for url in (reverse("countries:mine"), reverse("api-tokens"), PAGE):
        assert f'href="{PAGE}"' in client.get(url).content.decode()


def test_the_readme_table_is_the_policy_table():
    """The README's "Roles and permissions" table and the notice's are one table."""
    readme = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Roles and permissions", 1)[1]
    lines = section.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("|"))
    end = next(n for n in range(start, len(lines)) if not lines[n].startswith("|"))
    rows = lines[start:end]
    cells = [[re.sub(r"[`*]", "", c).strip() for c in row.strip("|").split("|")] for row in rows]
    assert cells[0] == ["", *(heading for _, heading in permissions.ROLES)]
    assert cells[2:] == [
        [line.records, *(getattr(line, role) for role, _ in permissions.ROLES)]
        for line in permissions.POLICY_TABLE
    ]


def test_the_table_says_what_the_policy_decides(registry, settings):
    """Each line of the table against the function that decides it: "no" is refused, any
    other word allowed, "only if …" as NMG_PUBLIC_AGGREGATES says."""
    cast, es, it = registry.cast, registry.cast.es, registry.cast.it
    users = {
        "anonymous": cast.anonymous,
        "viewer": cast.viewer,
        "representative": cast.rep_es,
        "staff": cast.staff,
    }
    decides = {
        "aggregates, dashboards": permissions.can_read_aggregates,
        "country profiles (non-personal)": permissions.can_read_country_profiles,
        "experts of X (personal data)": lambda user: permissions.can_edit_experts(user, es),
        "X's response to an open round": lambda user: permissions.can_answer_survey(
            user, registry.survey, es
        ),
        "submitted responses of any country": permissions.can_read_aggregates,
        "other countries' experts and draft responses": lambda user: permissions.can_read_experts(
            user, it
        ),
        "rounds, reference data": permissions.can_manage_registry,
    }
    assert set(decides) == {line.records for line in permissions.POLICY_TABLE}
    for public in (False, True):
        settings.NMG_PUBLIC_AGGREGATES = public
        for line in permissions.POLICY_TABLE:
            for role, user in users.items():
                said = getattr(line, role)
                expected = public if said.startswith("only if") else said != "no"
                assert decides[line.records](user) == expected, (line.records, role, public)


def test_the_notice_says_how_small_counts_are_kept_from_readers(client, settings):
    settings.NMG_MIN_CELL = 3
    assert "anyone else sees no count below 3" in " ".join(
        client.get("/privacy/").content.decode().split()
    )
    settings.NMG_MIN_CELL = 0
    assert "no count below" not in client.get("/privacy/").content.decode()
