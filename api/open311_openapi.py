"""The OpenAPI 3.1 document of this platform's Open311 GeoReport v2 endpoints (api.open311),
served at /open311/v2/openapi.json. The fuzz test (tests/security/test_fuzz_api.py) holds the
endpoints to it: statuses, content types and JSON bodies must be what this says.

The JSON form of each resource is described in full; the XML form (the spec's required format,
same paths ending in .xml) is listed with its content type, its body being the same data as
elements (see http://wiki.open311.org/GeoReport_v2).
"""

from functools import cache

from django.http import JsonResponse
from django.views.decorators.http import require_GET

from .open311 import MAX_REQUESTS

NULLABLE_STRING = {"type": ["string", "null"]}
DATETIME = {"type": "string", "format": "date-time"}

ERRORS = {
    "type": "array",
    "description": "The spec's error list: one entry per problem.",
    "items": {
        "type": "object",
        "additionalProperties": False,
        "required": ["code", "description"],
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
    },
}

DISCOVERY = {
    "type": "object",
    "additionalProperties": False,
    "required": ["changeset", "contact", "key_service", "endpoints"],
    "properties": {
        "changeset": {"type": "string"},
        "contact": {"type": "string"},
        "key_service": {"type": "string"},
        "endpoints": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["specification", "url", "changeset", "type", "formats"],
                "properties": {
                    "specification": {"type": "string"},
                    "url": {"type": "string"},
                    "changeset": {"type": "string"},
                    "type": {"enum": ["production", "test"]},
                    "formats": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}

SERVICE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"],
    "properties": {
        "service_code": {"type": "string", "description": "诉求类型代码"},
        "service_name": {"type": "string"},
        "description": {"type": "string"},
        "metadata": {"type": "boolean", "description": "always true: every service has attributes"},
        "type": {"enum": ["realtime", "batch", "blackbox"]},
        "keywords": {"type": "string"},
        "group": {"type": "string"},
    },
}

SERVICE_DEFINITION = {
    "type": "object",
    "additionalProperties": False,
    "required": ["service_code", "attributes"],
    "properties": {
        "service_code": {"type": "string"},
        "attributes": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["variable", "code", "datatype", "required", "order", "description", "values"],
                "properties": {
                    "variable": {"type": "boolean"},
                    "code": {"type": "string"},
                    "datatype": {
                        "enum": ["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
                    },
                    "required": {"type": "boolean"},
                    "datatype_description": NULLABLE_STRING,
                    "order": {"type": "integer"},
                    "description": {"type": "string"},
                    "values": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["key", "name"],
                            "properties": {"key": {"type": "string"}, "name": {"type": "string"}},
                        },
                    },
                },
            },
        },
    },
}

SERVICE_REQUEST = {
    "type": "object",
    "additionalProperties": False,
    "description": "A published request: no personal data (address is the community's name).",
    "required": [
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "media_url",
    ],
    "properties": {
        "service_request_id": {"type": "string", "description": "诉求编号, e.g. 20240510-0012"},
        "status": {"enum": ["open", "closed"]},
        "status_notes": NULLABLE_STRING,
        "service_name": {"type": "string"},
        "service_code": {"type": "string"},
        "description": {"type": "null", "description": "never published (residents write names into it)"},
        "agency_responsible": NULLABLE_STRING,
        "service_notice": {"type": "string"},
        "requested_datetime": DATETIME,
        "updated_datetime": DATETIME,
        "expected_datetime": {"type": ["string", "null"], "format": "date-time"},
        "address": {"type": "string", "description": "the community's name"},
        "address_id": {"type": "null"},
        "zipcode": {"type": "null"},
        "lat": {
            "type": "number",
            "minimum": -90,
            "maximum": 90,
            "description": "rounded to 3 decimals; absent for categories about a resident's home",
        },
        "long": {
            "type": "number",
            "minimum": -180,
            "maximum": 180,
            "description": "rounded to 3 decimals; absent for categories about a resident's home",
        },
        "media_url": {"type": ["string", "null"], "description": "the first public after photo"},
    },
}

