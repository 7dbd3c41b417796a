"""Request details that depend on how the registry is deployed."""

import ipaddress


def client_ip_behind_proxy(request) -> str | None:
    """The client's address as the registry's own proxy saw it.

    The proxy appends the address it received the request from to X-Forwarded-For; earlier
    entries come from the client and can be forged, so only the last one is trusted. A last
    entry that is no address (a request that did not come through the proxy) is ignored: the
    address of the connection is used instead, and the sign-in records can always store it.
    """
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if hops:
        try:
            return str(ipaddress.ip_address(hops[-1]))
        except ValueError:
            pass
    return request.META.get("REMOTE_ADDR")
