"""An export imports back with nothing to change, for every value the registry can hold: a
property test over generated expert fields, stored the way the expert form stores them
(through the service, stripped), exported as CSV and XLSX and imported back in a dry run."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from compositions.models import Expert, Gender
from compositions.selectors import composition_export
from compositions.services.experts import create_expert
from compositions.services.file_import import import_composition

pytestmark = pytest.mark.django_db

# The characters that make a value tricky to carry: formula triggers, the apostrophe that
# neutralises them, XLSX's own escape (`_x0041_`), control characters, spaces.
TRICKY = "'=+-@\t\r\n _x0041B\x0b\x01\x1f\ufffe\u2028\"',;é"


def field_text(max_size: int):
    """Text as the expert form stores it: no NUL (refused by every form), stripped."""
    any_text = st.text(
        alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
        max_size=max_size,
    )
    tricky_text = st.text(alphabet=TRICKY, max_size=min(max_size, 12))
    return st.one_of(any_text, tricky_text).map(str.strip)


EMAILS = st.one_of(
    st.just(""),
    st.from_regex(r"[a-z0-9'=+\-_]{1,12}@example\.org", fullmatch=True),
)


@st.composite
def expert_values(draw) -> dict:
    return {
        "name": draw(field_text(200).filter(bool)),
        "institution": draw(field_text(300)),
        "position": draw(field_text(300)),
        "region": draw(field_text(200)),
        "email": draw(EMAILS),
        "gender": draw(st.sampled_from(["", *Gender.values])),
        "stakeholder_type": None,
    }


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(values=expert_values())
@example(
    values={
        "name": "'=1+1",
        "institution": "'",
        "position": "''-2",
        "region": "'@x",
        "email": "",
        "gender": "",
        "stakeholder_type": None,
    }
)
@example(
    values={
        "name": "a\x0bb",
        "institution": "_x000B_",
        "position": "x\ry",
        "region": "_x0041\x01z",
        "email": "'=a@example.org",
        "gender": "",
        "stakeholder_type": None,
    }
)
def test_an_export_imports_back_with_nothing_to_change(cast, file_format, values):
    with transaction.atomic():
        create_expert(user=cast.staff, country=cast.es, values=values)
        stored = Expert.objects.get()
        data = composition_export(user=cast.staff, file_format=file_format)

        summary = import_composition(data=data, filename=f"export.{file_format}", dry_run=True)

        assert not summary.changed, [c.description for c in summary.changes]
        assert summary.for_model("experts").unchanged == 1
        assert stored.name == values["name"]
        transaction.set_rollback(True)
