"""Who an expert is, decided once (`compositions.identity`): the expert form calls two
records a duplicate exactly when the composition import takes them for the same person."""

import pytest
from django.core.exceptions import ValidationError

from compositions.identity import expert_identity
from compositions.models import Expert
from compositions.services.experts import create_expert
from compositions.services.file_import import import_composition

pytestmark = pytest.mark.django_db

HEADER = "country,working_group,role,stakeholder_type,institution,name,position,gender,region,email"

# (stored expert, the one typed next): name, institution, e-mail each; same person or not
PAIRS = [
    (("Ana", "ISCIII", "ana@example.org"), ("Ana", "ISCIII", " ANA@Example.ORG "), True),
    (("Ana", "ISCIII", "ana@example.org"), ("Ana García", "CNAG", "ana@example.org"), True),
    (("Ana", "ISCIII", "ana@example.org"), ("Ana", "ISCIII", "ana.g@example.org"), False),
    (
        ("José García", "Universidad de Sevilla", ""),
        (" JOSÉ GARCÍA", "universidad DE sevilla ", ""),
        True,
    ),
    (
        ("José García", "Universidad de Sevilla", ""),
        ("José  García", "Universidad de Sevilla", ""),
        False,
    ),
    (
        ("José García", "Universidad de Sevilla", ""),
        ("Jose Garcia", "Universidad de Sevilla", ""),
        False,
    ),
    (("José García", "Universidad de Sevilla", ""), ("José García", "CNAG", ""), False),
]


def the_form_refuses(cast, typed) -> bool:
    name, institution, email = typed
    values = {"name": name, "institution": institution, "email": email}
    try:
        created = create_expert(user=cast.staff, country=cast.es, values=values)
    except ValidationError as refused:
        assert refused.error_dict[("email" if email.strip() else "name")][0].code == "duplicate"
        return True
    created.delete()  # so that the import meets the stored expert alone
    return False


def the_import_matches(typed) -> bool:
    name, institution, email = typed
    line = f'ES,,,,"{institution}","{name}",,,,"{email}"'
    summary = import_composition(data=f"{HEADER}\n{line}\n".encode(), filename="c.csv")
    return summary.counts["experts"].created == 0


@pytest.mark.parametrize(("stored", "typed", "same"), PAIRS)
def test_the_form_and_the_import_recognise_the_same_person(cast, stored, typed, same):
    name, institution, email = stored
    kept = Expert.objects.create(country=cast.es, name=name, institution=institution, email=email)

    assert the_form_refuses(cast, typed) is same
    assert the_import_matches(typed) is same
    typed_expert = Expert(country=cast.es, name=typed[0], institution=typed[1], email=typed[2])
    assert (expert_identity(typed_expert) == expert_identity(kept)) is same
