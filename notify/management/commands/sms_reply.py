"""Development and tests: "send" an SMS to the sub-district's number, as the gateway would deliver it.

    manage.py sms_reply 13800001234 1
    manage.py sms_reply 13800001234 查询 --reply-to 12.1765432101234567

The text is recorded like a webhook delivery (notify.inbound.record) and processed at once (unless
--no-process: the running worker takes it), and the answers queued for that phone are printed.
"""

import uuid

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from cases.validation import normalize_phone
from notify import inbound
from notify.models import Channel as MessageChannel
from notify.models import InboundMessage, Message


class Command(BaseCommand):
    help = "Record an SMS from a phone as if the gateway delivered it, process it, print the answer."

    def add_arguments(self, parser):
        parser.add_argument("phone")
        parser.add_argument("text")
        parser.add_argument("--reply-to", default="", help="the gateway id of the message answered")
        parser.add_argument("--no-process", action="store_true", help="leave it to the running worker")

    def handle(self, *args, phone, text, reply_to="", no_process=False, **options):
        try:
            phone = normalize_phone(phone)
        except ValidationError as exc:
            raise CommandError(exc.messages[0]) from None
        message, _created = inbound.record(
            provider_id=f"dev-{uuid.uuid4().hex}", phone=phone, text=text, reply_to=reply_to
        )
        if no_process:
            self.stdout.write(f"recorded #{message.pk}; the worker will process it")
            return
        token = uuid.uuid4()
        claimed = inbound.claim(token)
        while claimed is not None and claimed.pk != message.pk:  # older ones first, as the worker would
            inbound.process(claimed, token)
            claimed = inbound.claim(token)
        if claimed is None:
            raise CommandError("the message was taken by a running worker")
        outcome = inbound.process(claimed, token)
        message = InboundMessage.objects.get(pk=message.pk)
        self.stdout.write(f"outcome: {outcome}" + (f" (case {message.case.number})" if message.case else ""))
        for answer in Message.objects.filter(key=f"inbound:{message.pk}", channel=MessageChannel.SMS):
            self.stdout.write(f"answer to {answer.recipient}: {answer.text}")
