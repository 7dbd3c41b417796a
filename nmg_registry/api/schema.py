"""What every API operation documents alike: its error responses, the `?format=` parameter
and the CSV alternative to its JSON body."""

from django.db import DatabaseError, transaction
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema

from nmg_registry.api.serializers import ErrorSerializer, ParameterErrorSerializer
from nmg_registry.errors import UNAVAILABLE
from nmg_registry.filters import KEY_PATTERNS

CSV_DESCRIPTION = (
    "The JSON's fields as columns: nested objects as dotted columns, lists of plain values "
    "joined by `; `; cells that a spreadsheet would run as a formula start with `'`. A page "
    "of a list has its total in the `X-Total-Count` header and its neighbours in `Link`."
)
FORMAT_PARAMETER = {
    "name": "format",
    "in": "query",
    "required": False,
    "description": (
        "`json` (the default), `csv`, or `api`: the browsable HTML page a browser is also "
        "given when it asks for text/html. Errors are JSON either way."
    ),
    "schema": {"type": "string", "enum": ["json", "csv", "api"]},
}
BROWSABLE_PAGE = {
    "schema": {"type": "string", "description": "The JSON shown on a browsable HTML page."}
}
PAGE_HEADERS = {
    "X-Total-Count": {
        "description": "In CSV responses: how many rows the whole list has.",
        "schema": {"type": "integer"},
    },
    "Link": {
        "description": 'In CSV responses: the next and previous pages, `<url>; rel="next"`.',
        "schema": {"type": "string"},
    },
}
PARAMETER_ERROR_REF = {"$ref": "#/components/schemas/ParameterError"}
ERROR_REF = {"$ref": "#/components/schemas/Error"}


def _retry_later(description: str, example: str, *, retry_after_always: bool) -> dict:
    return {
        "description": description,
        "headers": {
            "Retry-After": {
                "description": "How many seconds to wait before trying again.",
                "required": retry_after_always,
                "schema": {"type": "integer", "minimum": 0},
            }
        },
        "content": {
            "application/json": {
                "schema": ERROR_REF,
                "examples": {"Retry later": {"value": {"detail": example}}},
            }
        },
    }


# Answers any operation may give, whatever its own: past a rate limit (settings
# NMG_API_ANON_RATE, NMG_API_USER_RATE; refused tokens count too), and while the database
# cannot be reached (nmg_registry.errors.unavailable).
RETRY_LATER_RESPONSES = {
    "429": _retry_later(
        "Too many requests from this client or user: past the API's rate limit.",
        "Request was throttled. Expected available in 42 seconds.",
        retry_after_always=False,
    ),
    "503": _retry_later(
        "The registry's database cannot be reached just now; nothing was changed.",
        UNAVAILABLE,
        retry_after_always=True,
    ),
}
# What a free-text parameter may hold: anything but NUL, which forms refuse (and PostgreSQL
# cannot compare).
FREE_TEXT_PATTERN = "^[^\\u0000]*$"


def denied(what: str = "Not signed in, or not allowed to read this.") -> OpenApiResponse:
    return OpenApiResponse(
        ErrorSerializer,
        description=what,
        examples=[
            OpenApiExample(
                "Not signed in",
                value={"detail": "Authentication credentials were not provided."},
                response_only=True,
                status_codes=["401", "403"],
            )
        ],
    )


def not_found(what: str, message: str) -> OpenApiResponse:
    return OpenApiResponse(
        ErrorSerializer,
        description=what,
        examples=[
            OpenApiExample(
                "Unknown", value={"detail": message}, response_only=True, status_codes=["404"]
            )
        ],
    )


BAD_PARAMETERS = OpenApiResponse(
    ParameterErrorSerializer,
    description="A query parameter has a value that cannot be understood; each one is named.",
    examples=[
        OpenApiExample(
            "A bad filter value",
            value={
                "detail": 'Invalid query parameter. country: unknown country "XX"',
                "errors": {"country": ['unknown country "XX"']},
            },
            response_only=True,
            status_codes=["400"],
        )
    ],
)


def errors(*, not_found_response: OpenApiResponse | None = None, denied_response=None) -> dict:
    """The error responses of an operation, for `extend_schema(responses=...)`."""
    refusal = denied_response or denied()
    responses = {400: BAD_PARAMETERS, 401: refusal, 403: refusal}
    if not_found_response is not None:
        responses[404] = not_found_response
    return responses


