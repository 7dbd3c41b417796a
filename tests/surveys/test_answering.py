"""Answering a round: the "Rounds to answer" page, the country's answer form (draft, submit,
prefill, conflicts) and the read-only answers of a round that is not open."""

import datetime
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from nmg_registry.concurrency import EditConflict, version_of
from nmg_registry.models import Country
from surveys.models import Answer, Question, Response, Survey
from surveys.services import answering
from surveys.services.answering import save_response
from tests.admin_helpers import admin_url
from tests.factories import (
    AnswerFactory,
    QuestionFactory,
    ResponseFactory,
    SurveyFactory,
    add_options,
    make_representative,
    submitted_response,
)

pytestmark = pytest.mark.django_db

REFERENCE_ROUND = "nmg-survey-2020"


def make_round(*, slug="nmg-survey-2024", title="NMG survey 2024", opens_on=None, **kwargs):
    """An open round inviting ES and IT, with one question of each kind over three sections."""
    survey = SurveyFactory(
        slug=slug,
        title=title,
        opens_on=opens_on or datetime.date(2024, 10, 1),
        closes_on=datetime.date(2025, 1, 31),
        **kwargs,
    )
    survey.invited_countries.set(Country.objects.filter(code__in=["ES", "IT"]))
    stage = QuestionFactory(
        survey=survey,
        code="nmg_stage",
        section=Question.Section.FUNCTIONING,
        kind=Question.Kind.CHOICE,
        text="At what stage is your NMG?",
        order=3,
    )
    add_options(stage, "planning", "operational")
    activity = QuestionFactory(
        survey=survey,
        code="member_activity",
        section=Question.Section.LINKS,
        kind=Question.Kind.SCALE,
        text="How active are the NMG members?",
        order=4,
    )
    add_options(activity, "1", "2", "3", "4", "5")
    QuestionFactory(
        survey=survey,
        code="plan_url",
        section=Question.Section.PLAN,
        kind=Question.Kind.URL,
        text="Where is the national plan published?",
        help_text="The address of the plan's web page or document.",
        order=2,
    )
    QuestionFactory(
        survey=survey,
        code="wg1_representative",
        section=Question.Section.PROFILE,
        kind=Question.Kind.TEXT,
        text="Who is your WG1 representative?",
        order=1,
    )
    return survey


def answer_url(survey, code="ES"):
    return reverse("surveys:answer", args=[survey.slug, code])


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def stored_answers(survey, code="ES") -> dict[str, str]:
    return {
        answer.question.code: answer.value
        for answer in Answer.objects.filter(
            response__survey=survey, response__country__code=code
        ).select_related("question", "option")
    }


def version_on(page) -> str:
    match = re.search(r'name="version" value="([^"]*)"', page.content.decode())
    return match.group(1) if match else ""


def textarea_text(html, name) -> str | None:
    match = re.search(rf'<textarea name="q_{name}"[^>]*>(.*?)</textarea>', html, re.S)
    return match.group(1).strip() if match else None


def checked(html, name, value) -> bool:
    """Whether the radio button of `value` for question `name` is checked."""
    pattern = rf'<input type="radio" name="q_{name}" value="{value}"[^>]*checked'
    return re.search(pattern, html) is not None


def post_answers(client, survey, *, action="save", version="", code="ES", **answers):
    data = {"action": action, "version": version}
    data.update({f"q_{question}": value for question, value in answers.items()})
    return client.post(answer_url(survey, code), data)


# Who may open the answer page


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 302), ("viewer", 403), ("rep_it", 403), ("rep_es", 200), ("staff", 200)],
)
def test_only_the_countrys_representatives_and_staff_open_its_answer_page(
    cast, client, who, expected
):
    survey = make_round()
    user = getattr(cast, who)
    if not isinstance(user, AnonymousUser):
        client.force_login(user)

    page = client.get(answer_url(survey))

    assert page.status_code == expected
    if who == "anonymous":
        assert page.url.startswith(reverse("login"))


def test_a_refused_user_cannot_post_answers_either(cast):
    survey = make_round()

    page = post_answers(signed_in(cast.rep_it), survey, wg1_representative="Someone")

    assert page.status_code == 403
    assert not Response.objects.filter(survey=survey).exists()


