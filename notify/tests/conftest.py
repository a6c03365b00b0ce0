import pytest

from notify.backends import SendError


class FakeGateway:
    """An SMS backend that records what it was given; `down` makes it fail like a gateway outage."""

    def __init__(self):
        self.sent = []  # (message id, recipient, text)
        self.down = False
        self.refuse = False

    def send(self, message):
        if self.refuse:
            raise SendError("number refused", permanent=True)
        if self.down:
            raise SendError(f"gateway unreachable for {message.recipient}")
        self.sent.append((message.pk, message.recipient, message.text))


@pytest.fixture
def gateway():
    return FakeGateway()
