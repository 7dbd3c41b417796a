"""The assessment dashboards: the tables of the deliverable's sections 5 to 7, live.

Each view checks access with the policy, calls the selectors and renders; the tables it
shows come from `analytics.tables`, and `?download=<table id>&format=csv|xlsx` on the same
address returns any one of them as a spreadsheet instead of the page.
"""

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from analytics import charts, tables
from analytics.composition_changes import composition_comparison
from analytics.recommendations import round_recommendations
from analytics.report import report_file
from analytics.round_comparison import by_opening, round_comparison
from analytics.selectors import (
    STAGE_QUESTION,
    QuestionSummary,
    SurveySummary,
    composition_summary,
    configuration_models,
    survey_summary,
    targets_progress,
)
from analytics.small_counts import composition_as_read
from nmg_registry import permissions
from nmg_registry.downloads import check_file_format, file_response, spreadsheet_response
from nmg_registry.errors import refusal
from nmg_registry.moments import BadMoment, compared_moments, page_moment
from surveys.models import Survey
from surveys.selectors import (
    dashboard_rounds,
    home_overview,
    submitted_answers,
    visible_round,
    visible_rounds,
)


def aggregates_required(view):
    """GET only; anonymous visitors sign in first unless the aggregates are public."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not permissions.can_read_aggregates(request.user):
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return require_GET(wrapper)


@dataclass(frozen=True)
class ShownTable:
    """A table as a page shows it, with the addresses of its two downloads."""

    table: tables.Table
    csv_url: str
    xlsx_url: str


def _respond(request, template: str, context: dict, shown: list[tables.Table], *, filename: str):
    """The page, or with `?download=<table id>&format=csv|xlsx` one of its tables."""
    wanted = request.GET.get("download")
    if wanted is not None:
        table = next((t for t in shown if t.id == wanted), None)
        if table is None:
            raise Http404(f'this page has no table "{wanted}"')
        file_format = check_file_format(request.GET.get("format", "csv"))
        content = table.csv() if file_format == "csv" else table.xlsx()
        return spreadsheet_response(
            content, filename=f"{filename}-{table.id}", file_format=file_format
        )
    listed = [_shown(request, t) for t in shown]
    context |= {"tables": {s.table.id: s for s in listed}, "table_list": listed}
    return render(request, template, context)


def _shown(request, table: tables.Table) -> ShownTable:
    def url(file_format):
        query = request.GET.copy()
        query["download"], query["format"] = table.id, file_format
        return f"?{query.urlencode()}"

    return ShownTable(table, url("csv"), url("xlsx"))


def _rounds_of(user) -> list[Survey]:
    """The rounds the user may see, latest first: the choices of the round pickers. Staff
    also pick drafts, each marked as one."""
    return sorted(visible_rounds(user=user), key=by_opening, reverse=True)


def _rounds_table(overview) -> tables.Table:
    """The rounds of `home_overview()` with their counts, latest first."""
    return tables.rounds_table(
        sorted(overview.rounds, key=by_opening, reverse=True),
        url_of=lambda slug: reverse("analytics:round", args=[slug]),
    )


def _question(summary: SurveySummary, code: str) -> QuestionSummary | None:
    return next((q for q in summary.questions if q.code == code and q.options), None)


@aggregates_required
def dashboard(request):
    """The start page: the findings of the latest closed round, with the stage of every
    country, and beside them the progress of any round still open. An open round's figures
    are never shown as findings."""
    overview = home_overview(user=request.user)
    rounds_table = _rounds_table(overview)
    rounds = dashboard_rounds()
    latest = rounds.latest_closed
    context = {
        "latest": latest,
        "in_progress": rounds.in_progress,
        # Only with a round open is there a status page to link to.
        "may_follow_rounds": bool(rounds.in_progress)
        and permissions.can_manage_rounds(request.user),
        "rounds_table": rounds_table,
    }
    shown = [rounds_table]
    if latest is not None:
        context |= _findings(request, latest, overview, shown)
    return _respond(request, "analytics/dashboard.html", context, shown, filename="dashboard")


def _findings(request, survey: Survey, overview, shown: list[tables.Table]) -> dict:
    """The dashboard's findings of a closed round: key figures, stage chart and map, and the
    targets measured on it; their tables are added to `shown`."""
    summary = survey_summary(survey=survey)
    stage = _question(summary, STAGE_QUESTION)
    context = {"summary": summary, "stage": stage}
    if stage is not None:
        answers = submitted_answers(survey=survey, code=STAGE_QUESTION, user=request.user)
        countries = [(c.code, c.name) for c in overview.countries]
        context |= {
            "stage_chart": charts.stage_bar_chart(stage, chart_id="stage-chart"),
            "stage_map": charts.stage_tile_map(
                chart_id="stage-map",
                summary=summary,
                question=stage,
                countries=countries,
                answers=answers,
            ),
        }
        shown.append(tables.stage_table(summary, stage, answers))
    measured = tables.targets_on_round(targets_progress(), summary)
    context["targets"] = [
        (item, charts.target_progress_chart(item.target, item.measurement, chart_id=f"target-{i}"))
        for i, item in enumerate(measured)
    ]
    if measured:
        shown.append(tables.round_targets_table(measured))
    return context


@aggregates_required
def survey_list(request):
    """Every open or closed round (and, for staff, every draft); `?round=<slug>` (the
    picker's form) goes to its page."""
    rounds = _rounds_of(request.user)
    chosen = request.GET.get("round")
    if chosen and chosen in {r.slug for r in rounds}:
        return redirect("analytics:round", slug=chosen)
    context = {"rounds": rounds, "unknown_round": chosen}
    shown = [_rounds_table(home_overview(user=request.user))]
    return _respond(request, "analytics/survey_list.html", context, shown, filename="rounds")


@aggregates_required
def survey_detail(request, slug):
    """Section 5.1 for one round: every question's answers as counts over the answers. A
    draft is staff's alone, marked as one; to anyone else it is an unknown round."""
    survey = _round_or_404(request.user, slug)
    summary = survey_summary(survey=survey)
    sections = tables.survey_tables(summary)
    shown = [*sections, tables.text_questions_table(summary), tables.invited_table(summary)]
    stage = _question(summary, STAGE_QUESTION)
    context = {
        "survey": survey,
        "summary": summary,
        "sections": [t.id for t in sections],
        "rounds": _rounds_of(request.user),
        "stage": stage,
        "stage_chart": charts.stage_bar_chart(stage, chart_id="stage-chart") if stage else None,
    }
    return _respond(request, "analytics/survey_detail.html", context, shown, filename=survey.slug)


@aggregates_required
def recommendations(request, slug):
    """The deliverable's recommendations (section 7) applied to each country of a round: the
    matrix with its evidence, the counts, and the rules in the deliverable's words."""
    survey = _round_or_404(request.user, slug)
    result = round_recommendations(survey=survey)
    shown = [tables.recommendations_table(result), tables.recommendation_counts_table(result)]
    context = {"survey": survey, "result": result}
    return _respond(
        request,
        "analytics/round_recommendations.html",
        context,
        shown,
        filename=f"{survey.slug}-recommendations",
    )


def _round_or_404(user, slug: str) -> Survey:
    """The round if the user may see it; otherwise the 404 naming the rounds they may."""
    try:
        return visible_round(user=user, slug=slug)
    except Survey.DoesNotExist as exc:
        raise Http404(str(exc)) from None


@aggregates_required
def report(request, slug, file_format):
    """The round's assessment report as PDF or Word (`analytics.report`), as the reader may
    read it: a draft is staff's alone, and the annex gives each country's answers to
    signed-in readers only."""
    survey = _round_or_404(request.user, slug)
    made = report_file(survey=survey, user=request.user, file_format=file_format)
    return file_response(made.content, filename=made.filename, content_type=made.content_type)


@aggregates_required
@page_moment
def composition(request, moment):
    """Section 5.2: working groups, stakeholder types, sizes and gender of the compositions,
    now or as they stood at `?as_of=` or when `?round=` closed (the page's picker). The
    gender counts the reader may not see are hidden (`analytics.small_counts`)."""
    summary = composition_as_read(composition_summary(moment=moment), request.user)
    types, active = list(summary.stakeholder_types), list(summary.active_working_groups)
    numbers = tables.working_group_numbers(summary)
    shown = [
        tables.working_group_table(summary, numbers),
        tables.stakeholder_table(summary, types),
        tables.most_represented_table(summary, types),
        tables.size_table(summary),
        tables.size_band_table(summary),
        tables.gender_table(summary),
    ]
    context = {
        "summary": summary,
        "facts": tables.composition_facts(summary, types, active),
        "size_chart": charts.size_bar_chart(summary, chart_id="size-chart")
        if summary.countries
        else None,
        "active_working_groups": len(active),
        "moment": moment,
        "picker_rounds": _rounds_of(request.user),
        "as_of": request.GET.get("as_of", ""),
    }
    return _respond(
        request,
        "analytics/composition_summary.html",
        context,
        shown,
        filename=_composition_filename(moment),
    )


@aggregates_required
def composition_compare(request):
    """What changed in the compositions between `?before=` and `?after=` (each a round's
    slug or a date): counts per country, and names where the user may read the experts."""
    values = {name: request.GET.get(name, "").strip() for name in ("before", "after")}
    context = {"rounds": _rounds_of(request.user), "values": values}
    if any(values.values()):
        try:
            before, after = compared_moments(request.GET, user=request.user)
        except BadMoment as exc:
            return refusal(request, str(exc), errors=exc.errors)
        context["comparison"] = composition_comparison(
            before=before, after=after, user=request.user
        )
    return render(request, "analytics/composition_compare.html", context)


def _composition_filename(moment) -> str:
    if moment.is_present:
        return "composition"
    return f"composition-{moment.round or moment.at.date().isoformat()}"


@aggregates_required
def targets(request):
    """Section 7: each roadmap target's share round by round against its threshold."""
    progress = targets_progress()
    shown = [tables.target_table(target) for target in progress]
    context = {
        "targets": [
            (target, charts.target_chart(target, chart_id=f"target-chart-{i}"), table.id)
            for i, (target, table) in enumerate(zip(progress, shown, strict=True))
        ]
    }
    return _respond(request, "analytics/target_list.html", context, shown, filename="targets")


@aggregates_required
def models(request):
    """Section 6: each country's configuration model, against health system and size."""
    result = configuration_models()
    shown = tables.configuration_tables(result)
    context = {"result": result}
    return _respond(
        request, "analytics/configuration_models.html", context, shown, filename="models"
    )


@aggregates_required
def compare(request):
    """Two rounds side by side (`?before=<slug>&after=<slug>`, the latest two open or closed
    rounds by default): which answers changed, what each common question compares and counts,
    and who answered only one of them. Staff may
    also pick a draft; to anyone else a draft's slug is an unknown round (404)."""
    rounds = _rounds_of(request.user)
    by_slug = {r.slug: r for r in rounds}
    for slug in (request.GET.get("before"), request.GET.get("after")):
        if slug and slug not in by_slug:
            _round_or_404(request.user, slug)
    published = [r for r in rounds if r.is_published]
    defaults = published if len(published) > 1 else rounds  # a draft only when it must
    before_slug = request.GET.get("before") or (defaults[1].slug if len(defaults) > 1 else "")
    after_slug = request.GET.get("after") or (defaults[0].slug if defaults else "")
    context = {"rounds": rounds, "before_slug": before_slug, "after_slug": after_slug}
    errors = []
    if len(rounds) >= 2:
        for slug, which in ((before_slug, "earlier"), (after_slug, "later")):
            if slug not in by_slug:
                errors.append(f"Choose the {which} round from the list.")
        if not errors and before_slug == after_slug:
            errors.append("Choose two different rounds.")
    shown = []
    if len(rounds) >= 2 and not errors:
        before, after = by_slug[before_slug], by_slug[after_slug]
        comparison = round_comparison(before=before, after=after)
        shown = [
            tables.changes_table(comparison, before_title=before.title, after_title=after.title),
            tables.compared_questions_table(comparison),
            tables.participation_table(comparison),
        ]
        context |= {"comparison": comparison, "before": before, "after": after}
    context["errors"] = errors
    response = _respond(
        request,
        "analytics/round_comparison.html",
        context,
        shown,
        filename=f"compare-{before_slug}-{after_slug}" if shown else "compare",
    )
    if errors and response.status_code == 200:
        response.status_code = 400
    return response
