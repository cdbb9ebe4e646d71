"""Who is on the other end of a request: the client's address behind trusted proxies.

Behind nginx (or a load balancer) every request arrives from the proxy, so REMOTE_ADDR
alone would put the whole country in one network for the survey limits and quality
signals. Proxies pass the client on in X-Forwarded-For, but anyone can send that header,
so it is believed only as far as proxies we trust wrote it: ``OPENITA_TRUSTED_PROXIES``.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Some proxies add the client's port: 192.0.2.7:5100, [2001:db8::1]:443 (or [2001:db8::1]).
_WITH_PORT = re.compile(r"\[(?P<v6>[0-9A-Fa-f:.]+)\](?::\d{1,5})?|(?P<v4>[0-9.]+):\d{1,5}")


def parse_networks(value: str) -> tuple[Network, ...]:
    """Comma-separated addresses and networks (IPv4 or IPv6, CIDR) as network objects.

    Read once when the settings load, so a typo stops the start with the entry named
    instead of silently trusting nothing (or too much). A network with host bits set
    (``10.0.0.1/8``) is refused as a likely typo; empty items are ignored.
    """
    networks = []
    for item in value.split(","):
        entry = item.strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry))
        except ValueError as error:
            raise ImproperlyConfigured(
                f"OPENITA_TRUSTED_PROXIES: {entry!r} is not an IP address or network such "
                f"as 10.0.0.5, 10.0.0.0/24 or 2001:db8::/64 ({error})") from None
    return tuple(networks)


def client_address(meta: Mapping[str, str]) -> str:
    """The address of the client a request comes from.

    - The direct peer (REMOTE_ADDR) is the client unless it is a trusted proxy; then
      X-Forwarded-For is read from the right (each proxy appends the address it received
      the request from), trusted proxies are skipped, and the first untrusted address is
      the client. Entries further left were written by the client and are never believed.
    - When every entry is a trusted proxy (or the header is missing), the leftmost proxy
      reached is the client: a request made by a proxy machine itself.
    - A malformed entry (not an address; ports such as ``192.0.2.7:5100`` and
      ``[2001:db8::1]:443`` are understood) cannot have been written by a proxy we trust,
      so the walk stops and the nearest proxy reached stands for the client. Such requests
      share that proxy's limits, which errs on the side of limiting, never of escaping
      them.

    Addresses come back in their canonical form, with IPv4-mapped IPv6 unwrapped
    (``::ffff:192.0.2.7`` is ``192.0.2.7``). A REMOTE_ADDR that is not an address (a UNIX
    socket gives ``""``) is returned as it is and never trusted.
    """
    remote = meta.get("REMOTE_ADDR", "")
    peer = _parse(remote)
    if peer is None:
        return remote
    trusted: tuple[Network, ...] = settings.OPENITA_TRUSTED_PROXIES
    if not _is_trusted(peer, trusted):
        return str(peer)
    entries = meta.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if not entries[-1].strip():
        entries.pop()  # no header at all, or a trailing comma
    client = peer
    for entry in reversed(entries):
        hop = _parse(entry)
        if hop is None:
            break
        client = hop
        if not _is_trusted(hop, trusted):
            break
    return str(client)


@functools.lru_cache(maxsize=65536)  # the same few proxies and clients, request after request
def _parse(value: str) -> Address | None:
    """An address from REMOTE_ADDR or one X-Forwarded-For entry, or None if it is none."""
    text = value.strip()
    with_port = _WITH_PORT.fullmatch(text)
    if with_port:
        text = with_port["v6"] or with_port["v4"]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped:  # a dual-stack socket's view of IPv4
        return address.ipv4_mapped
    return address


def _is_trusted(address: Address, trusted: tuple[Network, ...]) -> bool:
    return any(address in network for network in trusted)
