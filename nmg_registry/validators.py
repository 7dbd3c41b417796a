"""What the registry takes as a web address and as an e-mail address: one rule for the models,
the forms, the admin and the API, whose schema promises `format: uri` and `format: email`.

Django's own validators let through what those formats refuse (a `"` or `<` in a path, a
`%` that starts no escape, an accented host name, a 65-character mailbox name), so a value
one door stored could break the answers of another. These validators take Django's rule
and then the standards' (RFC 3986 for addresses, RFC 5321 for mailboxes).
"""

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.deconstruct import deconstructible

# RFC 3986: unreserved, reserved (gen-delims and sub-delims) and the % of an escape.
URI_CHARACTER = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]")
BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
# RFC 5321 section 4.5.3.1.1.
MAILBOX_NAME_LIMIT = 64


def uri_problem(value: str) -> str | None:
    """What keeps an address Django accepts from being a URI (RFC 3986), in words; None
    when it is one."""
    for character in value:
        if not URI_CHARACTER.fullmatch(character):
            if character.isascii() and character.isprintable():
                escape = "".join(f"%{byte:02X}" for byte in character.encode())
                return f"“{character}” is not allowed in a web address; write it as {escape}"
            if not character.isascii() and character.isprintable():
                return (
                    f"“{character}” is not allowed in a web address; copy the address from "
                    "the browser's address bar, which writes it encoded"
                )
            return "a web address may not hold control characters"
    if BAD_ESCAPE.search(value):
        return "a % in a web address starts a two-digit escape such as %20; write % as %25"
    if value.count("#") > 1:
        return "a web address has at most one #; write any other as %23"
    host = urlsplit(value).netloc.rpartition("@")[2]
    outside_host = value.replace(host, "", 1) if host.startswith("[") else value
    if "[" in outside_host or "]" in outside_host:
        return "[ and ] are only allowed around an IPv6 address; write them as %5B and %5D"
    return None


@deconstructible
class WebAddressValidator:
    """A web address that is also a URI. URL fields run Django's URLValidator themselves: a
    value it refuses is left to its message, so that one fault is not named twice."""

    # Not "invalid": a field would put its own bare "Enter a valid URL." in its place.
    code = "not_a_uri"

    def __call__(self, value):
        try:
            URLValidator()(value)
        except ValidationError:
            return
        problem = uri_problem(value)
        if problem is not None:
            raise ValidationError(
                "Enter a valid URL: %(problem)s.", code=self.code, params={"problem": problem}
            )

    def __eq__(self, other):
        return isinstance(other, WebAddressValidator)


@deconstructible
class EmailAddressValidator:
    """An e-mail address that a mail server would also take: a mailbox name of at most 64
    characters, all of it in ASCII (an accented domain in its xn-- form). E-mail fields run
    Django's EmailValidator themselves; a value it refuses is left to its message."""

    code = "not_deliverable"

    def __call__(self, value):
        try:
            EmailValidator()(value)
        except ValidationError:
            return
        mailbox = str(value).rpartition("@")[0]
        if len(mailbox) > MAILBOX_NAME_LIMIT:
            raise ValidationError(
                "Enter a valid email address: the part before @ is longer than "
                f"{MAILBOX_NAME_LIMIT} characters.",
                code=self.code,
            )
        if not str(value).isascii():
            raise ValidationError(
                "Enter a valid email address: write it in ASCII letters (an accented domain "
                "in its xn-- form).",
                code=self.code,
            )

    def __eq__(self, other):
        return isinstance(other, EmailAddressValidator)


validate_web_address = WebAddressValidator()
validate_email_address = EmailAddressValidator()
