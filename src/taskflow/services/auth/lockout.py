"""The login lockout: counted per *login subject*, the address tried, known or not.

``lockout_threshold`` attempts in a row that fail lock the subject for
``lockout_duration``: ``AccountLocked`` (423) until then, even with the right password.
Counting by address rather than by account means an unknown address answers exactly
like a known one (401 four times, 401 the fifth, 423 after), so the lockout tells nobody
which addresses have accounts. Each attempt is counted when it starts, in one atomic
update, so a burst of parallel guesses cannot get more password checks than the
threshold: the ones past it are refused unchecked.

The subject is the SHA-256 of the normalised address: the counters of addresses with no
account do not keep those addresses in clear.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime

from taskflow.config import AuthConfig
from taskflow.domain.models import LoginFailures
from taskflow.errors import AccountLocked
from taskflow.ports.unit_of_work import UnitOfWork

__all__ = ["lock_in_force", "locks_now", "login_subject", "refusal"]


def login_subject(email: str) -> str:
    """The lockout key of an email address (normalised, or as typed if it is not one)."""
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()


def refusal(
    uow: UnitOfWork, attempt: LoginFailures, now: datetime, config: AuthConfig
) -> AccountLocked | None:
    """The ``AccountLocked`` to raise (once ``uow`` is committed) if the attempt just
    counted may not check a password: the subject is locked, or this attempt is past the
    threshold (a burst), which locks it now."""
    if (locked := lock_in_force(attempt, now)) is not None:
        return locked
    if attempt.count > config.lockout_threshold:
        until = now + config.lockout_duration
        uow.login_failures.lock(attempt.subject, until)
        return _locked(until, now)
    return None


def lock_in_force(state: LoginFailures | None, now: datetime) -> AccountLocked | None:
    """``AccountLocked`` if ``state`` holds a lock that has not ended at ``now``."""
    if state is None or state.locked_until is None or state.locked_until <= now:
        return None
    return _locked(state.locked_until, now)


def locks_now(attempt: LoginFailures, config: AuthConfig) -> bool:
    """Whether a wrong password on this attempt reaches the threshold (and so locks)."""
    return attempt.count >= config.lockout_threshold


def _locked(until: datetime, now: datetime) -> AccountLocked:
    return AccountLocked(retry_after=math.ceil((until - now).total_seconds()))
