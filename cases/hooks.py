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


_bulk_listeners: list[Callable] = []


def on_bulk_insert(listener: Callable) -> Callable:
    """Register `listener(cases, events, ratings)` for rows written in bulk, bypassing workflow.

    Bulk imports and generated populations insert cases with their whole history at once (see
    cases.bulk); a listener gets, inside the same transaction, the cases as dicts of column values
    by attname, and each case's events as (action, at, id) and ratings as (score, at, id) tuples,
    keyed by case id.
    """
    if listener not in _bulk_listeners:
        _bulk_listeners.append(listener)
    return listener


def emit_bulk_insert(cases: list[dict], events: dict, ratings: dict) -> None:
    for listener in list(_bulk_listeners):
        listener(cases, events, ratings)
