"""The Redis denylist, what only it does: every process sees a denial, a key lives only as
long as its token, sessions stay with the wrapped store, an unreachable Redis refuses.
(What every token store does is in tests/contract/test_token_store_contract.py.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from taskflow.adapters.memory import InMemoryTokenStore
from taskflow.adapters.redis import RedisDenylistTokenStore
from taskflow.domain.models import Session
from taskflow.errors import StorageUnavailable
from taskflow.ids import new_id
from taskflow.testing import FakeClock

pytestmark = pytest.mark.redis

NOW = datetime(2024, 2, 1, 10, tzinfo=UTC)


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


def test_an_unreachable_redis_refuses_rather_than_accepts() -> None:
    store = RedisDenylistTokenStore.from_url(InMemoryTokenStore(), "redis://127.0.0.1:1/0")
    with pytest.raises(StorageUnavailable):
        store.is_denied("jti", NOW)
    with pytest.raises(StorageUnavailable):
        store.check_access("jti", new_id(), new_id(), NOW)
    with pytest.raises(StorageUnavailable):
        store.deny("jti", datetime.now(UTC) + timedelta(minutes=1))
    store.close()
