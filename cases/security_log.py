"""The security log (logger `minsheng.security`): every refusal, with who, what and which object.

Refusals are written where they are decided: cases.access (a case one may not open), cases.workflow
(a move one's role may not make), and security.refusal_log for every refused HTTP request. Operators
read the log to notice someone walking through case numbers or trying other people's cases.
"""

import logging

logger = logging.getLogger("minsheng.security")


def actor(user) -> str:
    """How the log names a person: `user:<username>#<id>`, or `anonymous`."""
    if user is None or not getattr(user, "is_authenticated", False):
        return "anonymous"
    return f"user:{user.get_username()}#{user.pk}"


def refused(user, what: str, target: str, reason: str, *, level: int = logging.WARNING) -> None:
    """Record that `user` was refused `what` on `target` (a case number, a path) and why."""
    logger.log(
        level,
        "refused who=%s what=%s target=%s reason=%s",
        actor(user),
        what,
        target[:200],
        reason,
        extra={"security_who": actor(user), "security_target": target[:200]},
    )


def alert(what: str, *, target: str, **details) -> None:
    """An alert for operators (e.g. a limit reached by someone guessing): `alert what=… target=…`."""
    extra = " ".join(f"{name}={str(value)[:200]}" for name, value in details.items())
    logger.warning(
        "alert what=%s target=%s%s",
        what,
        target[:200],
        f" {extra}" if extra else "",
        extra={"security_alert": what, "security_target": target[:200]},
    )
