"""Round management for staff: opening and closing rounds, who has answered, reminders."""

import datetime
from smtplib import SMTPException

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from nmg_registry.models import Country, Representative
from surveys.models import Survey
from surveys.selectors import round_status
from surveys.services.rounds import close_round, open_round, send_round_reminders
from tests import factories
from tests.admin_helpers import admin_url, as_admin_user, first_countries

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def a_round(*, status="draft", questions=1, countries=(), **fields):
    survey = factories.SurveyFactory(status=status, **fields)
    for _ in range(questions):
        factories.QuestionFactory(survey=survey)
    survey.invited_countries.set(countries)
    return survey


def status_url(survey):
    return reverse("admin:surveys_survey_status", args=[survey.pk])


def invited_codes(survey):
    return sorted(survey.invited_countries.values_list("code", flat=True))


# Opening a round


def test_opening_a_round_without_invitations_invites_the_signatories(cast):
    survey = a_round()

    opened = open_round(user=cast.staff, survey=survey)

    survey.refresh_from_db()
    assert survey.status == "open"
    assert survey.opens_on == TODAY
    signatories = Country.objects.filter(participation="signatory").values_list("code", flat=True)
    assert invited_codes(survey) == sorted(signatories)
    assert "ES" in invited_codes(survey)
    assert "PL" not in invited_codes(survey)  # not a signatory
    assert opened.status == "open"
    assert survey.history.latest().history_user == cast.staff
    assert survey.history.filter(status="draft").exists()


def test_opening_keeps_the_invitations_and_a_past_opening_date(cast):
    survey = a_round(countries=[cast.es, cast.it], opens_on=TODAY - 10 * DAY)

    open_round(user=cast.staff, survey=survey)

    survey.refresh_from_db()
    assert invited_codes(survey) == ["ES", "IT"]
    assert survey.opens_on == TODAY - 10 * DAY


def test_opening_moves_a_future_opening_date_to_today(cast):
    survey = a_round(opens_on=TODAY + 5 * DAY, closes_on=TODAY + 30 * DAY, countries=[cast.es])

    open_round(user=cast.staff, survey=survey)

    survey.refresh_from_db()
    assert (survey.opens_on, survey.closes_on) == (TODAY, TODAY + 30 * DAY)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"questions": 0}, "Round X has no questions; add them before opening it."),
        (
            {"closes_on": datetime.date(2021, 3, 31), "opens_on": datetime.date(2020, 10, 1)},
            "Round X closes on 2021-03-31, which is past; set a later closing date before "
            "opening it.",
        ),
        (
            {"status": "closed"},
            "Round X is closed and cannot be opened again; start a new round as a copy of it.",
        ),
        ({"status": "open"}, "Round X is already open."),
    ],
    ids=["no questions", "closing date past", "closed", "already open"],
)
def test_opening_is_refused_naming_the_problem(cast, fields, message):
    status = fields.pop("status", "draft")
    survey = a_round(title="Round X", status=status, countries=[cast.es], **fields)
    before = survey.history.count()

    with pytest.raises(ValidationError) as refused:
        open_round(user=cast.staff, survey=survey)

    assert refused.value.messages == [message]
    survey.refresh_from_db()
    assert survey.status == status
    assert survey.history.count() == before


def test_opening_reports_every_problem_at_once(cast):
    survey = a_round(title="Round X", questions=0, closes_on=TODAY - DAY)

    with pytest.raises(ValidationError) as refused:
        open_round(user=cast.staff, survey=survey)

    assert len(refused.value.messages) == 2
    assert not survey.invited_countries.exists()


@pytest.mark.parametrize("who", ["rep_es", "viewer", "anonymous"])
@pytest.mark.parametrize("service", [open_round, close_round], ids=["open", "close"])
def test_only_staff_open_and_close_rounds(cast, who, service):
    status = "draft" if service is open_round else "open"
    survey = a_round(status=status, countries=[cast.es])

    with pytest.raises(PermissionDenied):
        service(user=getattr(cast, who), survey=survey)

    survey.refresh_from_db()
    assert survey.status == status


# Closing a round