CREATED = {
    "type": "array",
    "minItems": 1,
    "maxItems": 1,
    "items": {
        "type": "object",
        "additionalProperties": False,
        "required": ["service_request_id", "service_notice", "account_id"],
        "properties": {
            "service_request_id": {"type": "string"},
            "service_notice": {"type": "string"},
            "account_id": {"type": "null"},
        },
    },
}

NEW_REQUEST = {
    "type": "object",
    "required": ["service_code"],
    "properties": {
        "service_code": {"type": "string", "description": "see GET /services.json"},
        "attribute[community]": {
            "type": "string",
            "description": "the community's code (see the service definition); without it the community is "
            "found from address_string or lat/long, else the case is to be located by intake",
        },
        "attribute[age_band]": {"enum": ["", "under_60", "60_plus"]},
        "address_string": {"type": "string", "description": "详细地址 (or give lat and long)"},
        "lat": {"type": "string", "description": "WGS84 latitude, with long"},
        "long": {"type": "string", "description": "WGS84 longitude, with lat"},
        "description": {"type": "string"},
        "first_name": {"type": "string"},
        "last_name": {"type": "string"},
        "phone": {"type": "string", "description": "phone, or email alone: one of the two"},
        "email": {"type": "string"},
        "jurisdiction_id": {"type": "string", "description": "accepted and ignored (one jurisdiction)"},
        "api_key": {
            "type": "string",
            "description": "a trusted client's key (not held to the per-address limit); any other is ignored",
        },
        "device_id": {"type": "string"},
        "account_id": {"type": "string"},
    },
}

FORMATS_NOTE = (
    "Each resource is also available as XML at the same path ending in `.xml` "
    "(`text/xml; charset=utf-8`), with the same data as elements."
)


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _xml(description: str) -> dict:
    return {"description": description, "content": {"text/xml": {"schema": {"type": "string"}}}}


def _query(name: str, description: str, schema: dict | None = None) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {},
    }


# Empty arguments count as absent, as most Open311 clients send every field of their form.
EMPTY = {"type": "string", "maxLength": 0}
WHEN = {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "format": "date"}, EMPTY]}
PAGE = {"anyOf": [{"type": "integer", "minimum": 1}, EMPTY]}
LIST_PARAMETERS = [
    _query(
        "service_request_id",
        "comma-separated case numbers; overrides every other argument",
        {"type": "string"},
    ),
    _query("service_code", "comma-separated service codes", {"type": "string"}),
    _query("start_date", "W3C date-time (or a date); requests submitted from then on", WHEN),
    _query("end_date", "W3C date-time (or a date, to its end); at most 90 days after start_date", WHEN),
    _query(
        "status",
        "`open`, `closed`, or both comma-separated; anything else is a 400",
        {"type": "string"},
    ),
    _query("page", "1, 2 …", PAGE),
    _query("page_size", f"at most {MAX_REQUESTS} (more is cut to {MAX_REQUESTS})", PAGE),
    _query("jurisdiction_id", "accepted and ignored", {"type": "string"}),
]
REQUEST_UPDATE = {
    "type": "object",
    "description": "A public event of a case (FixMyStreet's extension): no personal data.",
    "required": ["update_id", "service_request_id", "status", "updated_datetime", "description", "media_url"],
    "properties": {
        "update_id": {"type": "string"},
        "service_request_id": {"type": "string", "description": "诉求编号"},
        "status": {"enum": ["open", "closed"]},
        "updated_datetime": {"type": "string", "format": "date-time"},
        "description": {"type": "string", "description": "the event's public note"},
        "media_url": {"type": "string", "description": "the completion's after photo, or empty"},
    },
}
UPDATE_PARAMETERS = [
    _query("start_date", "W3C date-time (or a date); with end_date (neither: the last 24 hours)", WHEN),
    _query("end_date", "W3C date-time (or a date, to its end); at most 90 days after start_date", WHEN),
    _query("jurisdiction_id", "accepted and ignored", {"type": "string"}),
    _query("api_key", "a trusted client's key (not held to the per-address limit)", {"type": "string"}),
]
CODE_PARAMETER = {"name": "service_code", "in": "path", "required": True, "schema": {"type": "string"}}
ID_PARAMETER = {
    "name": "service_request_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "description": "诉求编号",
}


