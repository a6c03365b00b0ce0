"""A generic HTTP SMS gateway: POST a JSON body to SMS_HTTP_URL with SMS_HTTP_KEY as a bearer token.

Body: {"id": outbox id, "message_id": the id to drop duplicates by, "phone", "text", "template":
SMS_HTTP_TEMPLATE, "sign": SMS_HTTP_SIGN, "params": {"number": case number, "url": progress link}};
`message_id` is also sent as the `Idempotency-Key` header.

Delivery is at least once: a worker that dies after the gateway took a message but before marking
it sent, or a gateway that took it but answered too late, makes the message go out again. It is
exactly once for the resident only where the gateway drops a message id it has already taken (most
providers accept a client message id for this; an adapter can keep the ids of the last days).
`message_id` is the outbox id plus the row's creation time in microseconds, so a database restored
from an older backup, which hands out the same ids again, never reuses one for another message.
The gateway accepted the message only if it answers 2xx with a JSON object whose "ok" is true or
whose "code" is 0 / "0" / "OK". Anything else — a timeout, a refused connection, a 5xx, an HTML
error page, garbage — is a failure and the message is retried later; a 4xx other than 408/429 is
permanent (the gateway will never take this message).
"""

import json
import urllib.error
import urllib.request

from django.conf import settings

from ..outbox import progress_url
from . import SendError

MAX_ANSWER = 64 * 1024


class HttpBackend:
    def __init__(self, *, url=None, key=None, template=None, sign=None, timeout=None):
        self.url = url if url is not None else settings.SMS_HTTP_URL
        self.key = key if key is not None else settings.SMS_HTTP_KEY
        self.template = template if template is not None else settings.SMS_HTTP_TEMPLATE
        self.sign = sign if sign is not None else settings.SMS_HTTP_SIGN
        self.timeout = timeout if timeout is not None else settings.SMS_HTTP_TIMEOUT
        if not self.url.startswith(("https://", "http://")):
            raise SendError("SMS_HTTP_URL is not set to an http(s) address")

    @staticmethod
    def message_id(message) -> str:
        return f"{message.pk}.{int(message.created_at.timestamp() * 1_000_000)}"

    def body(self, message) -> dict:
        case = message.case if message.case_id else None
        return {
            "id": message.pk,
            "message_id": self.message_id(message),
            "phone": message.recipient,
            "text": message.text,
            "template": self.template,
            "sign": self.sign,
            "params": {"number": case.number if case else "", "url": progress_url(case) if case else ""},
        }

    def send(self, message) -> None:
        data = json.dumps(self.body(message), ensure_ascii=False).encode()
        request = urllib.request.Request(  # noqa: S310 (the scheme is checked in __init__)
            self.url,
            data=data,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {self.key}",
                "Idempotency-Key": self.message_id(message),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read(MAX_ANSWER)
        except urllib.error.HTTPError as exc:
            permanent = 400 <= exc.code < 500 and exc.code not in (408, 429)
            raise SendError(f"gateway answered HTTP {exc.code}", permanent=permanent) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise SendError(f"gateway unreachable: {reason}") from None
        try:
            answer = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise SendError(f"gateway answered something that is not JSON: {raw[:80]!r}") from None
        if not isinstance(answer, dict):
            raise SendError("gateway answered JSON that is not an object")
        if answer.get("ok") is True or answer.get("code") in (0, "0", "OK"):
            return
        raise SendError(f"gateway refused the message: {str(answer)[:200]}")
