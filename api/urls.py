"""/api/v1/ (django-ninja) and /open311/v2/ (GeoReport v2)."""

from django.urls import path, re_path

from . import open311, open311_openapi, sms
from .rest import api

# The format is the suffix (.xml or .json); anything else is answered by the view with a 404.
_FMT = r"\.(?P<fmt>[A-Za-z0-9]+)$"

urlpatterns = [
    path("api/v1/", api.urls),
    path("sms/inbound", sms.inbound_sms, name="sms-inbound"),
    path("open311/v2/openapi.json", open311_openapi.openapi, name="open311-openapi"),
    re_path(r"^open311/v2/discovery" + _FMT, open311.discovery, name="open311-discovery"),
    re_path(r"^open311/v2/services" + _FMT, open311.services_list, name="open311-services"),
    re_path(
        r"^open311/v2/services/(?P<service_code>[^/]+?)" + _FMT,
        open311.service_definition,
        name="open311-service",
    ),
    re_path(r"^open311/v2/requests" + _FMT, open311.requests, name="open311-requests"),
    re_path(
        r"^open311/v2/servicerequestupdates" + _FMT, open311.request_updates, name="open311-request-updates"
    ),
    re_path(
        r"^open311/v2/requests/(?P<request_id>[^/]+?)" + _FMT, open311.request_detail, name="open311-request"
    ),
]