@pytest.mark.parametrize(
    ("closes_on", "closed_on"),
    [
        (None, TODAY),
        (TODAY + 20 * DAY, TODAY),  # closed early: the date says when it really closed
        (TODAY - 3 * DAY, TODAY - 3 * DAY),  # the announced deadline stays
    ],
    ids=["no date", "later date", "past date"],
)
def test_closing_a_round_sets_its_closing_date(cast, closes_on, closed_on):
    survey = a_round(
        status="open", opens_on=TODAY - 30 * DAY, closes_on=closes_on, countries=[cast.es]
    )

    close_round(user=cast.staff, survey=survey)

    survey.refresh_from_db()
    assert survey.status == "closed"
    assert survey.closes_on == closed_on
    assert survey.opens_on == TODAY - 30 * DAY
    assert survey.history.latest().history_user == cast.staff


def test_closing_never_leaves_the_round_closing_before_it_opens(cast):
    survey = a_round(
        status="open", opens_on=TODAY + 3 * DAY, closes_on=TODAY + 9 * DAY, countries=[cast.es]
    )

    close_round(user=cast.staff, survey=survey)

    survey.refresh_from_db()
    assert (survey.status, survey.opens_on, survey.closes_on) == ("closed", TODAY, TODAY)


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (
            "draft",
            "Round X has not been opened, so it cannot be closed. To record a round held in "
            "the past, give it its (past) closing date first.",
        ),
        ("closed", "Round X is already closed."),
    ],
)
def test_closing_is_refused_unless_open(cast, status, message):
    survey = a_round(title="Round X", status=status)

    with pytest.raises(ValidationError) as refused:
        close_round(user=cast.staff, survey=survey)

    assert refused.value.messages == [message]
    survey.refresh_from_db()
    assert survey.status == status


# Admin actions on the changelist


def test_admin_action_opens_the_rounds_it_can_and_names_each_refusal(client, cast):
    good = a_round(title="Round Good", slug="round-good", countries=[cast.es, cast.it])
    empty = a_round(title="Round Empty", slug="round-empty", questions=0)
    client.force_login(cast.staff)

    page = client.post(
        admin_url(Survey),
        {"action": "open_rounds", "_selected_action": [good.pk, empty.pk]},
        follow=True,
    )

    assert page.status_code == 200
    good.refresh_from_db()
    empty.refresh_from_db()
    assert (good.status, empty.status) == ("open", "draft")
    assert invited_codes(good) == ["ES", "IT"]
    assert good.history.latest().history_user == cast.staff
    assert f"Round Good is open, since {TODAY.isoformat()}; 2 countries invited." in page.text
    assert "Round Empty has no questions; add them before opening it." in page.text


def test_admin_action_closes_rounds(client, cast):
    open_ = a_round(title="Round Open", status="open", countries=[cast.es])
    draft = a_round(title="Round Draft", countries=[cast.es])
    client.force_login(cast.staff)

    page = client.post(
        admin_url(Survey),
        {"action": "close_rounds", "_selected_action": [open_.pk, draft.pk]},
        follow=True,
    )

    open_.refresh_from_db()
    draft.refresh_from_db()
    assert (open_.status, draft.status) == ("closed", "draft")
    assert f"Round Open is closed (closing date {TODAY.isoformat()})." in page.text
    assert "Round Draft has not been opened, so it cannot be closed." in page.text


def test_change_page_and_changelist_link_to_the_round_status(client, cast):
    survey = a_round(countries=[cast.es])
    client.force_login(cast.staff)

    change = client.get(admin_url(Survey, "change", survey.pk))
    changelist = client.get(admin_url(Survey))

    assert f'href="{status_url(survey)}">Round status</a>' in change.text
    assert status_url(survey) in changelist.text
    assert "Open the selected rounds" in changelist.text
    assert "Close the selected rounds" in changelist.text


# The round status page


