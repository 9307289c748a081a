"""Believe X-Forwarded-* only from the reverse proxies named in TRUSTED_PROXIES.

werkzeug's ProxyFix trusts a number of hops, whoever sends the request; a client that reaches
the web tier directly could then claim any address (and defeat the per-address limits and the
contact-reveal log). The headers are therefore applied only to requests whose peer address is
one of the configured proxies.
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from typing import Any

from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import ConfigError

Network = IPv4Network | IPv6Network


def networks(entries: Iterable[str], setting: str = "TRUSTED_PROXIES") -> tuple[Network, ...]:
    """Parse addresses and CIDR networks; an unreadable entry stops the start-up."""
    parsed = []
    for entry in entries:
        try:
            parsed.append(ip_network(entry, strict=False))
        except ValueError as exc:
            raise ConfigError(f"{setting}: {entry!r} is not an address or network") from exc
    return tuple(parsed)


class TrustedProxies:
    """WSGI middleware: ProxyFix for requests from a trusted proxy, nothing for the others."""

    def __init__(self, app: Any, trusted: tuple[Network, ...]) -> None:
        self.app = app
        self.trusted = trusted
        self.fixed = ProxyFix(app, x_for=1, x_proto=1, x_host=1, x_port=1)

    def is_trusted(self, address: str) -> bool:
        """Whether the peer is one of the configured proxies."""
        try:
            peer = ip_address(address)
        except ValueError:
            return False
        return any(peer in network for network in self.trusted)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        """Apply the forwarded headers only when the peer is trusted."""
        if self.trusted and self.is_trusted(environ.get("REMOTE_ADDR", "")):
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)
