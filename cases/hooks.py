"""Listeners for case events, called inside the transaction that writes the event.

Other apps register here (in their AppConfig.ready) to keep rows that must change together with a
case: notification outbox rows, statistics. The domain never imports them. A listener that fails
aborts the change, so an acknowledged change can never be missing its outbox row.
"""

from collections.abc import Callable

_listeners: list[Callable] = []


def on_event(listener: Callable) -> Callable:
    """Register `listener(event)`; usable as a decorator. Registering twice has no effect."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def emit(event) -> None:
    for listener in list(_listeners):
        listener(event)