def read_operation(
    operation_id: str,
    summary: str,
    description: str,
    *,
    tags: list[str],
    body,
    examples: dict[str, object],
    parameters: list | None = None,
    not_found: OpenApiResponse | None = None,
    refusals: dict | None = None,
):
    """An `extend_schema` for a read: its 200 body with named response examples, and the
    shared error responses (`errors()`, with its 404 `not_found`) unless `refusals` names
    the operation's own."""
    return extend_schema(
        operation_id=operation_id,
        summary=summary,
        description=description,
        tags=tags,
        parameters=parameters,
        responses={200: body, **(refusals or errors(not_found_response=not_found))},
        examples=[
            OpenApiExample(name, value=value, response_only=True)
            for name, value in examples.items()
        ],
    )


def postprocess_formats(result, generator, request, public):
    """A drf-spectacular hook: errors are documented as JSON only, a CSV body as text, every
    operation that can answer CSV gets the `format` parameter and its 400, every operation
    its 429 and 503 with Retry-After, and a filter's
    choices include the blank that means no filter, a natural-key filter lists the keys it
    takes now, and free text says it holds no NUL."""
    key_patterns = {}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            if _document_csv(operation):
                _add_format_parameter(operation)
            _allow_blank_filters(operation)
            _describe_text_parameters(operation, key_patterns)
            responses = operation["responses"]
            # With API tokens a request without credentials is challenged with a 401; with
            # a session alone it is a 403.
            if "403" in responses and "401" not in responses:
                responses["401"] = responses["403"]
            for code, response in RETRY_LATER_RESPONSES.items():
                responses.setdefault(code, response)
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault(
        "ParameterError",
        {
            "type": "object",
            "properties": {
                "detail": {"type": "string"},
                "errors": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
            "required": ["detail", "errors"],
        },
    )
    return result


def _document_csv(operation: dict) -> bool:
    has_csv = False
    paginated = any(p.get("name") == "limit" for p in operation.get("parameters", []))
    for code, response in operation["responses"].items():
        content = response.get("content")
        if not content:
            continue
        if str(code) >= "400":
            response["content"] = {k: v for k, v in content.items() if k == "application/json"}
        elif "text/csv" in content:
            content["text/csv"] = {"schema": {"type": "string", "description": CSV_DESCRIPTION}}
            content["text/html"] = BROWSABLE_PAGE
            has_csv = True
            if paginated:
                response.setdefault("headers", {}).update(PAGE_HEADERS)
    return has_csv


def _allow_blank_filters(operation: dict) -> None:
    """A blank filter is no filter (as an HTML form's unselected field sends it)."""
    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema", {})
        if (
            parameter.get("in") == "query"
            and parameter.get("name") != "format"
            and "enum" in schema
            and "" not in schema["enum"]
        ):
            schema["enum"] = [*schema["enum"], ""]


def _describe_text_parameters(operation: dict, key_patterns: dict[str, str]) -> None:
    """A natural-key filter gets the pattern of the keys in the database (read once per
    schema, in `key_patterns`); another string parameter without enum or pattern gets the
    pattern that refuses NUL."""
    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema", {})
        if parameter.get("in") != "query" or schema.get("type") != "string":
            continue
        name = schema.pop("x-key-pattern", None)
        if name is not None:
            if name not in key_patterns:
                key_patterns[name] = _key_pattern(name, default=schema.get("pattern"))
            schema["pattern"] = key_patterns[name]
        elif "enum" not in schema and "pattern" not in schema and "format" not in schema:
            schema["pattern"] = FREE_TEXT_PATTERN


def _key_pattern(name: str, *, default: str | None) -> str | None:
    """The pattern of the keys in the database; the filter's syntax alone when the database
    cannot be read (`manage.py check --deploy` generates the schema before any migration)."""
    try:
        with transaction.atomic():
            return KEY_PATTERNS[name]()
    except DatabaseError:
        return default


def _add_format_parameter(operation: dict) -> None:
    parameters = operation.setdefault("parameters", [])
    existing = [p for p in parameters if p.get("name") == "format"]
    if existing:
        existing[0].update(description=FORMAT_PARAMETER["description"])
        existing[0]["schema"] = dict(FORMAT_PARAMETER["schema"])
    else:
        parameters.append(dict(FORMAT_PARAMETER))
    operation["responses"].setdefault(
        "400",
        {
            "description": "A query parameter (such as `format`) cannot be understood.",
            "content": {"application/json": {"schema": PARAMETER_ERROR_REF}},
        },
    )
