"""The assessment's pages and the demo data that fills them, shared by the dashboard tests
in Django's test client and in a real browser."""

import io

from django.core.management import call_command

DEMO_ROUND = "nmg-survey-2020"
ASSESSMENT_PAGES = [
    "/",
    "/assessment/rounds/",
    f"/assessment/rounds/{DEMO_ROUND}/",
    f"/assessment/rounds/{DEMO_ROUND}/recommendations/",
    "/assessment/composition/",
    "/assessment/targets/",
    "/assessment/configuration-models/",
    "/assessment/compare/",
]


def load_demo(settings) -> None:
    """Load the demo data (`load_demo_data`), which refuses to run unless DEBUG is on."""
    settings.DEBUG = True
    call_command("load_demo_data", stdout=io.StringIO())