def test_a_country_not_invited_to_the_round_is_not_found(cast):
    survey = make_round()

    page = signed_in(cast.staff).get(answer_url(survey, "fr"))

    assert page.status_code == 404
    assert "FR is not invited to this round" in page.content.decode()


def test_an_unknown_round_or_country_is_not_found_by_name(cast):
    survey = make_round()
    staff = signed_in(cast.staff)

    unknown_round = staff.get(reverse("surveys:answer", args=["no-such-round", "ES"]))
    unknown_country = staff.get(answer_url(survey, "XX"))

    assert unknown_round.status_code == 404
    assert "unknown survey round &quot;no-such-round&quot;" in unknown_round.content.decode()
    assert unknown_country.status_code == 404
    assert "unknown country &quot;XX&quot;" in unknown_country.content.decode()


def test_the_country_code_is_accepted_as_iso_code_in_any_case(cast):
    survey = make_round()

    page = signed_in(cast.rep_es).get(answer_url(survey, "es"))

    assert page.status_code == 200
    assert "NMG survey 2024: Spain (ES)" in page.content.decode()


# The generated form


def test_the_form_asks_the_questions_in_order_grouped_by_section(cast):
    survey = make_round()

    html = signed_in(cast.rep_es).get(answer_url(survey)).content.decode()

    legends = re.findall(r"<legend><h2>([^<]+)</h2></legend>", html)
    assert legends == [
        "Profile and contacts",
        "National Health Genomics Plan",
        "National Mirror Groups composition and functioning",
        "NMGs links to the 1+MG Initiative",
    ]
    positions = [
        html.index(text)
        for text in (
            "Who is your WG1 representative?",
            "Where is the national plan published?",
            "At what stage is your NMG?",
            "How active are the NMG members?",
        )
    ]
    assert positions == sorted(positions)


def test_choices_and_scales_are_radio_buttons_with_a_not_answered_choice(cast):
    survey = make_round()

    html = signed_in(cast.rep_es).get(answer_url(survey)).content.decode()

    stage_radios = re.findall(r'<input type="radio" name="q_nmg_stage" value="([^"]*)"', html)
    scale_radios = re.findall(r'<input type="radio" name="q_member_activity" value="([^"]*)"', html)
    assert stage_radios == ["planning", "operational", ""]
    assert scale_radios == ["1", "2", "3", "4", "5", ""]
    assert "<legend>At what stage is your NMG?</legend>" in html
    assert '<label for="id_q_nmg_stage_2">Not answered</label>' in html
    assert re.search(
        r'<textarea name="q_wg1_representative"[^>]*id="id_q_wg1_representative"', html
    )
    assert '<label for="id_q_wg1_representative">Who is your WG1 representative?</label>' in html


def test_a_web_address_question_is_a_url_input_described_by_its_help_text(cast):
    survey = make_round()

    html = signed_in(cast.rep_es).get(answer_url(survey)).content.decode()

    url_input = re.search(r'<input type="url" name="q_plan_url"[^>]*>', html).group(0)
    assert 'aria-describedby="id_q_plan_url_helptext"' in url_input
    assert (
        '<div class="help" id="id_q_plan_url_helptext">'
        "The address of the plan&#x27;s web page or document.</div>"
    ) in html
    assert ">Save draft</button>" in html
    assert ">Submit</button>" in html


# Saving and submitting


def test_saving_a_draft_stores_the_answers_and_keeps_the_response_a_draft(cast):
    survey = make_round()
    rep = signed_in(cast.rep_es)

    saved = post_answers(
        rep,
        survey,
        wg1_representative="Dr Ana Pérez",
        plan_url="https://example.org/plan.pdf",
        nmg_stage="planning",
        member_activity="",
    )

    assert saved.status_code == 302
    assert saved.url == answer_url(survey)
    response = Response.objects.get(survey=survey, country__code="ES")
    assert response.status == Response.Status.DRAFT
    assert response.submitted_at is None
    assert stored_answers(survey) == {
        "wg1_representative": "Dr Ana Pérez",
        "plan_url": "https://example.org/plan.pdf",
        "nmg_stage": "planning",
    }
    page = rep.get(saved.url).content.decode()
    assert "Draft saved" in page
    assert checked(page, "nmg_stage", "planning")
    assert textarea_text(page, "wg1_representative") == "Dr Ana Pérez"


