"""Refresh rotation and reuse detection, logout, the session list, ending sessions, and
changing the password (which ends every other session)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest

from taskflow import (
    AuthenticationFailed,
    InvalidCredentials,
    InvalidInput,
    InvalidToken,
    RefreshTokenReused,
    SessionNotFound,
    TaskFlow,
    TokenExpired,
    TokenRevoked,
    UserNotFound,
)
from taskflow.services.auth.lockout import login_subject
from taskflow.services.read_models import AuthResult
from taskflow.testing import FakeClock

PASSWORD = "correct horse battery staple"
EMAIL = "sara@example.com"


@pytest.fixture
def first(tf: TaskFlow) -> AuthResult:
    """Sara's sign-up: her first session."""
    return tf.auth.signup(email=EMAIL, password=PASSWORD, name="Sara")


def login(tf: TaskFlow) -> AuthResult:
    return tf.auth.login(email=EMAIL, password=PASSWORD)


# --- refresh --------------------------------------------------------------------------


def test_refresh_answers_a_new_pair_in_the_same_session(tf: TaskFlow, first: AuthResult) -> None:
    renewed = tf.auth.refresh(first.refresh_token)
    assert renewed.session_id == first.session_id
    assert renewed.user == first.user
    assert renewed.token != first.token
    assert renewed.refresh_token != first.refresh_token
    assert tf.auth.validate_token(renewed.token).session_id == first.session_id


def test_each_refresh_token_works_once_and_the_chain_goes_on(
    tf: TaskFlow, first: AuthResult
) -> None:
    token = first.refresh_token
    for _ in range(5):
        token = tf.auth.refresh(token).refresh_token
    assert tf.auth.refresh(token).session_id == first.session_id


def test_reusing_a_refresh_token_ends_the_whole_session(tf: TaskFlow, first: AuthResult) -> None:
    stolen = first.refresh_token
    legit = tf.auth.refresh(first.refresh_token)

    with pytest.raises(RefreshTokenReused) as caught:
        tf.auth.refresh(stolen)
    assert caught.value.status == 401

    # The newest token of the family (maybe the thief's) is dead too ...
    with pytest.raises(TokenRevoked):
        tf.auth.refresh(legit.refresh_token)
    # ... and so is every access token of the session.
    for access in (first.token, legit.token):
        with pytest.raises(TokenRevoked):
            tf.auth.validate_token(access)
    assert tf.auth.list_sessions(first.user.id) == []


def test_reuse_ends_only_that_session(tf: TaskFlow, first: AuthResult) -> None:
    other = login(tf)
    tf.auth.refresh(first.refresh_token)
    with pytest.raises(RefreshTokenReused):
        tf.auth.refresh(first.refresh_token)
    assert tf.auth.validate_token(other.token).session_id == other.session_id
    assert tf.auth.refresh(other.refresh_token).session_id == other.session_id


def test_refresh_records_last_use(tf: TaskFlow, first: AuthResult, clock: FakeClock) -> None:
    clock.advance(hours=3)
    tf.auth.refresh(first.refresh_token)
    (session,) = tf.auth.list_sessions(first.user.id)
    assert session.created_at == first.user.created_at
    assert session.last_used_at == clock.now()


def test_refresh_tokens_live_seven_days(tf: TaskFlow, first: AuthResult, clock: FakeClock) -> None:
    clock.advance(days=7)
    with pytest.raises(TokenExpired):
        tf.auth.refresh(first.refresh_token)


def test_refreshing_does_not_extend_the_session(
    tf: TaskFlow, first: AuthResult, clock: FakeClock
) -> None:
    clock.advance(days=6, hours=23)
    renewed = tf.auth.refresh(first.refresh_token)
    assert renewed.expires_at <= first.user.created_at + timedelta(days=7)
    clock.advance(hours=1)
    with pytest.raises(TokenExpired):
        tf.auth.refresh(renewed.refresh_token)
    with pytest.raises(AuthenticationFailed):
        tf.auth.validate_token(renewed.token)


def test_refresh_answers_the_current_profile(tf: TaskFlow, first: AuthResult) -> None:
    team = tf.teams.create(first.user.id, name="Team")
    renewed = tf.auth.refresh(first.refresh_token)
    assert [t.id for t in renewed.user.teams] == [team.id]


