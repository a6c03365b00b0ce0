"""Development: print each SMS to the worker's output (which `make run` shows) instead of sending it."""

import sys

from ..outbox import mask


class ConsoleBackend:
    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, message) -> None:
        number = message.case.number if message.case_id else "-"
        self.stream.write(f"[短信] {mask(message.recipient)} 诉求 {number}: {message.text}\n")
        self.stream.flush()
