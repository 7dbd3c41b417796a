"""Dates typed on the command line."""

import datetime

from django.core.management.base import CommandError


def parse_date(option: str, value: str | None) -> datetime.date | None:
    """A YYYY-MM-DD date, or a CommandError naming the option and the bad value."""
    if value is None:
        return None
    try:
        return datetime.datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise CommandError(f'{option}: "{value}" is not a date (YYYY-MM-DD)') from None
