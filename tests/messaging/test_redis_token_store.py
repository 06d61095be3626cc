"""The Redis denylist, what only it does: every process sees a denial, a key lives only as
long as its token, sessions stay with the wrapped store, an unreachable Redis refuses.
(What every token store does is in tests/contract/test_token_store_contract.py.)"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis

from redis_server import RedisServer
from taskflow.adapters.circuit_breaker import CircuitBreaker
from taskflow.adapters.memory import InMemoryTokenStore
from taskflow.adapters.redis import RedisDenylistTokenStore
from taskflow.domain.models import Session
from taskflow.ids import new_id
from taskflow.testing import FakeClock

pytestmark = pytest.mark.redis

NOW = datetime(2024, 2, 1, 10, tzinfo=UTC)

logger = logging.getLogger("taskflow.test")


def _store(client: Any, prefix: str, clock: FakeClock) -> RedisDenylistTokenStore:
    return RedisDenylistTokenStore(InMemoryTokenStore(), client, prefix=prefix, clock=clock)


def test_another_process_sees_the_denial(redis_client: Any, redis_prefix: str) -> None:
    clock = FakeClock(NOW)
    _store(redis_client, redis_prefix, clock).deny("jti", NOW + timedelta(minutes=5))
    assert _store(redis_client, redis_prefix, clock).is_denied("jti", NOW)


def test_the_key_lives_only_as_long_as_the_token(redis_client: Any, redis_prefix: str) -> None:
    clock = FakeClock(NOW)
    store = _store(redis_client, redis_prefix, clock)
    store.deny("jti", NOW + timedelta(minutes=15))
    ttl = redis_client.pttl(redis_prefix + "jti")
    assert 14 * 60_000 < ttl <= 15 * 60_000
    store.deny("old", NOW - timedelta(seconds=1))  # expired already: nothing to keep
    assert redis_client.exists(redis_prefix + "old") == 0


def test_sessions_are_kept_by_the_wrapped_store(redis_client: Any, redis_prefix: str) -> None:
    sessions = InMemoryTokenStore()
    store = RedisDenylistTokenStore(sessions, redis_client, prefix=redis_prefix)
    session = Session(
        id=new_id(),
        user_id=new_id(),
        refresh_jti="r1",
        created_at=NOW,
        last_used_at=NOW,
        expires_at=NOW + timedelta(days=7),
    )
    store.add_session(session)
    assert sessions.get_session(session.id) == session
    assert store.rotate_session(session.id, "r1", "r2", NOW)
    assert store.list_sessions(session.user_id, NOW)[0].refresh_jti == "r2"
    assert store.revoke_user_sessions(session.user_id, NOW) == 1
    assert not store.revoke_session(session.id, NOW)
    assert redis_client.keys(redis_prefix + "*") == []


def test_check_access_reads_the_denylist_in_redis_and_the_session_in_the_wrapped_store(
    redis_client: Any, redis_prefix: str
) -> None:
    sessions = InMemoryTokenStore()
    store = RedisDenylistTokenStore(
        sessions, redis_client, prefix=redis_prefix, clock=FakeClock(NOW)
    )
    session = Session(
        id=new_id(),
        user_id=new_id(),
        refresh_jti="r1",
        created_at=NOW,
        last_used_at=NOW,
        expires_at=NOW + timedelta(days=7),
    )
    store.add_session(session)
    assert store.check_access("jti", session.id, session.user_id, NOW) is True
    assert store.check_access("jti", session.id, new_id(), NOW) is False
    store.deny("jti", NOW + timedelta(minutes=15))
    assert sessions.check_access("jti", session.id, session.user_id, NOW) is True  # not there
    assert store.check_access("jti", session.id, session.user_id, NOW) is False  # but here
    assert store.check_access("jti-2", session.id, session.user_id, NOW) is True
    sessions.revoke_session(session.id, NOW)
    assert store.check_access("jti-2", session.id, session.user_id, NOW) is False


def _live_session() -> Session:
    return Session(
        id=new_id(),
        user_id=new_id(),
        refresh_jti="r1",
        created_at=NOW,
        last_used_at=NOW,
        expires_at=NOW + timedelta(days=7),
    )


class UnreachableRedis:
    """A Redis client whose every call fails as if the server were down; counts them."""

    def __init__(self) -> None:
        self.attempts = 0

    def get(self, key: str) -> None:
        self.attempts += 1
        raise redis.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    def set(self, key: str, value: str, px: int) -> None:
        self.attempts += 1
        raise redis.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    def close(self) -> None: ...


def test_with_redis_unreachable_the_wrapped_store_keeps_the_denylist() -> None:
    # Issue 12, point 3: this raised StorageUnavailable (503 on every authenticated
    # request) though the sessions are in the wrapped store.
    sessions = InMemoryTokenStore()
    store = RedisDenylistTokenStore.from_url(sessions, "redis://127.0.0.1:1/0")
    session = _live_session()
    store.add_session(session)
    assert store.check_access("jti", session.id, session.user_id, NOW) is True
    assert store.redis_is_down
    store.deny("jti", datetime.now(UTC) + timedelta(minutes=1))
    assert sessions.is_denied("jti", NOW)  # kept where every process looks
    assert store.is_denied("jti", NOW)
    assert store.check_access("jti", session.id, session.user_id, NOW) is False
    assert store.check_access("jti-2", session.id, session.user_id, NOW) is True
    store.close()


def test_a_dead_redis_is_tried_once_per_back_off_and_its_outage_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    monotonic = [100.0]
    breaker = CircuitBreaker(
        "Redis (denylist)", "using the database", logger=logger, clock=lambda: monotonic[0]
    )
    client = UnreachableRedis()
    store = RedisDenylistTokenStore(
        InMemoryTokenStore(), client, clock=FakeClock(NOW), breaker=breaker
    )
    session = _live_session()
    store.add_session(session)
    with caplog.at_level(logging.INFO, logger="taskflow"):
        for _ in range(50):
            assert store.check_access("jti", session.id, session.user_id, NOW)
        store.deny("jti", NOW + timedelta(minutes=15))
        assert client.attempts == 1  # not one connection attempt per request
        monotonic[0] += 5.0  # the back-off: one probe, then the fallback again
        for _ in range(10):
            assert not store.check_access("jti", session.id, session.user_id, NOW)
        assert client.attempts == 2
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].exc_info is None  # one line, no traceback
    assert "Redis (denylist) is unavailable" in warnings[0].getMessage()


def test_a_token_denied_while_redis_was_down_stays_refused_when_it_returns(
    own_redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    sessions = InMemoryTokenStore()  # the database: shared by every process
    breaker = CircuitBreaker("Redis (denylist)", "using the database", logger=logger, retry_after=0)
    client = redis.Redis.from_url(own_redis.url, socket_connect_timeout=1, socket_timeout=1)
    store = RedisDenylistTokenStore(sessions, client, clock=FakeClock(NOW), breaker=breaker)
    session = _live_session()
    store.add_session(session)
    assert store.check_access("before", session.id, session.user_id, NOW)

    own_redis.stop()
    store.deny("during", NOW + timedelta(minutes=15))  # a logout while Redis is down
    assert store.check_access("during", session.id, session.user_id, NOW) is False
    assert store.redis_is_down

    own_redis.start()  # an empty Redis: the denial is not in it
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="taskflow"):
        assert store.check_access("during", session.id, session.user_id, NOW) is False
        assert not store.redis_is_down  # back by itself
        # So is another process (same database, same Redis).
        other = RedisDenylistTokenStore.from_url(sessions, own_redis.url, clock=FakeClock(NOW))
        assert other.check_access("during", session.id, session.user_id, NOW) is False
        assert other.is_denied("during", NOW)
        other.close()
    assert [r.getMessage() for r in caplog.records] == ["Redis (denylist) answers again."]
    store.deny("after", NOW + timedelta(minutes=15))  # Redis again, not the database
    assert client.exists("taskflow:denied:after") == 1
    assert not sessions.is_denied("after", NOW)
    assert store.check_access("after", session.id, session.user_id, NOW) is False
    client.close()
