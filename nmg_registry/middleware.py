"""Requests the registry refuses before any view, session or sign-in record reads them."""

from dataclasses import dataclass

from nmg_registry.errors import refusal

NUL = "\x00"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
ADDRESS = "address"
ESCAPED = "\\0"
NO_SUCH_ADDRESS = (
    "The registry has nothing at this address: it holds a NUL character (\\0), "
    "which no country code, round or record key contains."
)


def _shown(name: str) -> str:
    return name.replace(NUL, "\\0")


@dataclass(frozen=True)
class NulPlace:
    """Where a request carries a NUL: `kind` is the address, a query parameter, a header, a
    cookie or a form field; `name` names the parameter, header, cookie or field."""

    kind: str
    name: str = ""

    def __str__(self) -> str:
        return f"the {self.kind}" if not self.name else f"the {self.kind} “{_shown(self.name)}”"


def nul_found_in(request) -> NulPlace | None:
    """Where the request carries a NUL character in text that can reach the database (the
    address, a query parameter, a posted form field, a cookie, a header), or None."""
    if NUL in request.path_info:
        return NulPlace(ADDRESS)
    for name, values in request.GET.lists():
        if NUL in name or any(NUL in value for value in values):
            return NulPlace("query parameter", name)
    for key, value in request.META.items():
        if key.startswith("HTTP_") and isinstance(value, str) and NUL in value:
            return NulPlace("header", key[5:].replace("_", "-").title())
    for name, value in request.COOKIES.items():
        if NUL in name or NUL in value:
            return NulPlace("cookie", name)
    if request.method == "POST" and request.content_type in FORM_TYPES:
        # Uploaded files are not text and may hold any byte; only the fields are read.
        for name, values in request.POST.lists():
            if NUL in name or any(NUL in value for value in values):
                return NulPlace("form field", name)
    return None


class RefuseNulMiddleware:
    """A NUL character anywhere a request's text can reach the database answers 400 naming
    where it is, or 404 in the address (which then names nothing). PostgreSQL can neither
    store nor compare text holding one, and no value of the registry (a code, a slug, a
    name, an e-mail address) contains one; refusing it at the door keeps every lookup of the
    site, the admin and the API from failing on it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        place = nul_found_in(request)
        if place is None:
            return self.get_response(request)
        if place.kind == ADDRESS:
            # An address with a NUL names nothing the registry holds.
            return refusal(request, NO_SUCH_ADDRESS, status=404)
        problem = f"holds a NUL character ({ESCAPED}), which the registry accepts nowhere"
        return refusal(
            request,
            f"The request has a NUL character ({ESCAPED}) in {place}; "
            "the registry accepts no such character anywhere.",
            errors={_shown(place.name): [f"{place.kind.capitalize()} {problem}."]},
        )