@pytest.mark.parametrize("token", ["", "nonsense", None])
def test_refresh_with_garbage_is_invalid_token(tf: TaskFlow, token: Any) -> None:
    with pytest.raises(InvalidToken):
        tf.auth.refresh(token)


# --- logout ---------------------------------------------------------------------------


def test_logout_revokes_the_access_token_and_its_session(tf: TaskFlow, first: AuthResult) -> None:
    tf.auth.logout(first.token)
    with pytest.raises(TokenRevoked):
        tf.auth.validate_token(first.token)
    with pytest.raises(TokenRevoked):
        tf.auth.refresh(first.refresh_token)
    assert tf.auth.list_sessions(first.user.id) == []


def test_logout_leaves_other_sessions_alone(tf: TaskFlow, first: AuthResult) -> None:
    other = login(tf)
    tf.auth.logout(first.token)
    assert tf.auth.validate_token(other.token).user_id == first.user.id
    assert [s.id for s in tf.auth.list_sessions(first.user.id)] == [other.session_id]


def test_logout_denies_the_jti_even_if_the_session_lived_on(
    tf: TaskFlow, first: AuthResult
) -> None:
    """The denylist alone refuses the token: a token minted after logout for the same
    session is refused by the session check, but this one is refused by its jti."""
    tf.auth.logout(first.token)
    tf.auth.logout(first.token)  # twice is harmless
    with pytest.raises(TokenRevoked):
        tf.auth.validate_token(first.token)


def test_logout_with_a_refresh_token_is_refused(tf: TaskFlow, first: AuthResult) -> None:
    with pytest.raises(InvalidToken):
        tf.auth.logout(first.refresh_token)
    assert tf.auth.validate_token(first.token).user_id == first.user.id


# --- the session list -----------------------------------------------------------------


def test_one_session_per_login_newest_first(
    tf: TaskFlow, first: AuthResult, clock: FakeClock
) -> None:
    clock.advance(minutes=1)
    second = login(tf)
    clock.advance(minutes=1)
    third = login(tf)
    sessions = tf.auth.list_sessions(first.user.id)
    assert [s.id for s in sessions] == [third.session_id, second.session_id, first.session_id]
    assert sessions[0].created_at == clock.now()
    assert sessions[0].last_used_at == clock.now()


def test_sessions_of_others_are_not_listed(tf: TaskFlow, first: AuthResult) -> None:
    omid = tf.auth.signup(email="omid@example.com", password=PASSWORD, name="Omid")
    assert [s.id for s in tf.auth.list_sessions(omid.user.id)] == [omid.session_id]
    assert [s.id for s in tf.auth.list_sessions(first.user.id)] == [first.session_id]


def test_end_one_session(tf: TaskFlow, first: AuthResult) -> None:
    other = login(tf)
    tf.auth.end_session(first.user.id, other.session_id)
    with pytest.raises(TokenRevoked):
        tf.auth.refresh(other.refresh_token)
    assert [s.id for s in tf.auth.list_sessions(first.user.id)] == [first.session_id]


def test_ending_someone_elses_session_is_not_found(tf: TaskFlow, first: AuthResult) -> None:
    omid = tf.auth.signup(email="omid@example.com", password=PASSWORD, name="Omid")
    with pytest.raises(SessionNotFound) as caught:
        tf.auth.end_session(first.user.id, omid.session_id)
    assert caught.value.status == 404
    assert tf.auth.validate_token(omid.token).user_id == omid.user.id


def test_ending_an_unknown_or_ended_session_is_not_found(tf: TaskFlow, first: AuthResult) -> None:
    with pytest.raises(SessionNotFound):
        tf.auth.end_session(first.user.id, uuid4())
    tf.auth.end_session(first.user.id, first.session_id)
    with pytest.raises(SessionNotFound):
        tf.auth.end_session(first.user.id, first.session_id)


def test_end_all_sessions(tf: TaskFlow, first: AuthResult) -> None:
    others = [login(tf) for _ in range(2)]
    assert tf.auth.end_all_sessions(first.user.id) == 3
    for result in [first, *others]:
        with pytest.raises(TokenRevoked):
            tf.auth.validate_token(result.token)
    assert tf.auth.end_all_sessions(first.user.id) == 0


def test_end_all_sessions_but_the_current_one(tf: TaskFlow, first: AuthResult) -> None:
    other = login(tf)
    assert tf.auth.end_all_sessions(first.user.id, except_session_id=first.session_id) == 1
    assert tf.auth.validate_token(first.token).session_id == first.session_id
    with pytest.raises(TokenRevoked):
        tf.auth.validate_token(other.token)


