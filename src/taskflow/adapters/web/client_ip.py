"""The client's IP address, believing ``X-Forwarded-For`` only from trusted proxies.

The header is a list appended to by each proxy: ``client, proxy1, proxy2``. Walking it from
the right, every hop that is a trusted proxy is skipped; the first address that is not is
the client. A peer that is not a trusted proxy is the client itself, whatever it claims.
"""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import ip_address

from taskflow.adapters.web.config import IPNetwork

__all__ = ["client_ip", "is_trusted"]


def is_trusted(address: str | None, trusted: Sequence[IPNetwork]) -> bool:
    if not address or not trusted:
        return False
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in trusted)


def client_ip(peer: str | None, forwarded_for: str | None, trusted: Sequence[IPNetwork]) -> str:
    """The client IP of a request from ``peer`` carrying ``forwarded_for``."""
    peer = peer or "unknown"
    if not forwarded_for or not is_trusted(peer, trusted):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not is_trusted(hop, trusted):
            try:
                return str(ip_address(hop))
            except ValueError:
                return peer  # garbage from beyond our proxies: fall back to what we know
    return hops[0] if hops else peer