def test_submitting_records_who_submitted_and_when(cast):
    survey = make_round()
    rep = signed_in(cast.rep_es)

    saved = post_answers(rep, survey, action="submit", nmg_stage="operational")

    response = Response.objects.get(survey=survey, country__code="ES")
    assert response.status == Response.Status.SUBMITTED
    assert response.submitted_by == cast.rep_es
    assert response.submitted_at is not None
    assert stored_answers(survey) == {"nmg_stage": "operational"}
    assert "Response submitted" in rep.get(saved.url).content.decode()
    assert response.history.first().history_user == cast.rep_es


def test_saving_a_submitted_response_keeps_it_submitted(cast):
    survey = make_round()
    rep = signed_in(cast.rep_es)
    post_answers(rep, survey, action="submit", nmg_stage="planning")
    submitted = Response.objects.get(survey=survey, country__code="ES")
    page = rep.get(answer_url(survey))
    assert ">Save changes</button>" in page.content.decode()

    saved = post_answers(rep, survey, version=version_on(page), nmg_stage="operational")

    response = Response.objects.get(pk=submitted.pk)
    assert response.status == Response.Status.SUBMITTED
    assert response.submitted_at == submitted.submitted_at
    assert stored_answers(survey) == {"nmg_stage": "operational"}
    assert "the response remains submitted" in rep.get(saved.url).content.decode()


def test_a_representative_may_change_and_submit_again_while_the_round_is_open(cast):
    survey = make_round()
    first = submitted_response(survey=survey, submitted_by=cast.staff)
    AnswerFactory(response=first, question=survey.questions.get(code="wg1_representative"))
    rep = signed_in(cast.rep_es)
    page = rep.get(answer_url(survey))

    post_answers(
        rep, survey, action="submit", version=version_on(page), wg1_representative="New name"
    )

    response = Response.objects.get(pk=first.pk)
    assert response.submitted_by == cast.rep_es
    assert response.submitted_at > first.submitted_at
    assert stored_answers(survey) == {"wg1_representative": "New name"}


