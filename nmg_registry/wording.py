"""How a recorded change reads, wherever the registry tells one: who made it and when, each
field by its label, each value as a reader knows it (a choice by its label, a record by its
name), before → after. The country history and the edit-conflict messages both read here.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone

from nmg_registry.personal_data import ERASED_USER, is_erased_user

# Who a change without a user came from: a history row's cell, a sentence's subject.
NO_USER = "import or command"
NO_USER_IN_SENTENCE = "an import or a command"
# Who changed a record that kept no history of it.
SOMEONE = "someone else"


@dataclass(frozen=True)
class FieldChange:
    """A field's label, with its value before and after a change as a reader knows them."""

    field: str
    before: str
    after: str


def person(user) -> str:
    """A user as the registry names them: full name, else user name; an account erased on
    request (`erase_personal_data --user`) as "an erased user"."""
    if is_erased_user(user):
        return ERASED_USER
    return user.get_full_name() or user.get_username()


def author(user) -> str:
    """Who made a change, in a sentence: the person, or an import or command."""
    return NO_USER_IN_SENTENCE if user is None else person(user)


def moment(when: datetime.datetime) -> str:
    """A change's time, in the site's time zone, to the minute."""
    return timezone.localtime(when).strftime("%Y-%m-%d %H:%M")


def field_label(model, name: str) -> str:
    """A field by its verbose name; a name the model no longer has, as it is."""
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def value_reader(field, name_of: Callable[[type, object], str]) -> Callable[[object], str]:
    """How the values of `field` read: a record pointed to by `name_of(model, pk)`, a choice
    by its label, anything else by `shown_value`."""
    if field.is_relation:
        related = field.related_model
        return lambda pk: "" if pk is None else name_of(related, pk)
    if field.choices:
        labels = {value: str(label) for value, label in field.flatchoices}
        return lambda value: labels.get(value, "" if value is None else str(value))
    return shown_value


def value_reader_of(model, name: str, name_of=None) -> Callable[[object], str]:
    """`value_reader` for the field `name` of `model` (records pointed to read alone, by
    `record_name`, unless `name_of` says otherwise); a field it no longer has, or a
    many-to-many one, reads as plain values."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return shown_value
    if field.many_to_many:
        return shown_value
    return value_reader(field, name_of or record_name)


def shown_value(value) -> str:
    """A plain value: blank for none, yes/no, a date or a time to the minute, else its text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.datetime):
        return moment(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def record_name(model, pk) -> str:
    """A record pointed to, read on its own (for a single change, not a page of them)."""
    if model is get_user_model():
        user = model._default_manager.filter(pk=pk).first()
        return person(user) if user else "a removed user"
    found = model._default_manager.filter(pk=pk).first()
    return str(found) if found else f"a removed {model._meta.verbose_name}"


def changed_sentence(*, label: str, by: str, at, removed: bool = False) -> str:
    """ "X was changed (or removed) by Y at …"."""
    when = f" at {moment(at)}" if at else ""
    verb = "removed" if removed else "changed"
    return f"{label} was {verb} by {by}{when}"


def listed_changes(changes) -> str:
    """The changes in one line: field: “before” → “after”; …"""
    return "; ".join(f"{c.field}: “{c.before}” → “{c.after}”" for c in changes)
