"""HTTP responses carrying file downloads: spreadsheets, reports."""

from django.http import Http404, HttpResponse

from nmg_registry.tabular import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE

CONTENT_TYPES = {"csv": CSV_CONTENT_TYPE, "xlsx": XLSX_CONTENT_TYPE}


def check_file_format(file_format: str) -> str:
    if file_format not in CONTENT_TYPES:
        raise Http404(f'unknown file format "{file_format}"; use csv or xlsx')
    return file_format


def spreadsheet_response(content: bytes, *, filename: str, file_format: str) -> HttpResponse:
    """A download of `content` as `<filename>.<file_format>`, never cached by a proxy."""
    return file_response(
        content, filename=f"{filename}.{file_format}", content_type=CONTENT_TYPES[file_format]
    )


def file_response(content: bytes, *, filename: str, content_type: str) -> HttpResponse:
    """A download of `content` saved as `filename`, never cached by a proxy."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
