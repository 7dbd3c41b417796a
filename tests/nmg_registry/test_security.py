from django.test import RequestFactory

from nmg_registry.security import client_ip_behind_proxy


def test_client_ip_is_the_last_forwarded_hop_not_a_forged_first_one():
    request = RequestFactory().get(
        "/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7", REMOTE_ADDR="10.0.0.2"
    )

    assert client_ip_behind_proxy(request) == "203.0.113.7"


def test_client_ip_without_forwarding_header_is_the_peer():
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2")

    assert client_ip_behind_proxy(request) == "10.0.0.2"
