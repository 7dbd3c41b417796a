"""The registry's rule of a web address and of an e-mail address: what Django takes and the
API schema's `format: uri` / `format: email` would also take."""

import jsonschema_rs
import pytest
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compositions.models import Expert
from compositions.resources import cell_widgets
from nmg_registry.models import Country
from nmg_registry.validators import validate_email_address, validate_web_address

URI = jsonschema_rs.Draft4Validator({"type": "string", "format": "uri"}, validate_formats=True)
EMAIL = jsonschema_rs.Draft4Validator({"type": "string", "format": "email"}, validate_formats=True)
PROPERTY = settings(
    max_examples=400, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)


def accepted(validators, value) -> bool:
    try:
        for validator in validators:
            validator(value)
    except ValidationError:
        return False
    return True


def web_address(value) -> bool:
    """What a URL field of the registry takes: Django's rule and the registry's."""
    return accepted([URLValidator(), validate_web_address], value)


def email_address(value) -> bool:
    return accepted([EmailValidator(), validate_email_address], value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('https://ok.example/a"b<c', '“"” is not allowed in a web address; write it as %22'),
        ("https://ok.example/a<b", "“<” is not allowed in a web address; write it as %3C"),
        ("https://ok.example/{x}", "“{” is not allowed in a web address; write it as %7B"),
        ("https://ok.example/a|b", "“|” is not allowed"),
        ("https://ok.example/a\\b", "“\\” is not allowed"),
        ("https://ok.example/stra\u00dfe", "“ß” is not allowed in a web address; copy"),
        ("https://ok.example/a%zz", "a % in a web address starts a two-digit escape"),
        ("https://ok.example/a%2", "a % in a web address starts a two-digit escape"),
        ("https://ok.example/#a#b", "a web address has at most one #"),
        ("https://ok.example/?a=[1]", "[ and ] are only allowed around an IPv6 address"),
    ],
)
def test_an_address_that_is_no_uri_is_refused_with_what_is_wrong(value, message):
    assert URLValidator()(value) is None  # Django alone would take it

    with pytest.raises(ValidationError) as raised:
        validate_web_address(value)

    assert message in raised.value.messages[0]
    assert not URI.is_valid(value)


@pytest.mark.parametrize(
    "value",
    [
        "https://www.example.es/plan%20nacional?lang=es&v=2#part-2",
        "http://[2001:db8::1]:8080/roadmap",
        "https://user:secret@example.org/a/b;c=d/(e)*+,!$'~",
        "ftp://files.example.org/plan.pdf",
    ],
)
def test_addresses_that_are_uris_are_taken(value):
    assert web_address(value)
    assert URI.is_valid(value)


def test_an_address_django_refuses_is_named_once_by_django_alone():
    # The URL field's own validator says "Enter a valid URL."; this one adds nothing.
    assert validate_web_address("not an address") is None


@PROPERTY
@given(
    prefix=st.sampled_from(
        ["https://example.org/", "http://a.example:8080/p?", "https://[::1]/", "https://ex.com#"]
    ),
    rest=st.text(
        st.characters(codec="utf-8", max_codepoint=0x3000)
        | st.sampled_from(list("%#[]@:/?&=+;,$!'()*~-._\"<>{}|\\^`")),
        max_size=16,
    ),
)
def test_every_address_the_registry_takes_is_a_uri_of_the_schema(prefix, rest):
    value = prefix + rest
    if web_address(value):
        assert URI.is_valid(value), value


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("a" * 65 + "@example.org", "the part before @ is longer than 64 characters"),
        ("ana@b\u00fccher.de", "write it in ASCII letters"),
        ("\u0131@example.org", "write it in ASCII letters"),
    ],
)
def test_an_email_address_no_mail_server_takes_is_refused(value, message):
    assert EmailValidator()(value) is None  # Django alone would take it

    with pytest.raises(ValidationError) as raised:
        validate_email_address(value)

    assert message in raised.value.messages[0]
    assert not EMAIL.is_valid(value)


@PROPERTY
@given(
    mailbox=st.text(
        st.characters(codec="utf-8", max_codepoint=0x3000) | st.sampled_from(list('".@+-_[]')),
        max_size=70,
    ),
    domain=st.sampled_from(["@example.org", "@b\u00fccher.de", "@[192.0.2.1]", "@localhost"]),
)
def test_every_email_address_the_registry_takes_is_an_email_of_the_schema(mailbox, domain):
    value = mailbox + domain
    if email_address(value):
        assert EMAIL.is_valid(value), value


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["a" * 65 + "@example.org", "ana@b\u00fccher.de"])
def test_every_door_for_an_experts_email_holds_to_the_rule(value):
    expert = Expert(country=Country.objects.get(code="ES"), name="Ana", email=value)

    with pytest.raises(ValidationError) as refused:
        expert.clean_fields()
    with pytest.raises(ValueError, match="is not a valid email address"):
        cell_widgets()["email"].clean(value)

    assert list(refused.value.message_dict) == ["email"]
