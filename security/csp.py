"""django-csp's middleware, with the policy built once.

csp.middleware.CSPMiddleware builds the header anew for every response: dataclasses.asdict() and
build_policy(), once for the policy and once for the report-only one. Ours is the same for every
response (settings.CONTENT_SECURITY_POLICY: no nonce in any template, no per-view decorator), so it
is built at start-up and set as it is. A response that does differ — a nonce was asked for, a view
used csp.decorators, DEBUG's error pages — goes through django-csp's own code unchanged.
"""

import http.client

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings

# What csp.decorators set on a response to change or drop its policy.
_PER_RESPONSE = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_exempt",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt_ro",
)


def prebuilt_policies() -> list[tuple[str, str]]:
    """The headers CSPMiddleware would set on a response without a nonce or per-view changes."""
    return [
        (header, policy)
        for header, policy in ((HEADER, build_policy()), (HEADER_REPORT_ONLY, build_policy(report_only=True)))
        if policy
    ]


def _excluded_prefixes() -> bool:
    return any(
        (getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES")
        for name in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY")
    )


class PrebuiltCSPMiddleware(CSPMiddleware):
    def __init__(self, get_response):
        super().__init__(get_response)
        self.policies = prebuilt_policies()
        # With excluded URL prefixes the answer depends on the path: django-csp decides each time.
        self.always_own_code = _excluded_prefixes()

    def process_response(self, request, response):
        if (
            self.always_own_code
            or getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in _PER_RESPONSE)
            or (
                settings.DEBUG
                and response.status_code in (http.client.INTERNAL_SERVER_ERROR, http.client.NOT_FOUND)
            )
        ):
            return super().process_response(request, response)
        for header, policy in self.policies:
            response.headers.setdefault(header, policy)
        # As django-csp does: asking for a nonce after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
