"""How often the registry sends a password-reset mail: per e-mail address and per client
address, counted in the cache (Redis in production, shared by every worker)."""

import hashlib
import logging

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from nmg_registry.security import client_ip_behind_proxy

logger = logging.getLogger(__name__)


class _Count(SimpleRateThrottle):
    """A sliding window of requests under one cache key, at a rate such as `3/hour`."""

    def __init__(self, *, rate: str, key: str):
        self.rate = rate
        self.num_requests, self.duration = self.parse_rate(rate)
        self.key_of_count = key

    def get_cache_key(self, request, view):
        return self.key_of_count


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, or behind the registry's proxy its last hop."""
    if settings.BEHIND_TLS_PROXY:
        return client_ip_behind_proxy(request) or ""
    return request.META.get("REMOTE_ADDR", "")


def may_send_password_reset(request, email: str) -> bool:
    """Counts a reset request for `email` from the request's client, and says whether its mail
    may go: not past NMG_PASSWORD_RESET_EMAIL_RATE for the e-mail address (any letter case)
    nor past NMG_PASSWORD_RESET_CLIENT_RATE for the client address."""
    # The cache keys hold a digest: no e-mail address is written to the cache.
    email_digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    client = client_address(request)
    counts = {
        "e-mail address": _Count(
            rate=settings.NMG_PASSWORD_RESET_EMAIL_RATE, key=f"password-reset:email:{email_digest}"
        ),
        "client address": _Count(
            rate=settings.NMG_PASSWORD_RESET_CLIENT_RATE, key=f"password-reset:client:{client}"
        ),
    }
    spent = [what for what, count in counts.items() if not count.allow_request(request, None)]
    if spent:
        # Never the e-mail address: only which limit, and the client.
        logger.warning(
            "Password-reset mail not sent: the limit per %s is reached (client %s)",
            " and per ".join(spent),
            client,
        )
    return not spent
