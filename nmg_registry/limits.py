"""How often the registry sends a password-reset mail: per e-mail address (and per account it
reaches) and per client address, counted in the cache (Redis in production, shared by every
worker; without REDIS_URL each worker counts apart)."""

import hashlib
import logging
import unicodedata

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


def email_address_key(email: str) -> str:
    """An e-mail address as the password reset compares it with an account's: Django finds
    the account with NFKC and case folding (the long s U+017F is `s`, full-width letters are
    ASCII), so every look-alike that reaches one inbox has one key."""
    return unicodedata.normalize("NFKC", email.strip()).casefold()


def _digest(text: str) -> str:
    # The cache keys hold a digest: no e-mail address is written to the cache.
    return hashlib.sha256(text.encode()).hexdigest()


def may_send_password_reset(request, email: str, *, accounts=()) -> bool:
    """Counts a reset request for `email` from the request's client, and says whether its mail
    may go: not past NMG_PASSWORD_RESET_EMAIL_RATE for the e-mail address (however it is
    written, see email_address_key) nor for any of the `accounts` (user ids) the mail would go
    to, and not past NMG_PASSWORD_RESET_CLIENT_RATE for the client address."""
    email_rate = settings.NMG_PASSWORD_RESET_EMAIL_RATE
    client = client_address(request)
    counts = {
        # The address and the accounts it reaches are one limit: a request is held when
        # either is spent, so no spelling of an address (and no second address of an
        # account's) sends past it.
        "e-mail address": [
            _Count(
                rate=email_rate,
                key=f"password-reset:email:{_digest(email_address_key(email))}",
            ),
            *(_Count(rate=email_rate, key=f"password-reset:account:{pk}") for pk in accounts),
        ],
        "client address": [
            _Count(
                rate=settings.NMG_PASSWORD_RESET_CLIENT_RATE, key=f"password-reset:client:{client}"
            )
        ],
    }
    spent = [what for what, group in counts.items() if _spent(request, group)]
    if spent:
        # Never the e-mail address: only which limit, and the client.
        logger.warning(
            "Password-reset mail not sent: the limit per %s is reached (client %s)",
            " and per ".join(spent),
            client,
        )
    return not spent


def _spent(request, group: list[_Count]) -> bool:
    # Every count of the group registers the request, also past one that is spent.
    allowed = [count.allow_request(request, None) for count in group]
    return not all(allowed)
