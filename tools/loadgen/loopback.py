"""The address guard: the load tool talks to this machine only.

A URL is accepted when its scheme is http or https and every address its host resolves to
is a loopback address (127.0.0.0/8, ::1, or ::ffff:127.x.y.z); anything else is refused
before a single connection is opened.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


class NotLoopback(ValueError):
    """The URL names something other than this machine (or cannot be used at all)."""


def _is_loopback(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    mapped = getattr(ip, "ipv4_mapped", None)
    return ip.is_loopback or (mapped is not None and mapped.is_loopback)


def loopback_base(url: str) -> str:
    """`url` without a trailing slash, once its host is known to resolve only to loopback
    addresses; raises NotLoopback with the reason otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise NotLoopback(f"{url!r}: the URL must start with http:// or https://")
    host = parts.hostname
    if not host:
        raise NotLoopback(f"{url!r}: the URL names no host")
    try:
        port = parts.port
    except ValueError:
        raise NotLoopback(f"{url!r}: not a valid port") from None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise NotLoopback(f"{url!r}: give the base URL only, e.g. http://127.0.0.1:8000")
    try:
        infos = socket.getaddrinfo(host, port or 80, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise NotLoopback(f"{url!r}: cannot resolve {host!r} ({error})") from None
    addresses = sorted({info[4][0] for info in infos})
    outside = [address for address in addresses if not _is_loopback(address)]
    if not addresses or outside:
        raise NotLoopback(
            f"{url!r}: {host!r} resolves to {', '.join(outside or ['nothing'])}, not loopback;"
            " the load tool only targets this machine (localhost, 127.0.0.0/8, ::1)"
        )
    return url.rstrip("/")
