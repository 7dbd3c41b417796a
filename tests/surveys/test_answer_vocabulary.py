"""A value typed into a responses file and into the answer form is read by the same
vocabulary (`nmg_registry.vocabulary`): accepted as the same answer, or refused for the same
reason in the same words."""

import html
import re

import pytest
from django.core.exceptions import ValidationError

from nmg_registry.models import Country
from nmg_registry.tabular import ImportFailed
from surveys.models import Answer, QuestionOption, Response
from surveys.services.answering import save_response
from surveys.services.file_import import import_survey
from tests.surveys.test_answering import make_round, post_answers, signed_in, stored_answers

pytestmark = pytest.mark.django_db

CELL = Answer._meta.get_field("text").max_length
OPTIONS = "planning, operational, pilot"

# (question code, typed value, stored answer or None, reason of a refusal or None)
CASES = [
    ("nmg_stage", "planning", "planning", None),
    ("nmg_stage", "PLANNING", "planning", None),
    ("nmg_stage", "  Operational ", "operational", None),
    ("nmg_stage", "phase  PILOTE / ÉTÉ", "pilot", None),
    ("nmg_stage", "Phase_pilote/été", "pilot", None),
    ("nmg_stage", "phase pilote/ete", None, f'"phase pilote/ete" is not one of {OPTIONS}'),
    ("nmg_stage", "maybe", None, f'"maybe" is not one of {OPTIONS}'),
    ("member_activity", "3.0", "3", None),
    ("member_activity", "7", None, '"7" is not one of 1, 2, 3, 4, 5'),
    ("plan_url", "https://example.org/plan.pdf", "https://example.org/plan.pdf", None),
    ("plan_url", "example.org/plan", "https://example.org/plan", None),
    (
        "plan_url",
        "javascript:alert(1)",
        None,
        '"javascript:alert(1)" is not a web address (start with https://)',
    ),
    ("plan_url", "www.x", None, '"www.x" is not a web address (start with https://)'),
    ("wg1_representative", "  Ana Pérez  ", "Ana Pérez", None),
    ("wg1_representative", "x" * (CELL + 1), None, f"longer than {CELL:,} characters"),
]


def a_round():
    survey = make_round()
    stage = survey.questions.get(code="nmg_stage")
    QuestionOption.objects.create(question=stage, value="pilot", label="Phase pilote/Été", order=9)
    return survey


def through_the_file(survey, code: str, typed: str) -> tuple[str | None, str | None]:
    """The stored answer, or the error the import names for the cell."""
    columns = ["country", *survey.questions.values_list("code", flat=True)]
    cells = ["ES", *(typed if column == code else "" for column in columns[1:])]
    data = "\n".join(",".join(f'"{c}"' for c in line) for line in (columns, cells)).encode()
    try:
        import_survey(survey=survey, data=data, filename="responses.csv")
    except ImportFailed as failed:
        return None, "; ".join(str(error) for error in failed.errors)
    return stored_answers(survey).get(code), None


def through_the_form(survey, user, code: str, typed: str) -> tuple[str | None, str | None]:
    """The stored answer, or the error the answer page shows next to the field."""
    page = post_answers(signed_in(user), survey, **{code: typed})
    error = re.search(rf'<div id="id_q_{code}_error"><p class="field-error">(.*?)</p>', page.text)
    if error:
        return None, html.unescape(error.group(1))
    return stored_answers(survey).get(code), None


@pytest.mark.parametrize(("code", "typed", "answer", "reason"), CASES)
def test_a_value_is_read_alike_by_the_responses_file_and_the_answer_form(
    cast, code, typed, answer, reason
):
    survey = a_round()

    from_file = through_the_file(survey, code, typed)
    Response.objects.all().delete()
    from_form = through_the_form(survey, cast.rep_es, code, typed)

    assert from_form == (answer, reason)
    # The file names the line and column; a cell too long for any spreadsheet is refused by
    # the file reader before the column is read, with the same reason.
    where = "line 2, " + code + (": the cell is " if reason and "longer" in reason else ": ")
    assert from_file == (answer, where + reason if reason else None)


def through_the_service(survey, user, code: str, typed: str) -> tuple[str | None, str | None]:
    """The stored answer, or the error `save_response` names (the admin's door)."""
    try:
        save_response(
            user=user,
            survey=survey,
            country=Country.objects.get(code="ES"),
            answers={code: typed},
            version="",
            submit=False,
        )
    except ValidationError as refused:
        return None, "; ".join(refused.message_dict[code])
    return stored_answers(survey).get(code), None


@pytest.mark.parametrize(("code", "typed", "answer", "reason"), CASES)
def test_the_answer_service_reads_a_value_as_the_form_does(cast, code, typed, answer, reason):
    survey = a_round()

    assert through_the_service(survey, cast.rep_es, code, typed) == (answer, reason)
