"""API tokens in the `Authorization` header: `Token <key>`, or `Bearer <key>`.

A token only says who the client is; every view then asks the one permission policy
(`nmg_registry.permissions`) what that user may read, exactly as for a browser session.
"""

import logging

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, Throttled

from nmg_registry.api.throttling import FailedTokenThrottle
from nmg_registry.models import ApiToken
from nmg_registry.services import record_api_token_use

KEYWORDS = (b"token", b"bearer")

logger = logging.getLogger(__name__)


class ApiTokenAuthentication(BaseAuthentication):
    """The user of a live API token. A request without such a header is left to the next
    authentication class (the browser's session); a bad token is refused with 401, and
    counted against the anonymous rate of the client's address (429 once spent)."""

    def authenticate(self, request):
        words = get_authorization_header(request).split()
        if not words or words[0].lower() not in KEYWORDS:
            return None
        # Refused tokens count against the anonymous rate of the client's address; past it,
        # no token from there is looked up until the count has room again.
        throttle = FailedTokenThrottle()
        if throttle.spent(request):
            raise Throttled(wait=throttle.wait())
        try:
            return self.authenticate_words(words)
        except AuthenticationFailed as exc:
            throttle.count(request)
            # Never the key: the address, the path and why it was refused.
            logger.warning(
                "API token refused for client %s on %s: %s",
                throttle.get_ident(request),
                request.path,
                exc.detail,
            )
            raise

    def authenticate_words(self, words: list[bytes]):
        """The user and token of an `Authorization: Token <key>` header split in words."""
        if len(words) == 1:
            raise AuthenticationFailed("Invalid Authorization header: no API token given.")
        if len(words) > 2:
            raise AuthenticationFailed(
                "Invalid Authorization header: send 'Token <key>', the key without spaces."
            )
        try:
            key = words[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed("Invalid API token.") from None
        return self.authenticate_key(key)

    def authenticate_key(self, key: str):
        # The lookup is by the key's hash: timing reveals nothing about stored keys.
        token = (
            ApiToken.objects.select_related("user").filter(key_hash=ApiToken.hash_key(key)).first()
        )
        if token is None:
            raise AuthenticationFailed("Invalid API token.")
        if token.is_revoked:
            raise AuthenticationFailed("This API token has been revoked.")
        if not token.user.is_active:
            raise AuthenticationFailed("The account of this API token is inactive.")
        record_api_token_use(token=token)
        return token.user, token

    def authenticate_header(self, request):
        # Makes DRF answer 401 with a challenge, not 403, when credentials are missing or bad.
        return 'Token realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes the tokens; the docs' Authorize button sends Bearer."""

    target_class = ApiTokenAuthentication
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "An API token from the page 'API tokens' (/account/tokens/) or from "
                "`manage.py create_api_token`, sent as `Authorization: Token <key>` or "
                "`Authorization: Bearer <key>`."
            ),
        }
