"""A shared cache of what the public sees of a case, keyed by the case's version.

Every change to a case goes through workflow.transition(), which bumps `version`; a key that holds
the version can therefore never be stale, and nothing has to be invalidated: the next lookup after a
change asks for a new key. One indexed query reads the version; a hit then skips the case's events,
resolution and photos and all serialisation. The configured cache is shared by every process (the
database cache by default, Redis with REDIS_URL), never a process's own memory.
"""

from collections.abc import Callable

from django.core.cache import cache
from django.utils import translation

from . import numbering
from .access import case_for_public, not_found
from .models import Case

# Category and community names can change in the admin without a new version: bound their age.
TIMEOUT = 3600


def cached(number: str, variant: str, build: Callable[[Case], bytes | str]) -> bytes | str:
    """The public rendering `variant` of case `number`: from the cache, else `build(case)`."""
    number = (number or "").strip()
    version = None
    if numbering.is_well_formed(number):
        version = Case.objects.filter(number=number).values_list("version", flat=True).first()
    if version is None:
        raise not_found(number)
    key = f"minsheng:public:{variant}:{translation.get_language()}:{number}:{version}"
    body = cache.get(key)
    if body is None:
        body = build(case_for_public(number))
        cache.set(key, body, TIMEOUT)
    return body