@pytest.fixture
def progress(cast):
    """An open round inviting ES (draft), IT (submitted by rep_it) and FR (not started)."""
    survey = a_round(
        title="Round 2024",
        slug="round-2024",
        status="open",
        opens_on=TODAY - 10 * DAY,
        closes_on=TODAY + 20 * DAY,
        questions=0,
        countries=[cast.es, cast.it, factories.country("FR")],
    )
    questions = [factories.QuestionFactory(survey=survey) for _ in range(3)]
    draft = factories.ResponseFactory(survey=survey, country=cast.es)
    factories.AnswerFactory(response=draft, question=questions[0])
    cast.rep_it.first_name, cast.rep_it.last_name = "Giulia", "Rossi"
    cast.rep_it.save()
    submitted = factories.ResponseFactory(
        survey=survey,
        country=cast.it,
        status="submitted",
        submitted_by=cast.rep_it,
        submitted_at=datetime.datetime(2024, 5, 6, 7, 8, tzinfo=datetime.UTC),
    )
    for question in questions:
        factories.AnswerFactory(response=submitted, question=question)
    return {"survey": survey, "draft": draft, "submitted": submitted}


def test_round_status_lists_every_invited_country_with_its_progress(cast, progress):
    factories.ResponseFactory(survey=progress["survey"], country=factories.country("DE"))

    rows = {row.code: row for row in round_status(survey=progress["survey"])}

    assert list(rows) == ["ES", "FR", "IT"]
    es, fr, it = rows["ES"], rows["FR"], rows["IT"]
    assert (es.status, es.answers, es.submitted_by, es.submitted_at) == ("draft", 1, "", None)
    assert es.last_saved == progress["draft"].updated_at
    assert es.representatives_with_email == 1
    assert (fr.status, fr.answers, fr.last_saved, fr.representatives_with_email) == (
        "not started",
        0,
        None,
        0,
    )
    assert (it.status, it.answers, it.submitted_by) == ("submitted", 3, "Giulia Rossi")
    assert it.submitted_at == progress["submitted"].submitted_at
    assert [row.is_late for row in rows.values()] == [True, True, False]


def test_status_page_shows_counts_and_rows(client, cast, progress):
    client.force_login(cast.staff)

    page = client.get(status_url(progress["survey"]))

    assert page.status_code == 200
    text = page.text
    assert "<h1>Round status: Round 2024</h1>" in text
    assert "<dt>Invited</dt><dd>3 countries</dd>" in text
    assert "<dt>Submitted</dt><dd>1</dd>" in text
    assert "<dt>Draft</dt><dd>1</dd>" in text
    assert "<dt>Not started</dt><dd>1</dd>" in text
    rows = {row.code: row for row in page.context["rows"]}
    assert rows["IT"].status == "submitted"
    it_row = text[text.index('<tr class="status-submitted">') :].split("</tr>")[0]
    assert "IT" in it_row and "Italy" in it_row
    assert "<td>submitted</td>" in it_row
    assert "Giulia Rossi" in it_row
    submitted_at = timezone.localtime(progress["submitted"].submitted_at)
    assert submitted_at.strftime("%Y-%m-%d %H:%M") in it_row
    es_row = text[text.index('<tr class="status-draft">') :].split("</tr>")[0]
    assert "Spain" in es_row and "<td>draft</td>" in es_row
    fr_row = text[text.index('<tr class="status-not-started">') :].split("</tr>")[0]
    assert "France" in fr_row and "<td>not started</td>" in fr_row
    assert (
        "Send a reminder to the representatives of the 2 countries that have not submitted" in text
    )
    assert 'value="close"' in text
    assert 'value="open"' not in text
    assert 'name="csrfmiddlewaretoken"' in text


def test_status_page_of_a_draft_round_offers_to_open_it(client, cast):
    survey = a_round(title="Round Draft", countries=[cast.es])
    client.force_login(cast.staff)

    page = client.get(status_url(survey))
    opened = client.post(status_url(survey), {"action": "open"}, follow=True)

    assert 'value="open"' in page.text
    assert "Send a reminder" not in page.text
    survey.refresh_from_db()
    assert survey.status == "open"
    assert opened.redirect_chain[-1][0] == status_url(survey)
    assert "Round Draft is open" in opened.text
    assert 'value="close"' in opened.text


def test_status_page_closes_the_round(client, cast, progress):
    survey = progress["survey"]
    client.force_login(cast.staff)

    closed = client.post(status_url(survey), {"action": "close"}, follow=True)

    survey.refresh_from_db()
    assert (survey.status, survey.closes_on) == ("closed", TODAY)
    assert f"Round 2024 is closed (closing date {TODAY.isoformat()})." in closed.text
    assert "Send a reminder" not in closed.text