def _paths() -> dict:
    paths: dict = {}
    for fmt in ("json", "xml"):

        def ok(schema, description, fmt=fmt):
            return _json(schema, description) if fmt == "json" else _xml(description)

        def errors(description, fmt=fmt):
            return _json(ERRORS, description) if fmt == "json" else _xml(description)

        tag = ["Open311 (JSON)"] if fmt == "json" else ["Open311 (XML)"]
        paths[f"/discovery.{fmt}"] = {
            "get": {
                "tags": tag,
                "summary": "Service discovery",
                "responses": {"200": ok(DISCOVERY, "discovery")},
            }
        }
        paths[f"/services.{fmt}"] = {
            "get": {
                "tags": tag,
                "summary": "Services (诉求类型)",
                "responses": {"200": ok({"type": "array", "items": SERVICE}, "the active services")},
            }
        }
        paths[f"/services/{{service_code}}.{fmt}"] = {
            "get": {
                "tags": tag,
                "summary": "A service's definition: its attributes (community, age band)",
                "parameters": [CODE_PARAMETER],
                "responses": {
                    "200": ok(SERVICE_DEFINITION, "the definition"),
                    "400": errors("a code with control characters"),
                    "404": errors("no such service"),
                },
            }
        }
        paths[f"/requests.{fmt}"] = {
            "get": {
                "tags": tag,
                "summary": "Published requests, newest first (default: the last 90 days)",
                "parameters": LIST_PARAMETERS,
                "responses": {
                    "200": ok({"type": "array", "items": SERVICE_REQUEST}, "the requests"),
                    "400": errors("a bad argument"),
                    "429": errors("too many lookups from this address: see Retry-After"),
                },
            },
            "post": {
                "tags": tag,
                "summary": "Submit a request (form-encoded; no API key needed)",
                "requestBody": {
                    "required": True,
                    "content": {"application/x-www-form-urlencoded": {"schema": NEW_REQUEST}},
                },
                "responses": {
                    "200": ok(CREATED, "accepted: the case number and a notice"),
                    "400": errors("missing or invalid fields, one error each"),
                    "404": errors("no such service"),
                    "429": errors("too many submissions from this address: see Retry-After"),
                },
            },
        }
        paths[f"/requests/{{service_request_id}}.{fmt}"] = {
            "get": {
                "tags": tag,
                "summary": "One request",
                "parameters": [ID_PARAMETER],
                "responses": {
                    "200": ok({**SERVICE_REQUEST_LIST, "maxItems": 1}, "a list with the one request"),
                    "400": errors("an id with control characters"),
                    "404": errors("no such request"),
                    "429": errors("too many lookups from this address: see Retry-After"),
                },
            }
        }
        paths[f"/servicerequestupdates.{fmt}"] = {
            "get": {
                "tags": tag,
                "summary": "Public updates of every request in a window, oldest first (FixMyStreet)",
                "parameters": UPDATE_PARAMETERS,
                "responses": {
                    "200": ok(
                        {"type": "array", "items": REQUEST_UPDATE, "maxItems": MAX_REQUESTS}, "the updates"
                    ),
                    "400": errors("a bad argument"),
                    "429": errors("too many lookups from this address: see Retry-After"),
                },
            }
        }
    return paths


SERVICE_REQUEST_LIST = {"type": "array", "items": SERVICE_REQUEST}


@cache
def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "民生诉求平台 Open311 GeoReport v2",
            "version": "2",
            "description": (
                "GeoReport v2 (http://wiki.open311.org/GeoReport_v2) for one jurisdiction. No API key. "
                "Published requests carry no personal data. " + FORMATS_NOTE
            ),
        },
        "servers": [{"url": "/open311/v2"}],
        "paths": _paths(),
    }


@require_GET
def openapi(request):
    return JsonResponse(document(), json_dumps_params={"ensure_ascii": False})
