"""Who an expert is: the one rule that tells two records of a country's experts apart.

A person is recognised by country + e-mail, or, without an e-mail, by country + name +
institution; letter case and surrounding spaces do not count. The expert form's duplicate
check and the composition import's matcher both decide with these keys, as the database's
unique constraints on `Expert` do.
"""

from django.db.models import Q


def _folded(text: str) -> str:
    return (text or "").strip().lower()


def email_key(country_id, email: str) -> tuple:
    """The identity of a person with an e-mail."""
    return (country_id, "email", _folded(email))


def name_key(country_id, name: str, institution: str) -> tuple:
    """The identity of a person without an e-mail (and whom an e-mail may later name)."""
    return (country_id, "name", _folded(name), _folded(institution))


def identity_key(country_id, *, email: str, name: str, institution: str) -> tuple:
    """The key that decides who the person is: the e-mail's, else the name and institution's."""
    if _folded(email):
        return email_key(country_id, email)
    return name_key(country_id, name, institution)


def expert_identity(expert) -> tuple:
    return identity_key(
        expert.country_id, email=expert.email, name=expert.name, institution=expert.institution
    )


def same_identity_filter(expert) -> Q:
    """A filter of the stored experts that may share `expert`'s identity, for the database to
    narrow them before `expert_identity` decides. E-mail addresses are ASCII, which every
    database compares in any case; names are compared here, as SQLite's case folding stops
    at ASCII."""
    if _folded(expert.email):
        return Q(email__iexact=expert.email.strip())
    return Q(email="")
