"""What the assessment's tests share: the demo data loaded, and a viewer signed in."""

import pytest

from surveys.models import Survey
from tests.assessment import DEMO_ROUND, load_demo


@pytest.fixture
def demo(settings):
    """The demo data set (`load_demo_data`); its 2020 round."""
    load_demo(settings)
    return Survey.objects.get(slug=DEMO_ROUND)


@pytest.fixture
def viewer(client, cast):
    """The test client, signed in as a viewer: a reader of the aggregates with no country."""
    client.force_login(cast.viewer)
    return client
