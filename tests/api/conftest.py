"""The API tests' growing registry; the data set itself (`registry`, its markers of each
country's personal data and drafts, `as_user`) is shared with the site's tests in
tests/conftest.py."""

from nmg_registry.models import Country, MirrorGroup, StakeholderType, WorkingGroup
from surveys.models import Response, Survey
from tests import factories
from tests.conftest import DRAFTS, OPEN_ROUND, PERSONAL, SUBMITTED_TEXT, answer

# The names the API tests import from here.
__all__ = ["DRAFTS", "OPEN_ROUND", "PERSONAL", "SUBMITTED_TEXT", "add_country_data"]


def add_country_data(survey: Survey, code: str, *, position: int = 0) -> None:
    """A country's mirror group, two experts (one in two working groups) and, unless it has
    one, a submitted response to the round: what makes an N+1 show as the countries grow."""
    country = Country.objects.get(code=code)
    types = list(StakeholderType.objects.order_by("order"))
    groups = WorkingGroup.objects.in_bulk(field_name="number")
    group = MirrorGroup.objects.create(country=country, kind=MirrorGroup.Kind.SINGLE, name="NMG")
    for number in (1, 2):
        expert = factories.ExpertFactory(
            country=country, stakeholder_type=types[(position + number) % len(types)]
        )
        factories.MembershipFactory(expert=expert, working_group=groups[number], mirror_group=group)
    factories.MembershipFactory(expert=expert, working_group=groups[3])
    survey.invited_countries.add(country)
    if not Response.objects.filter(survey=survey, country=country).exists():
        response = factories.submitted_response(survey=survey, country=country)
        answer(response, "nmg_stage", "operational")
        answer(response, "notes", f"Notes of {code}")
