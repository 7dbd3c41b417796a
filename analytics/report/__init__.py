"""A round's assessment report, as PDF and as Word (issue 13): `contents` says what the
report holds, once; `pdf` and `docx` render that one description. The web page's two
downloads and `manage.py assessment_report` both call `report_file`."""

from dataclasses import dataclass

from analytics.report.contents import Report, round_report

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
FORMATS = tuple(CONTENT_TYPES)


@dataclass(frozen=True)
class ReportFile:
    content: bytes
    filename: str
    content_type: str


def check_format(file_format: str) -> str:
    """`file_format` if it is one of FORMATS; ValueError naming them otherwise."""
    if file_format not in CONTENT_TYPES:
        raise ValueError(f'unknown report format "{file_format}"; use {" or ".join(FORMATS)}')
    return file_format


def render(report: Report, file_format: str) -> bytes:
    """The report in one of FORMATS."""
    check_format(file_format)
    if file_format == "pdf":
        from analytics.report.pdf import render_pdf

        return render_pdf(report)
    from analytics.report.docx import render_docx

    return render_docx(report)


def report_file(*, survey, user, file_format: str) -> ReportFile:
    """The report of `survey` as `user` may read it, as a file of `file_format`."""
    check_format(file_format)
    content = render(round_report(survey=survey, user=user), file_format)
    return ReportFile(
        content=content,
        filename=f"{survey.slug}-report.{file_format}",
        content_type=CONTENT_TYPES[file_format],
    )


__all__ = [
    "FORMATS",
    "Report",
    "ReportFile",
    "check_format",
    "render",
    "report_file",
    "round_report",
]
