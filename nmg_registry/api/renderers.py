"""CSV for every API list and aggregate (`?format=csv`), and the check of `?format=` itself.

The CSV has the JSON's fields as columns: nested objects become dotted columns
(`stakeholder_counts.elsi`), lists of plain values one cell joined by `; `, and one list of
objects per endpoint may be spread into rows (`csv_explode` on the view: each expert's
memberships, each question's options), the other fields repeated on each of its rows. Every
cell goes through `nmg_registry.tabular`, so nothing a user typed runs as a formula.
"""

import json
import re

from rest_framework import renderers, serializers
from rest_framework.negotiation import DefaultContentNegotiation

from nmg_registry.api.exceptions import InvalidParameters
from nmg_registry.tabular import write_csv

LIST_SEPARATOR = "; "


class CSVRenderer(renderers.BaseRenderer):
    """A view may set `csv_root` (the key of the list of rows in an object, e.g. an
    aggregate's `countries`) and `csv_explode` (a dotted path of lists of objects to spread
    into rows, e.g. `questions.options`)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        context = renderer_context or {}
        view, response = context.get("view"), context.get("response")
        records = self._records(data, view, response)
        explode = [part for part in (getattr(view, "csv_explode", "") or "").split(".") if part]
        rows = [row for record in records for row in flatten(record, explode)]
        columns = list(dict.fromkeys(name for row in rows for name in row))
        # Columns of lists that came empty (no seat, no change) still head the file.
        columns += [c for c in serializer_columns(view, explode) if c not in columns]
        if response is not None and context.get("request") is not None:
            response["Content-Disposition"] = (
                f'attachment; filename="{file_name(context["request"].path)}.csv"'
            )
        return write_csv(columns, ([row.get(name, "") for name in columns] for row in rows))

    def _records(self, data, view, response) -> list:
        if data is None:
            return []
        if isinstance(data, dict) and "results" in data and getattr(view, "paginator", None):
            # A page of a list: the rows are its results; the page's size and links, which
            # a CSV has no place for, travel in headers.
            if response is not None:
                response["X-Total-Count"] = str(data.get("count", ""))
                links = [
                    f'<{data[rel]}>; rel="{rel}"' for rel in ("next", "previous") if data.get(rel)
                ]
                if links:
                    response["Link"] = ", ".join(links)
            data = data["results"]
        root = getattr(view, "csv_root", None)
        if root and isinstance(data, dict):
            data = data.get(root) or []
        return [data] if isinstance(data, dict) else list(data)


def flatten(record: dict, explode: list[str], prefix: str = "") -> list[dict]:
    """The rows of one record: its fields as dotted columns, one row per item of the list
    named by `explode[0]` (recursively for the rest of the path), or one row."""
    head, rest = (explode[0], explode[1:]) if explode else (None, [])
    row: dict = {}
    for key, value in record.items():
        if key != head:
            _flatten_value(row, f"{prefix}{key}", value)
    if head is None:
        return [row]
    items = record.get(head) or []
    if not items:
        return [row]
    rows = []
    for item in items:
        if isinstance(item, dict):
            rows.extend({**row, **sub} for sub in flatten(item, rest, f"{prefix}{head}."))
        else:
            rows.append({**row, f"{prefix}{head}": cell(item)})
    return rows


def _flatten_value(row: dict, name: str, value) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten_value(row, f"{name}.{key}", item)
    else:
        row[name] = cell(value)


def cell(value):
    """A JSON value as one CSV cell: JSON's spelling of booleans, lists of plain values
    joined, lists of objects as JSON text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        if all(not isinstance(item, dict | list | tuple) for item in value):
            return LIST_SEPARATOR.join("" if item is None else str(cell(item)) for item in value)
        return json.dumps(value, default=str, ensure_ascii=False)
    return value


def serializer_columns(view, explode: list[str]) -> list[str]:
    """The columns the view's serializer promises (a generic view's, or the `serializer_class`
    of an aggregate's view), so that even an empty list has its header."""
    if hasattr(view, "get_serializer"):
        serializer = view.get_serializer()
    elif getattr(view, "serializer_class", None) is not None:
        serializer = view.serializer_class()
    else:
        return []
    root = getattr(view, "csv_root", None)
    if root:
        serializer = getattr(serializer.fields.get(root), "child", None)
    if not isinstance(serializer, serializers.Serializer):
        return []
    return _serializer_columns(serializer, explode, "")


def _serializer_columns(serializer, explode: list[str], prefix: str) -> list[str]:
    head, rest = (explode[0], explode[1:]) if explode else (None, [])
    columns, exploded = [], []
    for name, field in serializer.fields.items():
        if name == head and isinstance(field, serializers.ListSerializer):
            exploded = _serializer_columns(field.child, rest, f"{prefix}{name}.")
        elif isinstance(field, serializers.Serializer):
            columns += _serializer_columns(field, [], f"{prefix}{name}.")
        elif not isinstance(field, serializers.DictField):  # a dict's keys come with data
            columns.append(f"{prefix}{name}")
    return columns + exploded


def file_name(path: str) -> str:
    """`/api/v1/surveys/nmg-survey-2020/summary/` → `surveys-nmg-survey-2020-summary`."""
    parts = [part for part in path.split("/") if part][2:] or ["export"]
    return re.sub(r"[^A-Za-z0-9._-]+", "_", "-".join(parts))


class ContentNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, except that an unknown or blank `?format=` is a 400 naming the
    formats (DRF answers a bare 404, which reads as "no such record", or ignores a blank)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        if not format_suffix and request.query_params.get(self.settings.URL_FORMAT_OVERRIDE) == "":
            self.filter_renderers(renderers, "")
        return super().select_renderer(request, renderers, format_suffix)

    def filter_renderers(self, renderers, format):
        matching = [renderer for renderer in renderers if renderer.format == format]
        if not matching:
            formats = [r.format for r in renderers if r.format and r.format != "api"]
            expected = " or ".join(
                [", ".join(formats[:-1]), formats[-1]] if formats[:-1] else formats
            )
            raise InvalidParameters({"format": [f'unknown format "{format}"; use {expected}.']})
        return matching
