"""`{{ user|person }}`: a user as the registry names them (`wording.person`): full name,
else user name, and an account erased on request as "an erased user"."""

from django import template

from nmg_registry import wording

register = template.Library()


@register.filter
def person(user) -> str:
    return wording.person(user) if user is not None else ""
