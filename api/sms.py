"""The SMS gateway's webhook for inbound messages (docs/sms.md): POST /sms/inbound.

The body is JSON {"message_id", "phone", "text", "reply_to"?}, signed by the gateway: header
X-Minsheng-Timestamp (Unix seconds) and X-Minsheng-Signature (hex HMAC-SHA256 of
"<timestamp>.<body>" with SMS_INBOUND_SECRET). A bad or stale signature is a 403 and nothing is
recorded; a valid delivery is stored once per message_id (a redelivery answers the same) and
processed by the worker (notify.inbound).
"""

import json

from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from cases.validation import normalize_phone
from notify import inbound

MAX_BODY = 16 * 1024


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"ok": False, "error": message}, status=status)


@csrf_exempt
@require_POST
def inbound_sms(request: HttpRequest) -> JsonResponse:
    body = request.body[: MAX_BODY + 1]
    timestamp = request.headers.get("X-Minsheng-Timestamp", "")
    given = request.headers.get("X-Minsheng-Signature", "")
    if len(body) > MAX_BODY or not inbound.verify(body, timestamp, given):
        return _error(403, "bad or stale signature")
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return _error(400, "the body is not JSON")
    if not isinstance(data, dict):
        return _error(400, "the body is not a JSON object")
    provider_id, phone, text = data.get("message_id"), data.get("phone"), data.get("text")
    reply_to = data.get("reply_to") or ""
    if not isinstance(provider_id, str | int) or not str(provider_id).strip() or len(str(provider_id)) > 100:
        return _error(400, "message_id: a string of 1 to 100 characters is required")
    if not isinstance(text, str):
        return _error(400, "text: a string is required")
    if not isinstance(reply_to, str | int) or len(str(reply_to)) > 100:
        return _error(400, "reply_to: a string of at most 100 characters")
    try:
        phone = normalize_phone(phone if isinstance(phone, str) else "")
    except ValidationError:
        return _error(400, "phone: not a phone number")
    _message, created = inbound.record(
        provider_id=str(provider_id).strip(), phone=phone, text=text, reply_to=str(reply_to).strip()
    )
    return JsonResponse({"ok": True, "duplicate": not created})
