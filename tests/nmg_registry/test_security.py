import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory
from django.urls import reverse

from nmg_registry.security import client_ip_behind_proxy
from tests.factories import UserFactory


def test_client_ip_is_the_last_forwarded_hop_not_a_forged_first_one():
    request = RequestFactory().get(
        "/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7", REMOTE_ADDR="10.0.0.2"
    )

    assert client_ip_behind_proxy(request) == "203.0.113.7"


def test_client_ip_without_forwarding_header_is_the_peer():
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2")

    assert client_ip_behind_proxy(request) == "10.0.0.2"


@pytest.mark.parametrize("forwarded", ["foo", "203.0.113.7, bar", "999.1.1.1", ",", "::zz"])
def test_a_last_forwarded_hop_that_is_no_address_is_ignored(forwarded):
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="10.0.0.2")

    assert client_ip_behind_proxy(request) == "10.0.0.2"


@pytest.mark.django_db
@pytest.mark.parametrize("forwarded", ["foo", "203.0.113.7, bar"])
def test_a_failed_sign_in_with_a_forged_forwarded_address_is_recorded_not_a_500(
    client, settings, forwarded
):
    """On PostgreSQL the sign-in records store addresses in an `inet` column, which refuses
    anything else."""
    settings.AXES_CLIENT_IP_CALLABLE = "nmg_registry.security.client_ip_behind_proxy"
    UserFactory(username="viewer")

    response = client.post(
        reverse("login"),
        {"username": "viewer", "password": "not-the-password"},
        HTTP_X_FORWARDED_FOR=forwarded,
        REMOTE_ADDR="10.0.0.2",
    )

    assert response.status_code == 200
    assert AccessAttempt.objects.get().ip_address == "10.0.0.2"