def test_status_page_reports_a_refused_opening(client, cast):
    survey = a_round(title="Round Empty", questions=0)
    client.force_login(cast.staff)

    page = client.post(status_url(survey), {"action": "open"}, follow=True)

    assert (
        '<li class="error">Round Empty has no questions; add them before opening it.</li>'
        in page.text
    )
    survey.refresh_from_db()
    assert survey.status == "draft"


def test_status_page_of_an_unknown_round_is_not_found(client, cast):
    client.force_login(cast.staff)

    assert client.get(reverse("admin:surveys_survey_status", args=[999999])).status_code == 404


def test_status_page_refuses_a_representative_with_admin_access(client, cast, progress):
    survey = progress["survey"]
    client.force_login(as_admin_user(cast.rep_es))

    page = client.get(status_url(survey))
    posted = client.post(status_url(survey), {"action": "close"})
    reminded = client.post(status_url(survey), {"action": "remind"})

    assert (page.status_code, posted.status_code, reminded.status_code) == (403, 403, 403)
    survey.refresh_from_db()
    assert survey.status == "open"
    assert mail.outbox == []


@pytest.mark.parametrize("who", ["viewer", "anonymous"])
def test_status_page_sends_others_to_the_admin_sign_in(client, cast, progress, who):
    if who != "anonymous":
        client.force_login(getattr(cast, who))

    page = client.get(status_url(progress["survey"]))

    assert page.status_code == 302
    assert page.url.startswith(reverse("admin:login"))


