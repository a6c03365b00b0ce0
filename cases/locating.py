"""Finding the community of a request that names none, and the placeholders of a case "to be located".

Other systems (Open311 clients) and residents texting the sub-district's number do not know our
community codes. A request gets its community from, in order:

- its address: a community's name or one of its aliases (Community.aliases, one per line) appearing
  in it, the longest match winning, so "朱枝路小区" beats "朱枝";
- its position: the community whose boundary (Community.boundary) contains it, else the community
  whose centre is nearest, if within MINSHENG_LOCATE_RADIUS_METRES.

Otherwise the case is created "to be located" (Case.to_locate) in the placeholder community (and,
for an SMS, the placeholder category) below, and intake sets the real ones (services.locate).
The placeholders are inactive rows, so no form offers them; they are made on first use.
"""

import math
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from .models import Category, Community

PLACEHOLDER_COMMUNITY = "to-locate"
PLACEHOLDER_CATEGORY = "unsorted"


def placeholder_community() -> Community:
    """The community of every case still to be located."""
    from .services import stored_language

    with stored_language():
        name = _("待定位")
    community, _created = Community.objects.get_or_create(
        code=PLACEHOLDER_COMMUNITY, defaults={"name": name, "sort": 9999, "is_active": False}
    )
    return community


def placeholder_category() -> Category:
    """The category of a case whose kind nobody has said yet (an SMS): intake sorts it."""
    from .services import stored_language

    with stored_language():
        name = _("待分类")
    category, _created = Category.objects.get_or_create(
        code=PLACEHOLDER_CATEGORY, defaults={"name": name, "sort": 9999, "is_active": False}
    )
    return category


def is_placeholder(community: Community | None) -> bool:
    return community is not None and community.code == PLACEHOLDER_COMMUNITY


def _names(community: Community) -> list[str]:
    names = [community.name, *(line.strip() for line in community.aliases.splitlines())]
    return [name for name in names if len(name) >= 2]


def by_address(address: str) -> Community | None:
    """The active community whose name or alias appears in `address` (the longest match), or None."""
    text = "".join((address or "").split())
    if not text:
        return None
    best: tuple[int, Community] | None = None
    for community in Community.objects.filter(is_active=True):
        for name in _names(community):
            if "".join(name.split()) in text and (best is None or len(name) > best[0]):
                best = (len(name), community)
    return best[1] if best else None


def parse_boundary(raw: str) -> list[tuple[float, float]]:
    """The vertices of a boundary as written in the admin; lines that are not "lat,long" are skipped."""
    points = []
    for line in (raw or "").splitlines():
        parts = line.replace(",", ",").split(",")
        if len(parts) != 2:
            continue
        try:
            points.append((float(parts[0]), float(parts[1])))
        except ValueError:
            continue
    return points


def inside(lat: float, long: float, polygon: list[tuple[float, float]]) -> bool:
    """Whether the point lies within the polygon (ray casting; a community is small enough to be flat)."""
    if len(polygon) < 3:
        return False
    result = False
    j = len(polygon) - 1
    for i, (lat_i, long_i) in enumerate(polygon):
        lat_j, long_j = polygon[j]
        if (lat_i > lat) != (lat_j > lat):
            crossing = long_i + (lat - lat_i) * (long_j - long_i) / (lat_j - lat_i)
            if long < crossing:
                result = not result
        j = i
    return result


def distance_metres(lat1: float, long1: float, lat2: float, long2: float) -> float:
    """Great-circle distance (haversine)."""
    radius = 6_371_000.0
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(long2 - long1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(a))


def by_position(lat: Decimal | float, long: Decimal | float) -> Community | None:
    """The active community whose boundary contains the point, else the nearest centre in range."""
    point = (float(lat), float(long))
    communities = list(Community.objects.filter(is_active=True))
    for community in communities:
        if inside(*point, parse_boundary(community.boundary)):
            return community
    nearest: tuple[float, Community] | None = None
    for community in communities:
        if community.centre_lat is None or community.centre_long is None:
            continue
        metres = distance_metres(*point, float(community.centre_lat), float(community.centre_long))
        if metres <= settings.MINSHENG_LOCATE_RADIUS_METRES and (nearest is None or metres < nearest[0]):
            nearest = (metres, community)
    return nearest[1] if nearest else None


def find(*, address: str = "", lat=None, long=None) -> Community | None:
    """The community of a request from its address, else its position; None when neither tells."""
    community = by_address(address)
    if community is None and lat is not None and long is not None:
        community = by_position(lat, long)
    return community
