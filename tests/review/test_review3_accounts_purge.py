"""Review of `erase_personal_data --user`, `purge_history` and the admin's actions: bad input
gets a message, never a traceback; a name that merely looks erased is not an erasure."""

import contextlib
import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from compositions.models import Expert
from nmg_registry.models import Country, ErasureLog
from tests import factories
from tests.compositions.test_erasure import hits
from tests.conftest import PERSONAL

pytestmark = pytest.mark.django_db


def test_erasing_a_user_when_another_account_holds_the_erased_name(registry):
    """Usernames are free text staff type in; one that happens to read erased-user-<id> of
    another account must not make that account's erasure crash with an IntegrityError."""
    target = registry.cast.rep_es
    factories.UserFactory(username=f"erased-user-{target.pk}")
    with contextlib.suppress(CommandError):  # a clear refusal is acceptable
        call_command("erase_personal_data", "--user", "rep_es", stdout=io.StringIO())
    target.refresh_from_db()


def test_an_account_that_merely_looks_erased_can_still_be_erased(registry):
    """A live account whose user name reads erased-user-<its id> (it was given that name)
    is not an erased account: its e-mail and name are still personal data."""
    user = factories.UserFactory(
        username="placeholder",
        first_name="Real",
        last_name="Person",
        email="real.person@example.org",
    )
    user.username = f"erased-user-{user.pk}"
    user.save()
    call_command("erase_personal_data", "--user", user.username, stdout=io.StringIO())
    user.refresh_from_db()
    assert user.email == ""


@pytest.mark.parametrize("days", ["1000000000", "999999999", "10000000"])
def test_a_huge_number_of_days_is_refused_with_a_message(registry, days):
    with pytest.raises(CommandError):
        call_command("purge_history", "--older-than", days, stdout=io.StringIO())


def test_purge_leaves_no_trace_as_an_erasure(registry):
    """issue 14 §4: purge_history scrubs 'same scrubbing as erasure'. An expert removed long
    ago, named in their country's notes: after the purge, the dump names them nowhere."""
    name, email = PERSONAL["ES"]
    Country.objects.filter(code="ES").update(notes=f"{name} left in 2020.")
    expert = registry.es_expert
    pk = expert.pk
    expert.delete()
    Expert.history.filter(id=pk).update(history_date=timezone.now() - datetime.timedelta(days=800))
    call_command("purge_history", "--older-than", "365", stdout=io.StringIO())
    assert ErasureLog.objects.exists()
    assert hits(name, email) == []
