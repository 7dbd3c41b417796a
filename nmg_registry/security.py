"""Request details that depend on how the registry is deployed."""


def client_ip_behind_proxy(request) -> str | None:
    """The client's address as the registry's own proxy saw it.

    The proxy appends the address it received the request from to X-Forwarded-For; earlier
    entries come from the client and can be forged, so only the last one is trusted.
    """
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    return hops[-1] if hops else request.META.get("REMOTE_ADDR")
