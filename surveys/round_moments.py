"""When a round closed: the moment `?round=<slug>` shows a composition as it stood then."""

import datetime

from django.utils import timezone

from nmg_registry.moments import registry_zone
from surveys.models import Survey
from surveys.selectors import visible_round


def round_closed_at(*, survey: Survey) -> datetime.datetime:
    """The end of a closed round's closing date (or, without one, when it was closed); now
    for an open round, and for a draft, which has not closed either. One query at most.

    Always the end of that day, even for a round closed earlier in it (`close_round` makes
    its closing date today): the moment never moves once the day is over."""
    if not survey.is_closed:
        return timezone.now()
    if survey.closes_on is not None:
        return datetime.datetime.combine(
            survey.closes_on, datetime.time.max, tzinfo=registry_zone()
        )
    return _when_closed(survey) or timezone.now()


def composition_moment(*, survey: Survey) -> datetime.datetime | None:
    """When a round's composition is taken: as it closed (`round_closed_at`); None (the
    present, read from the records themselves) for an open round or a draft."""
    return round_closed_at(survey=survey) if survey.is_closed else None


def _when_closed(survey: Survey) -> datetime.datetime | None:
    """The first version of the round's last closed stretch, from its history."""
    closed = None
    versions = survey.history.order_by("history_date", "history_id")
    for status, date in versions.values_list("status", "history_date"):
        if status != Survey.Status.CLOSED:
            closed = None
        elif closed is None:
            closed = date
    return closed


def round_moment(user, slug: str) -> datetime.datetime:
    """The moment the round `slug` closed, if the user may see it (`visible_round`);
    Survey.DoesNotExist naming the rounds they may see otherwise."""
    return round_closed_at(survey=visible_round(user=user, slug=slug))
