"""What django-axes answers once a username + address pair is locked out (AXES_LOCKOUT_CALLABLE)."""

from axes.helpers import get_client_username, get_cool_off

from .ratelimit import log_refusal
from .responses import too_many_json, too_many_page


def lockout_response(request, original_response=None, credentials=None):
    """429 with the cool-off as Retry-After: JSON for the API's token endpoint, a page elsewhere."""
    cool_off = get_cool_off(request)
    retry_after = int(cool_off.total_seconds()) if cool_off else 3600
    username = (get_client_username(request, credentials) or "")[:150]
    log_refusal(request, "login-lockout", retry_after=retry_after, username=username or "-")
    if request.path.startswith("/api/"):
        return too_many_json(limit="lockout", retry_after=retry_after)
    return too_many_page(request, limit="lockout", retry_after=retry_after)
