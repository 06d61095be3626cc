"""The access-token denylist in Redis, shared by every process of the application.

``RedisDenylistTokenStore`` wraps another ``TokenStore`` (the SQL or in-memory one) that
keeps the sessions, and keeps only the denylist itself: one key per revoked jti, set to
expire when the token would have expired anyway, so the list never grows beyond the
tokens still alive.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import redis

from taskflow.clock import SystemClock
from taskflow.domain.models import Session
from taskflow.errors import StorageUnavailable
from taskflow.ports.services import Clock, TokenStore

__all__ = ["RedisDenylistTokenStore"]


class RedisDenylistTokenStore:
    def __init__(
        self,
        sessions: TokenStore,
        client: redis.Redis[Any],
        *,
        prefix: str = "taskflow:denied:",
        clock: Clock | None = None,
    ) -> None:
        """``clock`` must be the services' clock: a key lives from ``clock.now()`` until
        the token's expiry."""
        self._sessions = sessions
        self._clock = clock or SystemClock()
        # Any: redis-py's bundled hints and the types-redis stubs disagree; keep to both.
        self._redis: Any = client
        self._prefix = prefix

    @classmethod
    def from_url(
        cls,
        sessions: TokenStore,
        url: str,
        *,
        prefix: str = "taskflow:denied:",
        clock: Clock | None = None,
    ) -> RedisDenylistTokenStore:
        client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5)
        return cls(sessions, client, prefix=prefix, clock=clock)

    # Sessions: delegated.

    def add_session(self, session: Session) -> None:
        self._sessions.add_session(session)

    def get_session(self, session_id: UUID) -> Session | None:
        return self._sessions.get_session(session_id)

    def rotate_session(
        self, session_id: UUID, expected_jti: str, new_jti: str, now: datetime
    ) -> bool:
        return self._sessions.rotate_session(session_id, expected_jti, new_jti, now)

    def revoke_session(self, session_id: UUID, now: datetime) -> bool:
        return self._sessions.revoke_session(session_id, now)

    def revoke_user_sessions(
        self, user_id: UUID, now: datetime, *, keep: UUID | None = None
    ) -> int:
        return self._sessions.revoke_user_sessions(user_id, now, keep=keep)

    def list_sessions(self, user_id: UUID, now: datetime) -> Sequence[Session]:
        return self._sessions.list_sessions(user_id, now)

    # The denylist: in Redis.

    def deny(self, jti: str, expires_at: datetime) -> None:
        # The key expires with the token, so the denylist holds only live tokens. The
        # value is the expiry too, so that is_denied answers for the caller's ``now``.
        remaining_ms = int((expires_at - self._clock.now()).total_seconds() * 1000)
        if remaining_ms <= 0:
            return  # already expired: refused anyway
        try:
            self._redis.set(self._prefix + jti, str(expires_at.timestamp()), px=remaining_ms)
        except redis.RedisError as error:
            raise StorageUnavailable("The token denylist (Redis) is unavailable.") from error

    def is_denied(self, jti: str, now: datetime) -> bool:
        try:
            value = self._redis.get(self._prefix + jti)
        except redis.RedisError as error:
            # Failing closed: a token whose revocation cannot be checked is refused.
            raise StorageUnavailable("The token denylist (Redis) is unavailable.") from error
        return value is not None and float(value) > now.timestamp()

    def check_access(self, jti: str, session_id: UUID, user_id: UUID, now: datetime) -> bool:
        # The denylist here, the session in the wrapped store (its own check: one
        # statement on SQL; its denylist is unused, or holds older denials: refused too).
        if self.is_denied(jti, now):
            return False
        return self._sessions.check_access(jti, session_id, user_id, now)

    def close(self) -> None:
        self._redis.close()
