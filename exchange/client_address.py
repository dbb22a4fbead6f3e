"""The client's address: who a request or a socket comes from, for limits and allowlists.

The peer (the TCP client: REMOTE_ADDR, or a socket scope's `client`) is the client, unless
the peer is a trusted proxy (settings.EXCHANGE_TRUSTED_PROXIES, none by default). Then
X-Forwarded-For is read from the right, each proxy having appended the address it got the
request from: trusted proxies are skipped and the first address that is not one is the
client. A header that cannot be read (an item that is not an IP address) counts for
nothing: the peer is the client. Whatever a client writes into the header itself sits left
of what the trusted proxies appended, so it is never reached while an untrusted address is.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address, ip_address

from django.conf import settings

Address = IPv4Address | IPv6Address


def _parsed(text: str) -> Address | None:
    """The address written in `text`, an IPv4-mapped IPv6 address as its IPv4 one."""
    try:
        address = ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Address) -> bool:
    return any(address in network for network in settings.EXCHANGE_TRUSTED_PROXIES)


def _from_parts(peer: str, forwarded_for: str | None) -> str:
    peer_address = _parsed(peer)
    if peer_address is None:
        return peer  # not an IP peer (a test client, a unix socket): nothing to trust
    if not forwarded_for or not _trusted(peer_address):
        return str(peer_address)
    hops = [_parsed(item) for item in forwarded_for.split(",")]
    if any(hop is None for hop in hops):
        return str(peer_address)
    for hop in reversed(hops):
        if not _trusted(hop):
            return str(hop)
    return str(hops[0])  # trusted proxies all the way: the furthest one is the client


def _scope_parts(scope: dict) -> tuple[str, str | None]:
    peer = (scope.get("client") or ("", 0))[0] or ""
    forwarded = [
        value.decode("latin1")
        for name, value in scope.get("headers", ())
        if name.lower() == b"x-forwarded-for"
    ]
    return peer, ",".join(forwarded) or None


def client_address(source) -> str:
    """The client address of `source`: a Django (or DRF) request, or an ASGI scope (dict)."""
    if isinstance(source, dict):
        return _from_parts(*_scope_parts(source))
    meta = source.META
    return _from_parts(meta.get("REMOTE_ADDR") or "", meta.get("HTTP_X_FORWARDED_FOR"))
