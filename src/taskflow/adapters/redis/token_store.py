"""The access-token denylist in Redis, shared by every process of the application.

``RedisDenylistTokenStore`` wraps another ``TokenStore`` (the SQL or in-memory one) that
keeps the sessions, and keeps only the denylist itself: one key per revoked jti, set to
expire when the token would have expired anyway, so the list never grows beyond the
tokens still alive.

Redis down does not take the API down: the wrapped store is the source of truth for the
sessions, and its own denylist stands in for Redis's. A token denied while Redis is down
is recorded there, and ``check_access`` always asks the wrapped store (whose check includes
its denylist), so no denial is ever lost, in any process, before or after Redis returns.
While Redis is down a circuit breaker skips it (no connection attempt per request) and
probes it again every few seconds; the outage is logged once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from taskflow.adapters.circuit_breaker import CircuitBreaker
from taskflow.clock import SystemClock
from taskflow.domain.models import Session
from taskflow.ports.services import Clock, TokenStore

__all__ = ["RedisDenylistTokenStore"]

logger = logging.getLogger("taskflow.redis")


class RedisDenylistTokenStore:
    def __init__(
        self,
        sessions: TokenStore,
        client: redis.Redis[Any],
        *,
        prefix: str = "taskflow:denied:",
        clock: Clock | None = None,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        """``clock`` must be the services' clock: a key lives from ``clock.now()`` until
        the token's expiry. ``breaker`` (tests): how an outage of Redis is detected."""
        self._sessions = sessions
        self._clock = clock or SystemClock()
        # Any: redis-py's bundled hints and the types-redis stubs disagree; keep to both.
        self._redis: Any = client
        self._prefix = prefix
        self._breaker = breaker or CircuitBreaker(
            "Redis (access-token denylist)", "using the database's denylist", logger=logger
        )

    @property
    def redis_is_down(self) -> bool:
        """Whether Redis failed at its last use (the wrapped store stands in)."""
        return self._breaker.is_down

    @classmethod
    def from_url(
        cls,
        sessions: TokenStore,
        url: str,
        *,
        prefix: str = "taskflow:denied:",
        clock: Clock | None = None,
    ) -> RedisDenylistTokenStore:
        # Short timeouts and one immediate retry (a pooled connection Redis closed): an
        # unreachable Redis costs the probing request about a second, not minutes.
        client = redis.Redis.from_url(
            url, socket_connect_timeout=1, socket_timeout=2, retry=Retry(NoBackoff(), 1)
        )
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

    def purge_expired(self, now: datetime) -> int:
        # Redis's own keys expire with their tokens; the wrapped store keeps the rest.
        return self._sessions.purge_expired(now)

    # The denylist: in Redis, or in the wrapped store while Redis is down.

    def deny(self, jti: str, expires_at: datetime) -> None:
        # The key expires with the token, so the denylist holds only live tokens. The
        # value is the expiry too, so that is_denied answers for the caller's ``now``.
        remaining_ms = int((expires_at - self._clock.now()).total_seconds() * 1000)
        if remaining_ms <= 0:
            return  # already expired: refused anyway
        if self._breaker.should_try():
            try:
                self._redis.set(self._prefix + jti, str(expires_at.timestamp()), px=remaining_ms)
            except redis.RedisError as error:
                self._breaker.failed(error)
            else:
                self._breaker.succeeded()
                return
        # Redis is down: the wrapped store keeps the denial, and every process consults
        # it in check_access whatever the state of Redis. Never lost.
        self._sessions.deny(jti, expires_at)

    def is_denied(self, jti: str, now: datetime) -> bool:
        if self._denied_in_redis(jti, now):
            return True
        return self._sessions.is_denied(jti, now)  # denied while Redis was down

    def check_access(self, jti: str, session_id: UUID, user_id: UUID, now: datetime) -> bool:
        # The denylist here, the session in the wrapped store (its own check: one
        # statement on SQL, which includes its denylist: the denials made while Redis was
        # down). With Redis down that check alone decides.
        if self._denied_in_redis(jti, now):
            return False
        return self._sessions.check_access(jti, session_id, user_id, now)

    def _denied_in_redis(self, jti: str, now: datetime) -> bool:
        """Whether Redis holds a live denial of ``jti``; False if Redis is down (the
        wrapped store's denylist then answers alone)."""
        if not self._breaker.should_try():
            return False
        try:
            value = self._redis.get(self._prefix + jti)
        except redis.RedisError as error:
            self._breaker.failed(error)
            return False
        self._breaker.succeeded()
        return value is not None and float(value) > now.timestamp()

    def close(self) -> None:
        self._redis.close()
