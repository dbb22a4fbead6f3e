"""Which pages may open the socket: Channels' origin check, adapted to API.md.

Browsers always send `Origin` on a WebSocket handshake and send the session cookie with it,
so a page on another site could trade with a logged-in user's session (cross-site WebSocket
hijacking): its origin must be one of ALLOWED_HOSTS. Programs send no `Origin`, and
Channels' AllowedHostsOriginValidator refuses those; here they pass (they bring an API key or
their own cookie, nothing a browser could be tricked into). Loopback origins always pass, as
loopback hosts do for HTTP (Channels would miss `[::1]`: it compares the bracketed form).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import ParseResult

from channels.security.websocket import OriginValidator
from django.conf import settings


def is_loopback(hostname: str) -> bool:
    if hostname == "localhost" or hostname.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


class ExchangeOriginValidator(OriginValidator):
    def valid_origin(self, parsed_origin: ParseResult | None) -> bool:
        if parsed_origin is None:
            return True  # not a browser
        hostname = parsed_origin.hostname
        if hostname is not None and is_loopback(hostname):
            return True
        return self.validate_origin(parsed_origin)


def origin_validated(application):
    """`application` behind the origin check, allowing the hosts of ALLOWED_HOSTS."""
    return ExchangeOriginValidator(application, settings.ALLOWED_HOSTS)
