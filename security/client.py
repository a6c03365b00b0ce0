"""The real client address, behind at most TRUSTED_PROXY_COUNT proxies of our own.

Our nginx appends the address it saw to X-Forwarded-For (`$proxy_add_x_forwarded_for`), so the
right-most entry is the only one we can believe; everything to its left was written by the client
and may be anything. With TRUSTED_PROXY_COUNT = 0 (no proxy) the header is ignored altogether.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings


def client_ip(request) -> str | None:
    """The address of the client as our own proxy saw it (or REMOTE_ADDR without a proxy)."""
    remote = request.META.get("REMOTE_ADDR") or None
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return _normalized(remote)
    entries = [e.strip() for e in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if e.strip()]
    if len(entries) < count:
        # Not through our proxy (e.g. a health check straight to gunicorn): what the socket saw.
        return _normalized(remote)
    # With N proxies, the N-th entry from the right was added by the outermost proxy we run.
    return _normalized(entries[-count]) or _normalized(remote)


# The longest text an address can be ("ffff:…:255.255.255.255", or an IPv6 address with a zone).
LONGEST_ADDRESS = 64


def _normalized(raw: str | None) -> str | None:
    raw = (raw or "").strip()
    if not raw or len(raw) > LONGEST_ADDRESS:
        return None  # not an address: never parsed, never remembered
    return _parsed(raw)


# Both are pure functions of a short string, asked on every request, and the same addresses come
# back: remembered, the two cost 0.1 µs instead of 4.7 µs of parsing (timeit). Only what fits an
# address reaches them, so the memory they keep stays small whatever a client sends.
@lru_cache(maxsize=4096)
def _parsed(raw: str) -> str | None:
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return str(address)


@lru_cache(maxsize=4096)
def rate_key(address: str | None) -> str:
    """What a per-address limit counts: the IPv4 address, or the /64 of an IPv6 address (one home
    or phone gets a whole /64, and could otherwise take a fresh address for every request)."""
    if not address:
        return "unknown"
    parsed = ipaddress.ip_address(address)
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address) + "/64"
    return address


def address_key(address: str | None) -> str | None:
    """The same rule as `rate_key`, as an address a GenericIPAddressField can keep: the IPv4
    address, or the first address of the IPv6 /64 ("2001:db8:1:2::")."""
    if not address:
        return None
    parsed = ipaddress.ip_address(address)
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address)
    return address


def client_key(request) -> str | None:
    """The client's address as every limit and lock-out counts it (AXES_CLIENT_IP_CALLABLE, the SMS
    sign-in codes): a client rotating addresses inside its /64 is still one client."""
    return address_key(client_ip(request))
