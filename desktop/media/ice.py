"""Where ICE looks for addresses.

aioice offers every interface's address except loopback. When everyone in a call
runs on this machine (the embedded server, the demo, the tests), the calls must
stay on 127.0.0.1, and loopback is then the only address that works anyway.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import aioice.ice

LOOPBACK = "127.0.0.1"


def _loopback(use_ipv4: bool, use_ipv6: bool) -> list[str]:
    return [LOOPBACK] if use_ipv4 else []


@contextmanager
def loopback_only() -> Iterator[None]:
    """While active, every new ICE agent in this process offers 127.0.0.1 only."""
    original = aioice.ice.get_host_addresses
    aioice.ice.get_host_addresses = _loopback
    try:
        yield
    finally:
        aioice.ice.get_host_addresses = original


def is_local(url: str) -> bool:
    """Whether the server at ``url`` runs on this machine (a loopback address)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
