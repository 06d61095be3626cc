"""The TokenStore port's contract, on every token store: in memory, on SQL (SQLite,
PostgreSQL, MariaDB) and the Redis denylist (which keeps the sessions in the store it
wraps). Rotation is conditional, revocation counts only active sessions, a denied token
is refused until it expires, and ``check_access`` answers all of it in one call."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from builders import NOW, a_user

from ports_under_test import StorageUnderTest
from taskflow.domain.models import Session
from taskflow.ids import new_id


def _user(storage: StorageUnderTest, email: str = "sara@example.com") -> UUID:
    user = a_user(email)
    with storage.uow_factory() as uow:
        uow.users.add(user)
        uow.commit()
    return user.id


def _session(user_id: UUID, jti: str = "a", **ages: timedelta) -> Session:
    created = NOW - ages.get("age", timedelta())
    return Session(
        id=new_id(),
        user_id=user_id,
        refresh_jti=jti,
        created_at=created,
        last_used_at=created,
        expires_at=created + timedelta(days=7),
    )


def test_a_session_rotates_once_per_refresh_token(token_store: StorageUnderTest) -> None:
    store = token_store.token_store
    session = _session(_user(token_store))
    store.add_session(session)
    assert store.get_session(session.id) == session
    later = NOW + timedelta(minutes=1)
    assert store.rotate_session(session.id, "a", "b", later) is True
    assert store.rotate_session(session.id, "a", "c", later) is False  # reuse
    assert store.rotate_session(session.id, "b", "c", NOW + timedelta(days=8)) is False  # expired
    assert store.rotate_session(new_id(), "b", "c", later) is False
    stored = store.get_session(session.id)
    assert stored is not None
    assert (stored.refresh_jti, stored.last_used_at) == ("b", later)


def test_revoked_sessions_end_once_and_no_longer_rotate(token_store: StorageUnderTest) -> None:
    store = token_store.token_store
    session = _session(_user(token_store))
    store.add_session(session)
    assert store.revoke_session(session.id, NOW) is True
    assert store.revoke_session(session.id, NOW) is False
    assert store.rotate_session(session.id, "a", "b", NOW) is False
    assert store.list_sessions(session.user_id, NOW) == []


def test_revoking_a_users_sessions_ends_the_active_ones_but_the_kept_one(
    token_store: StorageUnderTest,
) -> None:
    store = token_store.token_store
    user, other = _user(token_store), _user(token_store, "ali@example.com")
    old = _session(user, "1", age=timedelta(hours=2))
    kept = _session(user, "2", age=timedelta(hours=1))
    newest = _session(user, "3")
    ended = _session(user, "4")
    someone_elses = _session(other, "5")
    for session in (old, kept, newest, ended, someone_elses):
        store.add_session(session)
    store.revoke_session(ended.id, NOW)
    assert [s.id for s in store.list_sessions(user, NOW)] == [newest.id, kept.id, old.id]
    assert store.revoke_user_sessions(user, NOW, keep=kept.id) == 2
    assert [s.id for s in store.list_sessions(user, NOW)] == [kept.id]
    assert store.revoke_user_sessions(user, NOW) == 1
    assert store.list_sessions(user, NOW) == []
    assert [s.id for s in store.list_sessions(other, NOW)] == [someone_elses.id]


def test_a_denied_token_is_refused_until_it_expires(token_store: StorageUnderTest) -> None:
    store = token_store.token_store
    store.deny("jti-1", NOW + timedelta(minutes=15))
    assert store.is_denied("jti-1", NOW) is True
    assert store.is_denied("jti-2", NOW) is False
    assert store.is_denied("jti-1", NOW + timedelta(minutes=15)) is False
    store.deny("jti-1", NOW + timedelta(minutes=30))  # twice: no error, the later expiry
    assert store.is_denied("jti-1", NOW + timedelta(minutes=20)) is True
    assert store.is_denied("jti-1", NOW + timedelta(minutes=31)) is False


def test_check_access_needs_an_allowed_token_and_the_users_active_session(
    token_store: StorageUnderTest,
) -> None:
    store = token_store.token_store
    session = _session(_user(token_store))
    store.add_session(session)
    user = session.user_id
    assert store.check_access("jti", session.id, user, NOW) is True
    assert store.check_access("jti", session.id, new_id(), NOW) is False  # not theirs
    assert store.check_access("jti", new_id(), user, NOW) is False  # no such session
    assert store.check_access("jti", session.id, user, NOW + timedelta(days=8)) is False
    store.deny("jti", NOW + timedelta(minutes=15))
    assert store.check_access("jti", session.id, user, NOW) is False
    assert store.check_access("jti-2", session.id, user, NOW) is True
    store.revoke_session(session.id, NOW)
    assert store.check_access("jti-2", session.id, user, NOW) is False


def test_expired_sessions_and_denials_are_purged_and_live_ones_kept(
    token_store: StorageUnderTest,
) -> None:
    """Issue 12, point 13: nothing purged them, so they grew forever."""
    store = token_store.token_store
    user = _user(token_store)
    old = _session(user, "old", age=timedelta(days=8))  # expired a day ago
    live = _session(user, "live")
    store.add_session(old)
    store.add_session(live)
    store.deny("gone", NOW - timedelta(minutes=1))
    store.deny("still", NOW + timedelta(minutes=10))
    assert store.purge_expired(NOW) >= 1
    assert store.get_session(old.id) is None
    assert store.get_session(live.id) == live
    assert store.is_denied("still", NOW)
    assert store.purge_expired(NOW) == 0
