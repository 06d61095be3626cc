"""tf.auth.login: the answer, the same error for unknown email and wrong password (and the
same work), the lockout after consecutive failures, and what lifts it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from uuid import UUID

import attrs
import pytest

from taskflow import (
    AccountLocked,
    InvalidCredentials,
    InvalidInput,
    TaskFlow,
)
from taskflow.adapters.memory import RecordingEventPublisher
from taskflow.events import USER_PASSWORD_RESET
from taskflow.ports.services import PasswordHasher
from taskflow.security.passwords import Argon2PasswordHasher
from taskflow.testing import (
    FAST_PASSWORD_HASHING,
    TEST_AUTH_CONFIG,
    FakeClock,
    make_test_taskflow,
    one_time_token,
)

PASSWORD = "correct horse battery staple"
EMAIL = "sara@example.com"


@pytest.fixture
def sara(tf: TaskFlow) -> UUID:
    return tf.auth.signup(email=EMAIL, password=PASSWORD, name="Sara").user.id


def fail(tf: TaskFlow, times: int, email: str = EMAIL) -> None:
    for _ in range(times):
        with pytest.raises(InvalidCredentials):
            tf.auth.login(email=email, password="wrong password!")


class CountingHasher:
    """The real hasher, counting its calls: shows the work done, not just the answer."""

    def __init__(self, inner: PasswordHasher) -> None:
        self.inner = inner
        self.hashed = 0
        self.verified: list[str] = []

    def hash(self, password: str) -> str:
        self.hashed += 1
        return self.inner.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        self.verified.append(password_hash)
        return self.inner.verify(password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        return self.inner.needs_rehash(password_hash)


def sharing(tf: TaskFlow, hasher: PasswordHasher) -> TaskFlow:
    """Another TaskFlow on the same storage and clock, with its own hasher."""
    return TaskFlow.from_adapters(
        uow_factory=tf.uow_factory,
        token_store=tf.token_store,
        auth_config=tf.auth_config,
        clock=tf.clock,
        publisher=tf.publisher,
        hasher=hasher,
    )


# --- the answer -----------------------------------------------------------------------


def test_login_answers_profile_and_both_tokens(tf: TaskFlow, sara: UUID) -> None:
    result = tf.auth.login(email=EMAIL, password=PASSWORD)
    assert result.user.id == sara
    assert result.user.email == EMAIL
    assert result.user.name == "Sara"
    assert result.user.teams == ()
    assert tf.auth.validate_token(result.token).user_id == sara
    assert tf.auth.refresh(result.refresh_token).user.id == sara


def test_login_lists_the_users_teams_with_role(tf: TaskFlow, sara: UUID) -> None:
    team = tf.teams.create(sara, name="تیم من")
    (summary,) = tf.auth.login(email=EMAIL, password=PASSWORD).user.teams
    assert (summary.id, summary.name, summary.role.value) == (team.id, "تیم من", "owner")


def test_login_email_is_case_insensitive_and_trimmed(tf: TaskFlow, sara: UUID) -> None:
    assert tf.auth.login(email="  Sara@EXAMPLE.com ", password=PASSWORD).user.id == sara


def test_each_login_is_a_new_session(tf: TaskFlow, sara: UUID) -> None:
    first = tf.auth.login(email=EMAIL, password=PASSWORD)
    second = tf.auth.login(email=EMAIL, password=PASSWORD)
    assert first.session_id != second.session_id
    assert {s.id for s in tf.auth.list_sessions(sara)} >= {first.session_id, second.session_id}


# --- one error for both mistakes, and the same work -----------------------------------


def test_wrong_password_and_unknown_email_give_the_same_error(tf: TaskFlow, sara: UUID) -> None:
    with pytest.raises(InvalidCredentials) as wrong_password:
        tf.auth.login(email=EMAIL, password="not the password")
    with pytest.raises(InvalidCredentials) as unknown_email:
        tf.auth.login(email="nobody@example.com", password=PASSWORD)
    with pytest.raises(InvalidCredentials) as malformed_email:
        tf.auth.login(email="not an email", password=PASSWORD)
    assert wrong_password.value.to_dict() == unknown_email.value.to_dict()
    assert malformed_email.value.to_dict() == unknown_email.value.to_dict()
    assert wrong_password.value.status == 401


def test_unknown_email_verifies_a_dummy_hash_made_once(tf: TaskFlow, sara: UUID) -> None:
    hasher = CountingHasher(Argon2PasswordHasher(FAST_PASSWORD_HASHING))
    other = sharing(tf, hasher)

    with pytest.raises(InvalidCredentials):
        other.auth.login(email="nobody@example.com", password=PASSWORD)
    with pytest.raises(InvalidCredentials):
        other.auth.login(email="nobody-else@example.com", password=PASSWORD)
    with pytest.raises(InvalidCredentials):
        other.auth.login(email=EMAIL, password="not the password")

    # One argon2 verification per attempt, known email or not ...
    assert len(hasher.verified) == 3
    # ... against one dummy hash, made once, with the configured parameters.
    assert hasher.hashed == 1
    dummy = hasher.verified[0]
    assert hasher.verified[1] == dummy
    assert dummy.startswith("$argon2id$")
    assert not hasher.needs_rehash(dummy)


def test_too_long_password_attempt_is_invalid_input(tf: TaskFlow, sara: UUID) -> None:
    with pytest.raises(InvalidInput):
        tf.auth.login(email=EMAIL, password="x" * 1025)


# --- lockout --------------------------------------------------------------------------


def test_five_failures_lock_the_account_even_for_the_right_password(
    tf: TaskFlow, sara: UUID
) -> None:
    fail(tf, 5)
    with pytest.raises(AccountLocked) as caught:
        tf.auth.login(email=EMAIL, password=PASSWORD)
    assert caught.value.status == 423
    assert caught.value.retry_after == 15 * 60
    assert caught.value.to_dict()["retry_after"] == 15 * 60


def test_four_failures_do_not_lock(tf: TaskFlow, sara: UUID) -> None:
    fail(tf, 4)
    assert tf.auth.login(email=EMAIL, password=PASSWORD).user.id == sara


def test_the_lock_ends_after_its_duration(tf: TaskFlow, sara: UUID, clock: FakeClock) -> None:
    fail(tf, 5)
    clock.advance(minutes=14, seconds=59)
    with pytest.raises(AccountLocked) as caught:
        tf.auth.login(email=EMAIL, password=PASSWORD)
    assert caught.value.retry_after == 1
    clock.advance(seconds=1)
    assert tf.auth.login(email=EMAIL, password=PASSWORD).user.id == sara


def test_after_a_lock_the_count_starts_again(tf: TaskFlow, sara: UUID, clock: FakeClock) -> None:
    fail(tf, 5)
    clock.advance(minutes=15)
    fail(tf, 4)  # would lock if the count had not restarted
    assert tf.auth.login(email=EMAIL, password=PASSWORD).user.id == sara
    fail(tf, 4)
    with pytest.raises(InvalidCredentials):
        tf.auth.login(email=EMAIL, password="wrong again")
    with pytest.raises(AccountLocked):
        tf.auth.login(email=EMAIL, password=PASSWORD)


def test_a_success_resets_the_count(tf: TaskFlow, sara: UUID) -> None:
    fail(tf, 4)
    tf.auth.login(email=EMAIL, password=PASSWORD)
    fail(tf, 4)  # 8 failures in all, but never 5 in a row
    assert tf.auth.login(email=EMAIL, password=PASSWORD).user.id == sara


def test_failures_while_locked_do_not_extend_the_lock(
    tf: TaskFlow, sara: UUID, clock: FakeClock
) -> None:
    fail(tf, 5)
    clock.advance(minutes=10)
    for _ in range(3):
        with pytest.raises(AccountLocked):
            tf.auth.login(email=EMAIL, password="wrong password!")
    clock.advance(minutes=5)
    assert tf.auth.login(email=EMAIL, password=PASSWORD).user.id == sara


def test_lockout_is_per_account(tf: TaskFlow, sara: UUID) -> None:
    other = tf.auth.signup(email="omid@example.com", password=PASSWORD, name="Omid").user.id
    fail(tf, 5)
    assert tf.auth.login(email="omid@example.com", password=PASSWORD).user.id == other


def test_an_unknown_email_locks_exactly_like_a_known_one(tf: TaskFlow, sara: UUID) -> None:
    """Issue 12, point 8: six wrong logins gave 401 x 5 then 423 for an account, and 401
    x 6 for an unknown address: an oracle of which addresses have accounts."""

    def answers(email: str) -> list[int]:
        statuses = []
        for _ in range(6):
            try:
                tf.auth.login(email=email, password="not the password")
            except (InvalidCredentials, AccountLocked) as error:
                statuses.append(error.status)
        return statuses

    assert answers(EMAIL) == answers("nobody@example.com") == [401] * 5 + [423]


def test_a_known_and_an_unknown_address_cost_the_same_password_work(
    tf: TaskFlow, sara: UUID
) -> None:
    hasher = CountingHasher(Argon2PasswordHasher(FAST_PASSWORD_HASHING))
    other = sharing(tf, hasher)
    other.auth.login(email=EMAIL, password=PASSWORD)  # the dummy hash is made on first use
    for email in (EMAIL, "nobody@example.com"):
        hasher.verified.clear()
        for _ in range(6):
            with pytest.raises((InvalidCredentials, AccountLocked)):
                other.auth.login(email=email, password="not the password")
        assert len(hasher.verified) == 5, email  # five checks, then locked unchecked


def test_a_burst_of_parallel_guesses_gets_no_more_checks_than_the_threshold(
    tf: TaskFlow, sara: UUID
) -> None:
    """Issue 12, point 9: 30 parallel wrong logins, 8 were checked (threshold 5)."""
    hasher = CountingHasher(Argon2PasswordHasher(FAST_PASSWORD_HASHING))
    other = sharing(tf, hasher)
    barrier = threading.Barrier(30)
    statuses: list[int] = []
    lock = threading.Lock()

    def guess() -> None:
        barrier.wait()
        try:
            other.auth.login(email=EMAIL, password="not the password")
        except (InvalidCredentials, AccountLocked) as error:
            with lock:
                statuses.append(error.status)

    threads = [threading.Thread(target=guess) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(statuses) == 30
    assert len(hasher.verified) <= TEST_AUTH_CONFIG.lockout_threshold
    assert statuses.count(401) == len(hasher.verified)
    with pytest.raises(AccountLocked):
        tf.auth.login(email=EMAIL, password=PASSWORD)


def test_unknown_addresses_are_locked_per_address(tf: TaskFlow, sara: UUID) -> None:
    fail(tf, 5, email="nobody@example.com")
    with pytest.raises(AccountLocked):
        tf.auth.login(email="Nobody@Example.com ", password=PASSWORD)
    assert tf.auth.login(email=EMAIL, password=PASSWORD).user.id == sara


def test_threshold_and_duration_come_from_the_config(
    clock: FakeClock, events: RecordingEventPublisher
) -> None:
    config = attrs.evolve(
        TEST_AUTH_CONFIG, lockout_threshold=2, lockout_duration=timedelta(minutes=1)
    )
    tf = make_test_taskflow(clock=clock, publisher=events, auth_config=config)
    tf.auth.signup(email=EMAIL, password=PASSWORD, name="Sara")
    fail(tf, 2)
    with pytest.raises(AccountLocked) as caught:
        tf.auth.login(email=EMAIL, password=PASSWORD)
    assert caught.value.retry_after == 60


def test_a_locked_account_can_still_reset_its_password(
    tf: TaskFlow, sara: UUID, events: RecordingEventPublisher
) -> None:
    fail(tf, 5)
    tf.auth.request_password_reset(email=EMAIL)
    token = one_time_token(tf, events.named(USER_PASSWORD_RESET)[-1])
    tf.auth.reset_password(token, new_password="a brand new password")
    # the reset lifted the lock at once
    assert tf.auth.login(email=EMAIL, password="a brand new password").user.id == sara


def test_a_wrong_current_password_counts_towards_the_lock(tf: TaskFlow, sara: UUID) -> None:
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            tf.auth.change_password(
                sara, current_password="wrong password!", new_password="new password 1"
            )
    with pytest.raises(AccountLocked):
        tf.auth.login(email=EMAIL, password=PASSWORD)
    with pytest.raises(AccountLocked):
        tf.auth.change_password(sara, current_password=PASSWORD, new_password="new password 1")


class MeanwhileHasher(CountingHasher):
    """Runs ``meanwhile`` during the first password check: what a parallel request
    would do between login's read and its write."""

    def __init__(self, inner: PasswordHasher, meanwhile: Callable[[], object]) -> None:
        super().__init__(inner)
        self.meanwhile: Callable[[], object] | None = meanwhile

    def verify(self, password_hash: str, password: str) -> bool:
        if self.meanwhile is not None:
            action, self.meanwhile = self.meanwhile, None
            action()
        return super().verify(password_hash, password)


def test_a_lock_made_by_parallel_guesses_stops_a_login_in_flight(tf: TaskFlow, sara: UUID) -> None:
    hasher = MeanwhileHasher(Argon2PasswordHasher(FAST_PASSWORD_HASHING), lambda: fail(tf, 5))
    with pytest.raises(AccountLocked):
        sharing(tf, hasher).auth.login(email=EMAIL, password=PASSWORD)


def test_a_password_changed_during_the_check_is_not_accepted(tf: TaskFlow, sara: UUID) -> None:
    def change() -> None:
        tf.auth.change_password(sara, current_password=PASSWORD, new_password="changed password")

    hasher = MeanwhileHasher(Argon2PasswordHasher(FAST_PASSWORD_HASHING), change)
    with pytest.raises(InvalidCredentials):
        sharing(tf, hasher).auth.login(email=EMAIL, password=PASSWORD)
