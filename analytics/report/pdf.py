"""A round's report as PDF: the report's contents rendered through the registry's own
templates and stylesheets (the pages' table include, the same SVG charts), printed by
WeasyPrint with a print stylesheet of its own (static/analytics/report.css)."""

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from analytics.report.contents import Report

TEMPLATE = "analytics/report/report.html"
# The assessment pages' styles, then the paper's: the tables look as on the pages.
STYLESHEETS = ("analytics/dashboards.css", "analytics/report.css")


def render_pdf(report: Report) -> bytes:
    from weasyprint import CSS, HTML  # loads Pango: only when a PDF is asked for

    html = render_to_string(TEMPLATE, {"report": report})
    stylesheets = [CSS(filename=finders.find(path)) for path in STYLESHEETS]
    # The report is self-contained: nothing in it is fetched from a network or a file.
    return HTML(string=html, url_fetcher=_refuse).write_pdf(stylesheets=stylesheets)


def _refuse(url: str, *args, **kwargs):
    raise ValueError(f"the report loads no resource ({url})")
