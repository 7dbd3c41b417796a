"""Browser tests: Playwright driving Debian's Chromium against the live test server.

Without /usr/bin/chromium the tests are skipped with a hint, except in CI (CI or
NMG_REQUIRE_BROWSER set), where a missing browser fails the run.
"""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests import factories

CHROMIUM = Path("/usr/bin/chromium")
INSTALL_HINT = (
    f"browser tests need Chromium at {CHROMIUM}: install Debian's package with "
    "`apt-get install chromium` (Playwright's own browser downloads are not used)"
)
# Chromium's background services would try to reach the network, which tests must not do.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def browser_required() -> bool:
    return bool(os.environ.get("CI") or os.environ.get("NMG_REQUIRE_BROWSER"))


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    e2e_items = [item for item in items if here in Path(item.fspath).parents]
    for item in e2e_items:
        item.add_marker(pytest.mark.e2e)
    if e2e_items and not CHROMIUM.exists():
        if browser_required():
            raise pytest.UsageError(f"CI requires the browser tests, but {INSTALL_HINT}")
        for item in e2e_items:
            item.add_marker(pytest.mark.skip(reason=INSTALL_HINT))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session", autouse=True)
def _allow_orm_beside_playwright():
    # Playwright's sync API keeps an event loop in the test thread; the ORM calls made by
    # the test and its database fixtures are still synchronous and safe.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(autouse=True)
def _restore_reference_data(reference_data):
    """Every browser test starts from the migrated reference data (tests/conftest.py)."""


def sign_in(page, live_server, username, password=factories.TEST_PASSWORD):
    """Sign in through the sign-in form; returns once the browser has left it (for the page
    the user starts on) so that the next step never acts on the sign-in page."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
