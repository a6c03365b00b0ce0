"""Per-address rate limits on the public endpoints: lookups, submissions, sign-in.

A view opts in with `@limit("lookup")`; the limits themselves are settings (MINSHENG_RATE_LIMITS),
each "<count>/<period>". A check is one round-trip to the shared counter store (security.counters)
and nothing at all when the limits are off. A refused request gets 429 with Retry-After, in the
shape its caller expects (a page, JSON, or an Open311 error), and is logged to `minsheng.security`.
"""

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache, wraps

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from . import counters
from .client import client_ip, rate_key

log = logging.getLogger("minsheng.security")

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")


@dataclass(frozen=True)
class Rate:
    count: int
    period: int  # seconds


@dataclass(frozen=True)
class Refusal:
    """Why a request was refused: which limit, and in how many seconds it may try again."""

    limit: str
    rate: Rate
    retry_after: int


@lru_cache(maxsize=64)
def parse_rate(raw: str) -> Rate | None:
    """ "60/m" → 60 per minute, "30/10m" → 30 per 10 minutes; "off" or "" → None (no limit)."""
    if raw is None or raw.strip().lower() in ("", "off", "none", "0"):
        return None
    match = _RATE.match(raw)
    if not match or int(match.group(1)) < 1:
        raise ImproperlyConfigured(f"A rate limit is '<count>/<period>' like 60/m or 30/10m, not {raw!r}.")
    return Rate(int(match.group(1)), int(match.group(2) or 1) * _UNITS[match.group(3)])


def rate_of(name: str) -> Rate | None:
    if not settings.RATE_LIMITS_ENABLED:
        return None
    try:
        raw = settings.MINSHENG_RATE_LIMITS[name]
    except KeyError:
        raise ImproperlyConfigured(f"No rate limit named {name!r} in MINSHENG_RATE_LIMITS.") from None
    return parse_rate(raw)


def check(request, name: str, *, key: str | None = None) -> Refusal | None:
    """Count this request against limit `name` (per client address, or per `key`); a Refusal past it."""
    rate = rate_of(name)
    if rate is None:
        return None
    who = key if key is not None else rate_key(client_ip(request))
    count, retry_after = counters.hit(f"{name}:{who}", rate.period)
    if count <= rate.count:
        return None
    log_refusal(request, name, retry_after=retry_after, first=count == rate.count + 1)
    return Refusal(name, rate, retry_after)


def log_refusal(request, limit: str, *, retry_after: int | None = None, first: bool = True, **extra) -> None:
    """One line per refused request; the first refusal of a window at WARNING, the rest at INFO."""
    details = " ".join(f"{name}={value}" for name, value in extra.items())
    log.log(
        logging.WARNING if first else logging.INFO,
        "refused limit=%s address=%s method=%s path=%s retry_after=%s%s",
        limit,
        client_ip(request) or "-",
        request.method,
        request.path[:200],
        retry_after if retry_after is not None else "-",
        f" {details}" if details else "",
    )


Responder = Callable[..., object]


def limit(
    name: str,
    *,
    methods: Iterable[str] = ("GET", "HEAD", "POST"),
    respond: Responder | None = None,
    exempt: Callable[[object], bool] | None = None,
):
    """Decorate a view: requests with one of `methods` count against limit `name`.

    `respond(request, refusal, *args, **kwargs)` makes the 429 (default: the HTML page);
    `exempt(request)` lets some requests through uncounted (e.g. staff with an API token).
    """
    methods = frozenset(methods)

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method in methods and not (exempt and exempt(request)):
                refusal = check(request, name)
                if refusal is not None:
                    from .responses import page

                    return (respond or page)(request, refusal, *args, **kwargs)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
