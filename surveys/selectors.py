"""Reads of survey rounds for pages, downloads and commands; nothing here writes."""

from typing import NamedTuple

from django.db.models import Prefetch

from nmg_registry import permissions
from nmg_registry.tabular import write_csv, write_xlsx
from surveys.models import Answer, Response, Survey
from surveys.resources import SurveyResponseResource

EXPORT_FORMATS = ("csv", "xlsx")


def survey_by_slug(*, slug: str) -> Survey:
    """The round with this slug; the DoesNotExist raised otherwise lists the rounds there are,
    so that a mistyped slug can be corrected from the message alone."""
    survey = Survey.objects.filter(slug=slug).first()
    if survey is None:
        slugs = Survey.objects.order_by("slug").values_list("slug", flat=True)
        raise Survey.DoesNotExist(
            f'unknown survey round "{slug}"; the rounds are: {", ".join(slugs) or "none yet"}'
        )
    return survey


class ResponseTable(NamedTuple):
    """A round's responses as rows of the import file; unpacks as (columns, rows)."""

    columns: list[str]
    rows: list[list]


def response_rows(*, survey: Survey, user) -> ResponseTable:
    """The round's submitted responses the user may read, in the layout of the import file.

    `country` (EU code) then the question codes, one row per country sorted by code, options
    as their values: an export imports back unchanged. Drafts are left out even for their
    authors and staff, as an export is what the dashboards count. Five queries at most,
    whatever the number of countries.
    """
    resource = SurveyResponseResource.for_survey(survey)
    submitted = Response.objects.filter(survey=survey, status=Response.Status.SUBMITTED)
    responses = (
        permissions.responses_visible_to(user, submitted)
        .select_related("country")
        .prefetch_related(Prefetch("answers", queryset=Answer.objects.order_by()))
        .order_by("country__code")
    )
    return ResponseTable(
        columns=resource.get_export_headers(), rows=resource.export_rows(responses)
    )


def response_export(*, survey: Survey, user, file_format: str) -> bytes:
    """`response_rows` as a CSV or XLSX file that cannot carry a formula into a spreadsheet."""
    if file_format not in EXPORT_FORMATS:
        raise ValueError(f'unknown file format "{file_format}"; use csv or xlsx')
    columns, rows = response_rows(survey=survey, user=user)
    if file_format == "csv":
        return write_csv(columns, rows)
    return write_xlsx([(survey.slug, columns, rows)])
