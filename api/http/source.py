"""Where a request comes from: its user agent and address (proxy headers only from TRUSTED_PROXIES)."""

from ipaddress import IPv4Network, IPv6Network, ip_address

from starlette.requests import HTTPConnection

from api.config import Settings
from api.services.sessions import RequestSource


def client_address(
    peer: str | None, forwarded_for: str | None, trusted: tuple[IPv4Network | IPv6Network, ...]
) -> str | None:
    """The client address: the peer, or behind trusted proxies the nearest untrusted X-Forwarded-For hop."""
    if peer is None or not trusted or not _within(peer, trusted):
        return peer
    for hop in reversed([part.strip() for part in (forwarded_for or "").split(",")]):
        try:
            address = ip_address(hop)
        except ValueError:
            return peer
        if not _within(hop, trusted):
            return str(address)
    return peer


def _within(address: str, networks: tuple[IPv4Network | IPv6Network, ...]) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in networks)


def source_of(connection: HTTPConnection, settings: Settings) -> RequestSource:
    """Where a request comes from: user agent and address (proxy headers only from TRUSTED_PROXIES)."""
    peer = connection.client.host if connection.client else None
    return RequestSource(
        user_agent=connection.headers.get("user-agent"),
        ip=client_address(peer, connection.headers.get("x-forwarded-for"), settings.trusted_networks),
    )