def test_session_calls_validate_their_ids(tf: TaskFlow, first: AuthResult) -> None:
    with pytest.raises(InvalidInput):
        tf.auth.list_sessions("not-a-uuid")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        tf.auth.end_session(first.user.id, str(first.session_id))  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        tf.auth.end_all_sessions(first.user.id, except_session_id="x")  # type: ignore[arg-type]


# --- changing the password ------------------------------------------------------------


def test_change_password(tf: TaskFlow, first: AuthResult) -> None:
    tf.auth.change_password(
        first.user.id,
        current_password=PASSWORD,
        new_password="a new password",
        session_id=first.session_id,
    )
    assert tf.auth.login(email=EMAIL, password="a new password").user.id == first.user.id
    with pytest.raises(InvalidCredentials):
        tf.auth.login(email=EMAIL, password=PASSWORD)


def test_change_password_ends_every_other_session(tf: TaskFlow, first: AuthResult) -> None:
    other = login(tf)
    tf.auth.change_password(
        first.user.id,
        current_password=PASSWORD,
        new_password="a new password",
        session_id=first.session_id,
    )
    assert tf.auth.validate_token(first.token).session_id == first.session_id
    assert tf.auth.refresh(first.refresh_token).session_id == first.session_id
    with pytest.raises(TokenRevoked):
        tf.auth.validate_token(other.token)
    with pytest.raises(TokenRevoked):
        tf.auth.refresh(other.refresh_token)


def test_change_password_without_a_session_ends_them_all(tf: TaskFlow, first: AuthResult) -> None:
    tf.auth.change_password(first.user.id, current_password=PASSWORD, new_password="a new password")
    assert tf.auth.list_sessions(first.user.id) == []


def test_change_password_needs_the_current_one(tf: TaskFlow, first: AuthResult) -> None:
    other = login(tf)
    with pytest.raises(InvalidCredentials):
        tf.auth.change_password(
            first.user.id,
            current_password="not my password",
            new_password="a new password",
            session_id=first.session_id,
        )
    # nothing changed: old password works, no session ended
    assert tf.auth.login(email=EMAIL, password=PASSWORD).user.id == first.user.id
    assert tf.auth.validate_token(other.token).user_id == first.user.id


@pytest.mark.parametrize("new_password", ["short", "x" * 129])
def test_change_password_validates_the_new_one(
    tf: TaskFlow, first: AuthResult, new_password: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        tf.auth.change_password(first.user.id, current_password=PASSWORD, new_password=new_password)
    assert [e["field"] for e in caught.value.errors] == ["new_password"]
    assert new_password not in str(caught.value)
    assert tf.auth.login(email=EMAIL, password=PASSWORD).user.id == first.user.id


def test_change_password_of_an_unknown_user(tf: TaskFlow) -> None:
    with pytest.raises(UserNotFound):
        tf.auth.change_password(uuid4(), current_password=PASSWORD, new_password="new password")


def test_purge_expired_drops_what_can_no_longer_matter(tf: TaskFlow, clock: FakeClock) -> None:
    """Issue 12, point 13: sessions, denied tokens and login counters grew forever; the
    worker now runs ``tf.auth.purge_expired`` every hour (``build_worker``'s jobs)."""
    sara = tf.auth.signup(email="sara@example.com", password=PASSWORD, name="Sara")
    tf.auth.logout(sara.token)  # a denied access token and an ended session
    with pytest.raises(InvalidCredentials):
        tf.auth.login(email="nobody@example.com", password="not the password")
    assert tf.auth.purge_expired() == 0  # nothing has expired yet
    clock.advance(days=8)  # past the session's expiry and the counter's day
    assert tf.auth.purge_expired() >= 2
    with tf.uow_factory(read_only=True) as uow:
        assert uow.login_failures.get(login_subject("nobody@example.com")) is None
    assert tf.token_store.get_session(sara.session_id) is None
    assert tf.auth.purge_expired() == 0


def test_the_worker_runs_the_purge_every_hour(tf: TaskFlow) -> None:
    from taskflow.bootstrap import build_worker  # noqa: PLC0415

    worker = build_worker(tf)
    jobs = {job.name: job for job in worker._jobs}
    assert jobs["purge-expired"].run == tf.auth.purge_expired
    assert jobs["purge-expired"].interval == 3600