def test_status_page_costs_fixed_queries(client, cast, django_assert_num_queries):
    survey = a_round(status="open")
    client.force_login(cast.staff)

    def invite(countries):
        """Invites the countries; the new ones get half a representative and a submitted
        response, half a draft with an answer."""
        new = [country for country in countries if country not in survey.invited_countries.all()]
        survey.invited_countries.add(*new)
        for country in new[: len(new) // 2]:
            factories.make_representative(f"rep-{country.code}", country.code)
            factories.submitted_response(survey=survey, country=country, submitted_by=cast.staff)
        for country in new[len(new) // 2 :]:
            response = factories.ResponseFactory(survey=survey, country=country)
            factories.AnswerFactory(response=response)

    invite(first_countries(2))
    client.get(status_url(survey))  # warms per-process caches
    with django_assert_num_queries(8):
        few = client.get(status_url(survey))
    invite(first_countries(20))
    with django_assert_num_queries(8):
        many = client.get(status_url(survey))

    assert len(few.context["rows"]) == 2
    assert len(many.context["rows"]) == 20


# Reminders


@pytest.fixture
def late_round(cast, progress):
    """The progress round, inviting also DE and PT: nobody there can be e-mailed.

    ES (draft) is represented by rep_es and by both_es_fr, who also represents FR (not
    started); IT has submitted; DE has a representative without an e-mail address and an
    inactive one; PT has none.
    """
    survey = progress["survey"]
    survey.invited_countries.add(factories.country("DE"), factories.country("PT"))
    both = factories.make_representative("both_es_fr", "ES", first_name="Ana", last_name="Ruiz")
    Representative.objects.create(user=both, country=factories.country("FR"))
    factories.make_representative("no_mail_de", "DE", email="")
    factories.make_representative("gone_de", "DE", is_active=False)
    return {**progress, "both": both}


def test_reminders_reach_the_representatives_of_late_countries_once_each(cast, late_round):
    survey = late_round["survey"]

    report = send_round_reminders(
        user=cast.staff, survey=survey, base_url="https://registry.example.org/"
    )

    assert report.countries_reminded == ("ES", "FR")
    assert report.people == 2
    assert report.without_email == ("DE", "PT")
    by_recipient = {tuple(message.to): message for message in mail.outbox}
    assert sorted(by_recipient) == [("both_es_fr@example.org",), ("rep_es@example.org",)]
    assert all("rep_it@example.org" not in message.recipients() for message in mail.outbox)
    both = by_recipient[("both_es_fr@example.org",)]
    assert both.subject == "NMG Registry: Round 2024 — your answer is awaited"
    assert both.reply_to == ["staff@example.org"]
    assert "Dear Ana Ruiz," in both.body
    assert survey.closes_on.strftime("%-d %B %Y") in both.body
    assert "Spain (ES): draft, last saved" in both.body
    assert "1 answer so far" in both.body
    assert "France (FR): not started" in both.body
    assert "https://registry.example.org/surveys/round-2024/answer/ES/" in both.body
    assert "https://registry.example.org/surveys/round-2024/answer/FR/" in both.body
    assert "Italy" not in both.body
    only_es = by_recipient[("rep_es@example.org",)]
    assert "Spain (ES)" in only_es.body
    assert "France" not in only_es.body
    assert "/answer/ES/" in only_es.body and "/answer/FR/" not in only_es.body


def test_reminder_from_the_status_page_reports_who_was_reminded(client, cast, late_round):
    client.force_login(cast.staff)

    page = client.get(status_url(late_round["survey"]))
    sent = client.post(status_url(late_round["survey"]), {"action": "remind"}, follow=True)

    assert (
        "Send a reminder to the representatives of the 4 countries that have not submitted"
        in page.text
    )
    assert sent.redirect_chain == [(status_url(late_round["survey"]), 302)]
    assert '<li class="success">Reminder sent to 2 representatives of ES, FR</li>' in sent.text
    assert (
        '<li class="warning">No representative with an e-mail address for DE, PT: nobody '
        "there was reminded; "
        "chase them another way." in sent.text
    )
    assert len(mail.outbox) == 2
    links = "http://testserver/surveys/round-2024/answer/ES/"
    assert all(links in message.body for message in mail.outbox)


def test_no_reminder_when_every_country_has_submitted(client, cast):
    survey = a_round(status="open", countries=[cast.it])
    factories.submitted_response(survey=survey, country=cast.it)
    client.force_login(cast.staff)

    page = client.get(status_url(survey))
    sent = client.post(status_url(survey), {"action": "remind"}, follow=True)

    assert "Send a reminder" not in page.text
    assert "Every invited country has submitted: nobody to remind." in sent.text
    assert mail.outbox == []


@pytest.mark.parametrize("status", ["closed", "draft"])
def test_reminders_are_refused_unless_the_round_is_open(client, cast, status):
    survey = a_round(title="Round X", status=status, countries=[cast.es])
    client.force_login(cast.staff)

    with pytest.raises(ValidationError) as refused:
        send_round_reminders(user=cast.staff, survey=survey, base_url="https://x.example")
    page = client.post(status_url(survey), {"action": "remind"}, follow=True)

    message = f"Round X is {status}; reminders are sent only for an open round."
    assert refused.value.messages == [message]
    assert message in page.text
    assert mail.outbox == []


@pytest.mark.parametrize("who", ["rep_es", "viewer", "anonymous"])
def test_only_staff_send_reminders(cast, progress, who):
    with pytest.raises(PermissionDenied):
        send_round_reminders(
            user=getattr(cast, who), survey=progress["survey"], base_url="https://x.example"
        )

    assert mail.outbox == []


class RefusingConnection:
    """An e-mail connection whose server refuses every message."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send_messages(self, messages):
        raise SMTPException("relay access denied")


def test_a_refusing_mail_server_is_reported_not_a_crash(client, cast, late_round, monkeypatch):
    monkeypatch.setattr("surveys.services.rounds.get_connection", RefusingConnection)
    client.force_login(cast.staff)

    sent = client.post(status_url(late_round["survey"]), {"action": "remind"}, follow=True)

    assert sent.status_code == 200
    assert (
        '<li class="error">The e-mail server could not be reached or refused the reminders '
        "(relay access denied)" in sent.text
    )
    assert "Reminder sent" not in sent.text


def test_a_draft_held_in_the_past_is_recorded_as_closed_as_it_stands(cast):
    survey = a_round(
        title="Round 2018",
        opens_on=datetime.date(2018, 3, 1),
        closes_on=datetime.date(2018, 6, 30),
    )

    close_round(user=cast.staff, survey=survey)

    survey.refresh_from_db()
    assert (survey.status, survey.opens_on, survey.closes_on) == (
        "closed",
        datetime.date(2018, 3, 1),
        datetime.date(2018, 6, 30),
    )


def test_the_admin_changes_a_rounds_state_only_through_its_actions(client, cast):
    survey = a_round(title="Round X")
    client.force_login(cast.staff)

    page = client.get(admin_url(Survey, "change", survey.pk)).content.decode()

    assert 'name="status"' not in page