def test_an_invalid_web_address_is_shown_next_to_its_field_and_nothing_is_saved(cast):
    survey = make_round()

    page = post_answers(
        signed_in(cast.rep_es), survey, plan_url="not a web address", nmg_stage="planning"
    )

    html = page.content.decode()
    assert page.status_code == 200
    assert '<div class="form-errors error-summary" role="alert"' in html
    # The reason a responses file gives for the same cell (nmg_registry.vocabulary).
    reason = "&quot;not a web address&quot; is not a web address (start with https://)"
    assert f'<a href="#id_q_plan_url">Where is the national plan published?: {reason}' in html
    error = f'<div id="id_q_plan_url_error"><p class="field-error">{reason}'
    assert error in html
    url_input = re.search(r'<input type="url" name="q_plan_url"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in url_input
    assert 'aria-describedby="id_q_plan_url_helptext id_q_plan_url_error"' in url_input
    assert 'value="not a web address"' in url_input
    assert not Response.objects.filter(survey=survey).exists()


def test_a_text_answer_longer_than_a_spreadsheet_cell_is_refused_and_nothing_saved(cast):
    # Every answer must fit the cell of an export, so that the export imports back.
    survey = make_round()
    limit = Answer._meta.get_field("text").max_length

    page = post_answers(
        signed_in(cast.rep_es), survey, wg1_representative="x" * (limit + 1), nmg_stage="planning"
    )

    html = page.content.decode()
    assert page.status_code == 200
    assert f"longer than {limit:,} characters" in html
    assert f'maxlength="{limit}"' in html
    assert not Response.objects.filter(survey=survey).exists()


def test_a_web_address_without_scheme_is_stored_as_https(cast):
    survey = make_round()

    post_answers(signed_in(cast.rep_es), survey, plan_url="example.org/plan")

    assert stored_answers(survey) == {"plan_url": "https://example.org/plan"}


def test_clearing_an_answer_deletes_it_and_leaves_the_others(cast):
    survey = make_round()
    rep = signed_in(cast.rep_es)
    post_answers(rep, survey, nmg_stage="planning", member_activity="4", wg1_representative="A")
    kept = Answer.objects.get(question__survey=survey, question__code="member_activity")
    page = rep.get(answer_url(survey))

    post_answers(
        rep,
        survey,
        version=version_on(page),
        nmg_stage="",
        member_activity="4",
        wg1_representative="",
    )

    assert stored_answers(survey) == {"member_activity": "4"}
    assert Answer.objects.get(pk=kept.pk).option.value == "4"  # unchanged row, not rewritten
    assert kept.history.count() == 1


def test_blank_answers_everywhere_are_allowed_even_on_submit(cast):
    survey = make_round()

    post_answers(signed_in(cast.rep_es), survey, action="submit")

    response = Response.objects.get(survey=survey, country__code="ES")
    assert response.status == Response.Status.SUBMITTED
    assert stored_answers(survey) == {}


def test_staff_may_answer_an_open_round_for_any_invited_country(cast):
    survey = make_round()

    post_answers(signed_in(cast.staff), survey, code="IT", action="submit", nmg_stage="planning")

    response = Response.objects.get(survey=survey, country__code="IT")
    assert (response.status, response.submitted_by) == (Response.Status.SUBMITTED, cast.staff)


# Prefill from the previous round


def earlier_round_with_answers(*, status, slug="nmg-survey-2022", title="NMG survey 2022"):
    earlier = make_round(slug=slug, title=title, opens_on=datetime.date(2022, 10, 1))
    earlier.status = Survey.Status.CLOSED
    earlier.save()
    response = ResponseFactory(survey=earlier, status=Response.Status.DRAFT)
    questions = {q.code: q for q in earlier.questions.prefetch_related("options")}
    AnswerFactory(response=response, question=questions["wg1_representative"], text="Dr Luis Gómez")
    stage = questions["nmg_stage"]
    AnswerFactory(
        response=response,
        question=stage,
        option=stage.options.get(value="operational"),
        text="",
    )
    if status == Response.Status.SUBMITTED:
        response.status = status
        response.submitted_at = datetime.datetime(2023, 1, 10, tzinfo=datetime.UTC)
        response.save()
    return earlier


def test_a_new_response_starts_from_the_latest_submitted_answers_of_an_earlier_round(cast):
    older = earlier_round_with_answers(
        status=Response.Status.SUBMITTED, slug="nmg-survey-2020b", title="NMG survey 2020b"
    )
    older.opens_on = datetime.date(2020, 10, 1)
    older.save()
    Answer.objects.filter(response__survey=older, question__code="wg1_representative").update(
        text="Somebody older"
    )
    earlier_round_with_answers(status=Response.Status.SUBMITTED)
    survey = make_round()
    rep = signed_in(cast.rep_es)

    page = rep.get(answer_url(survey))

    html = page.content.decode()
    assert "Answers prefilled from NMG survey 2022; check each and save." in html
    assert textarea_text(html, "wg1_representative") == "Dr Luis Gómez"
    assert checked(html, "nmg_stage", "operational")
    assert version_on(page) == ""
    assert not Response.objects.filter(survey=survey).exists()
    # Unchanged answers need no typing: saving the prefilled form stores them.
    post_answers(
        rep, survey, wg1_representative="Dr Luis Gómez", nmg_stage="operational", member_activity=""
    )
    assert stored_answers(survey) == {
        "wg1_representative": "Dr Luis Gómez",
        "nmg_stage": "operational",
    }
    assert "prefilled" not in rep.get(answer_url(survey)).content.decode()


def test_a_draft_of_an_earlier_round_is_not_used_for_the_prefill(cast):
    earlier_round_with_answers(status=Response.Status.DRAFT)
    survey = make_round()

    html = signed_in(cast.rep_es).get(answer_url(survey)).content.decode()

    assert "prefilled" not in html
    assert "Dr Luis Gómez" not in html
    assert not checked(html, "nmg_stage", "operational")


def test_the_prefill_leaves_out_options_the_new_round_no_longer_offers(cast):
    earlier_round_with_answers(status=Response.Status.SUBMITTED)
    survey = make_round()
    survey.questions.get(code="nmg_stage").options.filter(value="operational").delete()

    html = signed_in(cast.rep_es).get(answer_url(survey)).content.decode()

    assert "Answers prefilled from NMG survey 2022" in html
    assert textarea_text(html, "wg1_representative") == "Dr Luis Gómez"
    assert not re.search(r'value="operational"', html)


# A round that is not open


def test_a_closed_round_shows_the_answers_read_only(cast):
    survey = Survey.objects.get(slug=REFERENCE_ROUND)
    response = submitted_response(survey=survey)
    stage = survey.questions.get(code="nmg_stage")
    AnswerFactory(
        response=response, question=stage, option=stage.options.get(value="planning"), text=""
    )

    page = signed_in(cast.rep_es).get(answer_url(survey))

    html = page.content.decode()
    assert page.status_code == 200
    assert "This round closed on 31 March 2021; answers can no longer be changed." in html
    assert "<input" not in html.split("<main", 1)[1].split("</main>")[0]
    assert "<textarea" not in html
    assert f"<dt>{escape(stage.text)}</dt>\n      <dd>Planning/preparing</dd>" in html
    assert "Not answered" in html  # the 20 other questions


@pytest.mark.parametrize("who", ["rep_es", "staff"])
def test_saving_answers_to_a_closed_round_is_refused_with_the_reason(cast, who):
    survey = Survey.objects.get(slug=REFERENCE_ROUND)

    page = post_answers(signed_in(getattr(cast, who)), survey, wg1_representative="Late answer")

    assert page.status_code == 403
    assert "This round closed on 31 March 2021; answers can no longer be changed." in (
        page.content.decode()
    )
    assert (
        '<p class="notice notice-refused" role="alert">Your changes were not saved. This round '
        "closed on 31 March 2021"
    ) in page.content.decode()
    assert not Response.objects.filter(survey=survey, country__code="ES").exists()


def test_a_round_not_yet_open_cannot_be_answered(cast):
    # A draft is staff's alone: its representatives meet an unknown round (issue 11).
    survey = make_round(status=Survey.Status.DRAFT)
    rep, staff = signed_in(cast.rep_es), signed_in(cast.staff)

    hidden = rep.get(answer_url(survey))
    refused = post_answers(rep, survey, wg1_representative="Too early")
    page = staff.get(answer_url(survey))
    refused_to_staff = post_answers(staff, survey, wg1_representative="Too early")

    assert hidden.status_code == 404
    assert refused.status_code == 404
    assert "This round is not open yet" in page.content.decode()
    assert "<textarea" not in page.content.decode()
    assert refused_to_staff.status_code == 403
    assert not Response.objects.filter(survey=survey).exists()


def test_the_service_refuses_a_closed_round_even_to_staff(cast):
    survey = Survey.objects.get(slug=REFERENCE_ROUND)

    with pytest.raises(PermissionDenied, match="answers can no longer be changed"):
        save_response(
            user=cast.staff,
            survey=survey,
            country=cast.es,
            answers={"wg1_representative": "x"},
            version="",
            submit=False,
        )

    assert not Response.objects.filter(survey=survey, country=cast.es).exists()


# No lost updates


@pytest.mark.parametrize("existing", [True, False], ids=["draft-exists", "first-response"])
def test_two_people_saving_at_once_end_in_a_conflict_naming_the_first(cast, existing):
    survey = make_round()
    if existing:
        ResponseFactory(survey=survey)
    ana = make_representative("ana", "ES", first_name="Ana", last_name="García")
    first, second = signed_in(ana), signed_in(cast.rep_es)
    first_page, second_page = first.get(answer_url(survey)), second.get(answer_url(survey))

    saved = post_answers(first, survey, version=version_on(first_page), nmg_stage="operational")
    clash = post_answers(
        second, survey, version=version_on(second_page), nmg_stage="planning", member_activity="2"
    )

    assert saved.status_code == 302
    assert clash.status_code == 200
    html = clash.content.decode()
    assert "The response of ES to NMG survey 2024 was changed by Ana García" in html
    assert '<div class="form-errors error-summary" role="alert"' in html
    assert stored_answers(survey) == {"nmg_stage": "operational"}
    # The form now shows the stored answers and version, so a second save goes through.
    assert checked(html, "nmg_stage", "operational")
    current = Response.objects.get(survey=survey, country__code="ES")
    assert version_on(clash) == current.updated_at.isoformat()
    again = post_answers(
        second, survey, version=version_on(clash), nmg_stage="planning", member_activity="2"
    )
    assert again.status_code == 302
    assert stored_answers(survey) == {"nmg_stage": "planning", "member_activity": "2"}


def test_a_first_response_stored_meanwhile_by_someone_else_is_a_conflict(cast, monkeypatch):
    """The insert trips the one-response-per-country constraint: another first save won."""
    survey = make_round()

    def none_yet_but_a_competitor_inserts_one(survey, country):
        Response.objects.bulk_create([Response(survey=survey, country=country)])
        return None

    monkeypatch.setattr(answering, "_stored_response_id", none_yet_but_a_competitor_inserts_one)

    with pytest.raises(EditConflict, match="The response of ES to NMG survey 2024 was changed"):
        save_response(
            user=cast.rep_es,
            survey=survey,
            country=cast.es,
            answers={"wg1_representative": "Mine"},
            version="",
            submit=True,
        )

    # The competitor's insert was part of this test's transaction, so it went with the rollback.
    assert not Response.objects.filter(survey=survey).exists()
    assert stored_answers(survey) == {}


def staff_corrects_in_the_admin(staff, answer, how):
    """WP6 staff change (or remove) an answer on its own admin page, or in its response's."""
    if how == "answer page":
        return staff.post(
            admin_url(Answer, "change", answer.pk), {"option": answer.option_id, "text": ""}
        )
    if how == "answer removal":
        return staff.post(admin_url(Answer, "delete", answer.pk), {"post": "yes"})
    response = Response.objects.get(pk=answer.response_id)
    return staff.post(
        admin_url(Response, "change", response.pk),
        {
            "survey": response.survey_id,
            "country": response.country_id,
            "status": response.status,
            "version": version_of(response),
            "answers-TOTAL_FORMS": "1",
            "answers-INITIAL_FORMS": "1",
            "answers-MIN_NUM_FORMS": "0",
            "answers-MAX_NUM_FORMS": "1000",
            "answers-0-id": answer.pk,
            "answers-0-response": response.pk,
            "answers-0-question": answer.question_id,
            "answers-0-option": answer.option_id,
            "answers-0-text": "",
        },
    )


@pytest.mark.parametrize("how", ["answer page", "answer removal", "response page"])
def test_a_correction_made_in_the_admin_is_not_overwritten_by_a_form_opened_before(cast, how):
    survey = make_round()
    rep = signed_in(cast.rep_es)
    post_answers(rep, survey, nmg_stage="planning", wg1_representative="Ana")
    page = rep.get(answer_url(survey))
    answer = Answer.objects.get(question__survey=survey, question__code="nmg_stage")
    answer.option = answer.question.options.get(value="operational")
    corrected = staff_corrects_in_the_admin(signed_in(cast.staff), answer, how)
    assert corrected.status_code == 302
    after_correction = stored_answers(survey)

    clash = post_answers(
        rep, survey, version=version_on(page), nmg_stage="planning", wg1_representative="Luis"
    )

    assert clash.status_code == 200
    html = clash.content.decode()
    assert "The response of ES to NMG survey 2024 was changed by staff" in html
    assert "your changes were not saved" in html
    assert stored_answers(survey) == after_correction
    assert after_correction.get("nmg_stage") != "planning"


# "Rounds to answer"


def test_rounds_to_answer_lists_the_users_invited_countries_with_their_progress(cast):
    survey = make_round()
    ResponseFactory(survey=survey, country=cast.it)
    past = Survey.objects.get(slug=REFERENCE_ROUND)
    submitted_response(survey=past, submitted_by=cast.rep_es)
    rep = signed_in(cast.rep_es)

    html = rep.get(reverse("surveys:open")).content.decode()

    assert "<h1>Rounds to answer</h1>" in html
    assert "NMG survey 2024" in html
    assert "Spain (ES)" in html
    assert "Not started" in html
    assert "Italy" not in html
    assert f'href="{answer_url(survey)}"' in html
    assert f'href="{answer_url(past)}"' in html
    assert "Read the answers" in html
    assert "by rep_es" in html


def test_rounds_to_answer_shows_a_draft_and_a_submission_by_whom(cast):
    survey = make_round()
    other = make_round(slug="extra-2024", title="Extra round 2024")
    ResponseFactory(survey=survey, country=cast.es)
    submitted_response(survey=other, country=cast.es, submitted_by=cast.staff)

    html = signed_in(cast.rep_es).get(reverse("surveys:open")).content.decode()

    assert "Draft</span>, last saved" in html
    assert "Submitted</span> on" in html
    assert "by staff" in html
    assert "Continue" in html
    assert "Review or change" in html


def test_a_viewer_is_told_that_only_representatives_answer_and_pointed_to_the_results(cast):
    make_round()

    page = signed_in(cast.viewer).get(reverse("surveys:open"))

    html = page.content.decode()
    assert page.status_code == 200
    assert "Survey rounds are answered by the representatives of each country" in html
    assert f'href="{reverse("analytics:rounds")}"' in html
    assert f'href="{reverse("analytics:round", args=[REFERENCE_ROUND])}"' in html
    assert "/answer/" not in html


def test_rounds_to_answer_needs_signing_in(client):
    page = client.get(reverse("surveys:open"))

    assert page.status_code == 302
    assert page.url.startswith(reverse("login"))


# Query counts


def add_questions(survey, count):
    for i in range(count):
        question = QuestionFactory(
            survey=survey,
            code=f"extra_{i}",
            kind=Question.Kind.CHOICE if i % 2 else Question.Kind.TEXT,
            section=Question.Section.FUNCTIONING,
            order=10 + i,
        )
        if i % 2:
            add_options(question, "yes", "no")


def count_answer_page_queries(cast, django_assert_num_queries, *, extra, with_response, n):
    survey = make_round()
    add_questions(survey, extra)
    if with_response:
        response = ResponseFactory(survey=survey)
        for question in survey.questions.filter(kind=Question.Kind.TEXT):
            AnswerFactory(response=response, question=question)
    else:
        earlier_round_with_answers(status=Response.Status.SUBMITTED)
    rep = signed_in(cast.rep_es)
    with django_assert_num_queries(n):
        page = rep.get(answer_url(survey))
    assert page.status_code == 200
    return page


@pytest.mark.parametrize("extra", [0, 17], ids=["4-questions", "21-questions"])
def test_the_answer_page_answers_in_a_fixed_number_of_queries(
    cast, django_assert_num_queries, extra
):
    # session, user, round, country, staff permissions (2), represented countries, invitation,
    # questions, options, response, its answers, the demo-data notice
    page = count_answer_page_queries(
        cast, django_assert_num_queries, extra=extra, with_response=True, n=13
    )
    assert page.content.decode().count("<textarea") == 1 + (extra + 1) // 2


@pytest.mark.parametrize("extra", [0, 17], ids=["4-questions", "21-questions"])
def test_the_prefilled_answer_page_answers_in_a_fixed_number_of_queries(
    cast, django_assert_num_queries, extra
):
    # as above, the earlier submitted response and its answers instead of this round's answers
    page = count_answer_page_queries(
        cast, django_assert_num_queries, extra=extra, with_response=False, n=14
    )
    assert "Answers prefilled from NMG survey 2022" in page.content.decode()


@pytest.mark.parametrize("rounds", [2, 10])
def test_rounds_to_answer_answers_in_a_fixed_number_of_queries(
    cast, django_assert_num_queries, rounds
):
    for i in range(rounds):
        survey = make_round(slug=f"round-{i}", title=f"Round {i}")
        submitted_response(survey=survey, country=cast.es, submitted_by=cast.rep_es)
    staff = signed_in(cast.staff)
    # session, user, staff permissions (2), rounds, their invited countries, responses,
    # the demo-data notice
    with django_assert_num_queries(8):
        page = staff.get(reverse("surveys:open"))
    assert page.content.decode().count("Review or change") == rounds


@pytest.mark.parametrize("rounds", [2, 10])
def test_rounds_to_answer_of_a_representative_answers_in_a_fixed_number_of_queries(
    cast, django_assert_num_queries, rounds
):
    for i in range(rounds):
        survey = make_round(slug=f"round-{i}", title=f"Round {i}")
        submitted_response(survey=survey, country=cast.es, submitted_by=cast.rep_es)
        if i % 2:
            survey.status = Survey.Status.CLOSED
            survey.save()
    rep = signed_in(cast.rep_es)
    # session, user, represented countries, staff permissions (2), rounds, their invited
    # countries the user keeps, responses, the demo-data notice
    with django_assert_num_queries(9):
        page = rep.get(reverse("surveys:open"))
    html = page.content.decode()
    assert html.count("Review or change") == rounds - rounds // 2
    assert html.count("Read the answers") == rounds // 2
    assert "Italy" not in html
