"""Domain errors. The web and API layers map them to pages and status codes."""


class CaseError(Exception):
    """Base class; `message` is shown to the user as it is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class CaseNotFound(CaseError):
    """No such case, or one the user may not see (the two look the same on purpose)."""


class NotAllowed(CaseError):
    """The user's role may not make this move on this case."""


class InvalidMove(CaseError):
    """The move is not allowed from the case's current stage."""


class Conflict(CaseError):
    """Someone else changed the case between reading and writing it."""


class TooManyAttempts(NotAllowed):
    """Too many wrong guesses (phone digits, passwords) in a short time: try again later.

    `limit` names the limit for the log; `retry_after` is in seconds, when it is known.
    """

    def __init__(self, message: str, *, limit: str = "", retry_after: int | None = None):
        super().__init__(message)
        self.limit = limit
        self.retry_after = retry_after


class InvalidKey(CaseError):
    """An idempotency key that is too short, too long or has characters a key may not have."""


class KeyReused(CaseError):
    """An idempotency key already used for a different submission (`case` is the one it made)."""

    def __init__(self, message: str, *, case=None):
        super().__init__(message)
        self.case = case
